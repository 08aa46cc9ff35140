"""Creating and changing structures and who acts for them."""

import enum
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_

from cdess.accounts.models import Role, User
from cdess.audit import services as audit
from cdess.extensions import db
from cdess.structures.models import Membership, Structure


class StructureError(ValueError):
    """A refused change; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _check_unique(fields: dict, structure_id: int | None) -> None:
    clauses = []
    if fields.get("siret"):
        clauses.append(Structure.siret == fields["siret"])
    if fields.get("rna"):
        clauses.append(Structure.rna == fields["rna"])
    if not clauses:
        return
    stmt = db.select(Structure.siret, Structure.rna).where(or_(*clauses))
    if structure_id is not None:
        stmt = stmt.where(Structure.id != structure_id)
    for siret, rna in db.session.execute(stmt):
        if fields.get("siret") and siret == fields["siret"]:
            raise StructureError(_("Une structure avec ce SIRET est déjà inscrite."), "siret")
        if fields.get("rna") and rna == fields["rna"]:
            raise StructureError(_("Une structure avec ce numéro RNA est déjà inscrite."), "rna")


def create_structure(fields: dict, creator: User) -> Structure:
    """Register a structure; its creator becomes the first person acting for it."""
    _check_unique(fields, None)
    structure = Structure(**fields)
    structure.memberships.append(Membership(user=creator))
    db.session.add(structure)
    db.session.flush()
    audit.record(structure, "structure_created", creator, detail={"name": structure.name})
    return structure


def update_structure(structure: Structure, fields: dict, actor: User | None = None) -> None:
    """Change the structure's fields; refused when its SIRET or RNA belongs to another structure.
    Journals the fields that changed (no entry when none did). Flushes; the caller commits."""
    _check_unique(fields, structure.id)
    changed = {
        name: _plain(value) for name, value in fields.items() if getattr(structure, name) != value
    }
    for name, value in fields.items():
        setattr(structure, name, value)
    db.session.flush()
    if changed:
        audit.record(structure, "structure_changed", actor, detail=changed)


def _plain(value) -> object:
    """A field's value as the journal keeps it (JSON)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def add_member(
    structure: Structure,
    user: User | None,
    actor: User | None = None,
    invited_by: User | None = None,
) -> Membership:
    """Let another account act for the structure: an applicant's account (one that exists),
    not already one of its people. From the web, only the person accepting an invitation
    (`invitations.accept`, `invited_by` named in the journal). Journals; flushes, the caller
    commits."""
    if user is None or not user.has_role(Role.applicant):
        raise StructureError(
            _(
                "Aucun compte porteur de projet n'existe pour cette adresse : la personne doit "
                "d'abord créer son compte."
            ),
            "email",
        )
    if any(m.user_id == user.id for m in structure.memberships):
        raise StructureError(_("Cette personne fait déjà partie de la structure."), "email")
    membership = Membership(user=user, structure=structure)
    db.session.add(membership)
    db.session.flush()
    detail = {"member": user.display_name}
    if invited_by is not None:
        detail["invited_by"] = invited_by.display_name
    audit.record(structure, "member_added", actor, detail=detail)
    return membership


def remove_member(structure: Structure, user: User, actor: User | None = None) -> None:
    """Nobody removes the last person: a structure always has someone to act for it."""
    if len(structure.memberships) <= 1:
        raise StructureError(_("La structure doit garder au moins une personne."), "email")
    for membership in structure.memberships:
        if membership.user_id == user.id:
            db.session.delete(membership)
    db.session.flush()
    # the id lets an invitation made before the removal be refused (`invitations.read`)
    audit.record(
        structure,
        "member_removed",
        actor,
        detail={"member": user.display_name, "member_id": user.id},
    )
