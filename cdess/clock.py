"""The one clock every layer reads: naive UTC, the same on SQLite and PostgreSQL.

The lowest module of the application: it imports nothing from cdess, so models, services
and the demo can all stand on it."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now in UTC without a zone (the columns hold UTC without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None)
