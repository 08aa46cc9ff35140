"""Label certificates: numbering, the PDF/A with its QR code, statuses, public verification,
the public registry and its open data, expiry reminders."""
