"""What pages and notices read about structures."""

from cdess.accounts.models import User
from cdess.extensions import db
from cdess.structures.models import Membership


def people(structure_id: int) -> list[User]:
    """The active accounts that act for the structure, in a stable order."""
    return list(
        db.session.execute(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .filter(Membership.structure_id == structure_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )
