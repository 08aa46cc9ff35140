"""Label applications: the file, its states and its audit trail."""
