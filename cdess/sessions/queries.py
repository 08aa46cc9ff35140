"""What the sessions' pages read."""

from cdess.extensions import db
from cdess.sessions.models import CouncilSession


def all_sessions() -> list[CouncilSession]:
    """Every session, the latest first (the secretariat's planning page)."""
    return list(
        db.session.execute(
            db.select(CouncilSession).order_by(CouncilSession.starts_at.desc())
        ).scalars()
    )
