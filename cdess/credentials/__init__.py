"""Open Badges 3.0 credentials of the certificates, the council's signing keys, and the
public status lists that say whether a label was revoked or suspended."""
