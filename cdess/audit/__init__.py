"""The journal: one append-only, hash-chained record of every decision and change of state,
of every subject (applications, sessions and votes, certificates, charter, signatures,
accounts, structures, documents), written in the same transaction as the change."""
