"""Inviting an account to act for a structure: nobody joins a structure without consenting.

A person of the structure (or an agent) types an address; whatever the address, the page gives
the same answer, so the structure learns nothing about which addresses have an account. Only
when an applicant account has that address does it receive, by email once the caller commits,
a signed link (`accounts.tokens`, kind « membership ») naming the structure and who invites.
Its owner, logged in, opens the link, reads what accepting means and accepts; only then is the
membership created (`services.add_member`, journalled) and the structure's people told.

Where the issue is silent, decided here:
- the link lasts MEMBERSHIP_INVITATION_MAX_AGE (by default as long as an account invitation);
- an address that already belongs to one of the structure's people is refused at once: the
  page lists their addresses, so saying so reveals nothing;
- the link works for the invited account only; it stops working when that account changes its
  password or address (the token's state), when the person who invited no longer acts for the
  structure (or is no longer an agent), and when the invited person was removed from the
  structure after the link was made (the removal is journalled with the account's id);
- sending the invitation is not journalled (nothing changed); accepting is, naming who invited.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cdess.accounts.models import Role, User
from cdess.accounts.services import find_user
from cdess.accounts.tokens import make_token, max_age, read_link
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.notifications.services import notify
from cdess.structures import queries, services
from cdess.structures.models import Membership, Structure
from cdess.structures.permissions import can_edit_structure
from cdess.web.urls import external_url

PURPOSE = "membership"


class InvitationRefused(ValueError):
    """A link that cannot be accepted; the message, in French, says why."""


@dataclass(frozen=True)
class Invitation:
    """A valid link, read for the account it was sent to."""

    structure: Structure
    inviter: User
    user: User


def invite(structure: Structure, email: str, inviter: User) -> None:
    """Email an invitation to act for the structure to the applicant account with this address,
    if there is one; otherwise do nothing, and tell the caller nothing either way (no account
    probing). Refused (StructureError) only for an address of one of the structure's people.
    The email leaves once the caller commits (at once when the session has written nothing)."""
    address = User.normalize_email(email)
    if any(m.user.email == address for m in structure.memberships):
        raise services.StructureError(
            _("Cette personne fait déjà partie de la structure."), "email"
        )
    user = find_user(address)
    if user is None or not user.active or not user.has_role(Role.applicant):
        return
    token = make_token(user, PURPOSE, structure=structure.id, inviter=inviter.id)
    notify(
        user.email,
        _l("Invitation à agir pour « %(name)s »", name=structure.name),
        "membership_invitation",
        user.locale,
        user=user,
        inviter=inviter,
        structure=structure,
        link=external_url("structures.join", token=token),
        days=max_age(PURPOSE).days,
    )


def read(token: str, user: User) -> Invitation:
    """The invitation this link carries, for `user` (the logged-in account) to accept; raises
    InvitationRefused when it cannot be."""
    link = read_link(token, PURPOSE)
    if link is None:
        raise InvitationRefused(
            _(
                "Ce lien d'invitation n'est pas valide ou a expiré. Demandez à une personne de la "
                "structure de vous inviter de nouveau."
            )
        )
    if link.user.id != user.id:
        raise InvitationRefused(
            _(
                "Cette invitation a été adressée à un autre compte que celui avec lequel vous "
                "êtes connecté. Déconnectez-vous, puis ouvrez de nouveau le lien avec le compte "
                "qui a reçu l'invitation."
            )
        )
    structure = _get(Structure, link.claims.get("structure"))
    inviter = _get(User, link.claims.get("inviter"))
    if structure is None or inviter is None:
        raise InvitationRefused(_("La structure de cette invitation n'existe plus."))
    if not user.has_role(Role.applicant):
        raise InvitationRefused(_("Seul un compte porteur de projet peut agir pour une structure."))
    if _is_member(structure, user):
        raise InvitationRefused(
            _("Vous agissez déjà pour la structure « %(name)s ».", name=structure.name)
        )
    if not inviter.active or not can_edit_structure(inviter, structure):
        raise InvitationRefused(
            _(
                "La personne qui vous a invité n'agit plus pour la structure « %(name)s » : "
                "cette invitation ne vaut plus.",
                name=structure.name,
            )
        )
    if _removed_since(structure, user, link.issued_at):
        raise InvitationRefused(
            _(
                "Vous avez été retiré de la structure « %(name)s » après cette invitation : elle "
                "ne vaut plus. Demandez une nouvelle invitation si besoin.",
                name=structure.name,
            )
        )
    return Invitation(structure=structure, inviter=inviter, user=user)


def accept(token: str, user: User) -> Membership:
    """The invited person consents: they now act for the structure (journalled, naming who
    invited), and the structure's other people are told by email once the caller commits.
    Raises InvitationRefused as `read` does. Flushes; the caller commits."""
    invitation = read(token, user)
    structure = invitation.structure
    membership = services.add_member(structure, user, actor=user, invited_by=invitation.inviter)
    link = external_url("structures.show", structure_id=structure.id)
    for person in queries.people(structure.id):
        if person.id != user.id:
            notify(
                person.email,
                _l(
                    "%(who)s agit désormais pour « %(name)s »",
                    who=user.display_name,
                    name=structure.name,
                ),
                "membership_joined",
                person.locale,
                user=person,
                member=user,
                inviter=invitation.inviter,
                structure=structure,
                link=link,
            )
    return membership


def _get(model, row_id):
    return db.session.get(model, row_id) if isinstance(row_id, int) else None


def _is_member(structure: Structure, user: User) -> bool:
    return any(m.user_id == user.id for m in structure.memberships)


def _removed_since(structure: Structure, user: User, issued_at: datetime) -> bool:
    """Whether the journal shows the account removed from the structure since the link was made
    (the link's time is whole seconds: a removal in that same second counts as after)."""
    removals = db.session.execute(
        db.select(AuditEntry.detail).filter(
            AuditEntry.subject_kind == Structure.__audit_kind__,
            AuditEntry.subject_id == structure.id,
            AuditEntry.action == "member_removed",
            AuditEntry.at >= issued_at,
        )
    ).scalars()
    return any(detail.get("member_id") == user.id for detail in removals)
