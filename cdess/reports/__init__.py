"""Reports from the public on a labelled structure's respect of the charter: filed from the
registry or the verification page, handled by the secretariat (dismissed, the structure asked,
a suspension proposed to the council), never published."""
