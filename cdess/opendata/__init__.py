"""Open data as the French format expects: each Table Schema served at the address it names,
the public statistics of the label and the charter (CSV and JSON), and the figures on
labelled structures that a structure's result page compares itself with."""
