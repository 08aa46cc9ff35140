"""What pages and notices read about accounts."""

from cdess.accounts.models import Role, User, UserRole
from cdess.extensions import db


def with_role(role: Role) -> list[User]:
    """The active accounts holding this role, in a stable order (the secretariat's agents to
    tell of a file, say)."""
    return list(
        db.session.execute(
            db.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .filter(UserRole.role == role, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )
