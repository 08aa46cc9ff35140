"""What a load balancer asks before sending a visitor: can this process reach its database,
write the uploaded files and hand over an email.

Where the issue is silent, decided here:
- each check is cheap (no query on a real table, no SMTP connection): it runs every few seconds;
- the upload and outbox folders are created when missing, as the application itself does on
  the first upload or email; a folder that cannot be created (a file in its place, a read-only
  disk) fails the check;
- the probe file is an unnamed temporary file (O_TMPFILE on Linux): a process killed during the
  check leaves nothing for `flask storage check` to find;
- with the files on S3 (`STORAGE = "s3"`), a HEAD on the bucket: the server answers and the
  keys are accepted (writing an object every few seconds would cost more than it tells);
- with an SMTP server configured, only its settings are checked (reaching it is the SMTP
  server's monitoring's job, and a failed sending keeps the email in outbox/non-envoyes/);
- the answer names the checks and says ok or failed, never why: it is public; the reason goes
  to the log."""

import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from cdess.extensions import db
from cdess.storage import storage


def _database() -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


def _writable(folder: str) -> None:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=path) as probe:
        probe.write(b"ok")
        probe.flush()


def _storage() -> None:
    storage().probe()


def _mail() -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _writable(config["OUTBOX_DIR"])
        return
    if not config.get("MAIL_PORT") or not config.get("MAIL_FROM"):
        raise ValueError("MAIL_PORT and MAIL_FROM are needed with MAIL_SERVER")
    if config.get("MAIL_USERNAME") and not config.get("MAIL_PASSWORD"):
        raise ValueError("MAIL_USERNAME is set without MAIL_PASSWORD")


CHECKS = {"database": _database, "storage": _storage, "mail": _mail}


def check() -> dict[str, bool]:
    """Run every check; name → whether it passed (a failure's reason is logged)."""
    results = {}
    for name, run in CHECKS.items():
        try:
            run()
        except Exception:  # any failure is a failed check, never a 500
            current_app.logger.exception("Contrôle de santé « %s » en échec", name)
            results[name] = False
        else:
            results[name] = True
    return results
