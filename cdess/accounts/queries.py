"""What pages and notices read about accounts."""

from sqlalchemy import func, or_

from cdess.accounts.models import College, Role, User, UserRole
from cdess.extensions import db
from cdess.web.collation import by_name
from cdess.web.queries import escape_like, paginate


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


def users_page(query: str, role: str):
    """The administration's list of accounts, by name, found by name or email and role."""
    stmt = db.select(User).order_by(by_name(User.display_name), User.display_name, User.id)
    if query:
        like = "%" + escape_like(query.lower()) + "%"
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(like, escape="\\"),
                User.email.like(like, escape="\\"),
            )
        )
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role_rows.any(UserRole.role == Role(role)))
    return paginate(stmt)


def colleges() -> list[College]:
    """The council's collèges in their order."""
    return list(db.session.execute(db.select(College).order_by(College.position)).scalars())


def colleges_with_members() -> list:
    """Each collège with its number of members, in order."""
    return db.session.execute(
        db.select(College, func.count(User.id))
        .outerjoin(User, User.college_id == College.id)
        .group_by(College.id)
        .order_by(College.position, College.name)
    ).all()
