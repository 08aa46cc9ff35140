"""What pages and notices read about structures."""

from sqlalchemy import func, or_

from cdess import territories
from cdess.accounts.models import User
from cdess.extensions import db
from cdess.structures.models import Family, Membership, Structure
from cdess.web.queries import escape_like, paginate


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


def structures_page(filters: dict[str, str]):
    """The secretariat's list of structures by name, found by name or identifier (SIRET,
    SIREN, RNA), EPCI, family and commune."""
    stmt = db.select(Structure).order_by(func.lower(Structure.name), Structure.id)
    if filters["q"]:
        like = "%" + escape_like(filters["q"].lower()) + "%"
        ident = filters["q"].replace(" ", "").upper()
        stmt = stmt.where(
            or_(
                func.lower(Structure.name).like(like, escape="\\"),
                Structure.siret == ident,
                Structure.siren == ident,
                Structure.rna == ident,
            )
        )
    if territories.epci(filters["epci"]):
        stmt = stmt.where(Structure.epci_code == filters["epci"])
    if filters["family"] in {f.value for f in Family}:
        stmt = stmt.where(Structure.family == Family(filters["family"]))
    if territories.commune(filters["commune"]):
        stmt = stmt.where(Structure.commune_code == filters["commune"])
    return paginate(stmt)
