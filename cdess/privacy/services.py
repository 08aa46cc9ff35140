"""A person's data (right of access and portability, RGPD art. 15 and 20) and the erasure of
their account (art. 17).

The export holds what the application keeps about the person: the account, the structures
they act for, the charter signatures they gave, the applications they acted on (their
structures' and those the journal shows them acting on), the ballots they cast in open votes,
the secret ballots they took part in (never a choice: none is stored), and the journal's
entries about their account and by them.

The erasure pseudonymises the account (`accounts.privacy.pseudonymise`): the legal records
(applications, decisions, open votes, minutes, certificates, the journal) keep its id, and
their pages show the pseudonym. It is refused:
- while a session of the council is open and the account sits on the council: a vote may be
  open for it (the erasure waits for the session's close);
- while the account is the last person of a structure whose application runs: someone else
  must be invited first, to take the file over;
- for the last active administrator.

Where the issue is silent, decided here:
- an erased person's structures journal their leaving (`member_removed`, with the account's
  id and pseudonym, as a removal does), so that an invitation they sent is refused;
- the journal entry of the erasure (`account_erased`, on the account) names who asked (the
  person, the secretariat on request, the retention) and the secretariat's reason, nothing of
  what was erased;
- the records that keep a person's name beside their id (a note's author, an answer's checker,
  a proposal's author, a status change's actor, a report's decider, an annulment's author) get
  the pseudonym; those that keep a name without an id (who asked or answered a report, who
  answered a proposal) get it where the name is the account's;
- the legal representative's name typed on a charter signature is the structure's record, not
  the account's: it stays (the export shows it)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cdess.accounts import privacy as account_privacy
from cdess.accounts.models import Role, User, UserRole
from cdess.applications.models import AnswerCheck, Application, InternalNote
from cdess.applications.services import open_application
from cdess.audit import services as audit
from cdess.audit.labels import name_actions
from cdess.audit.models import AuditEntry
from cdess.certificates.models import CertificateProposal, StatusChange
from cdess.charter.models import CharterSignature
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.reports.models import Report
from cdess.sessions.models import (
    AgendaItem,
    BallotReceipt,
    CouncilSession,
    SessionStatus,
    Vote,
    VoteAnnulment,
)
from cdess.structures.models import Membership, Structure

name_actions(
    account_erased=_l("Compte supprimé (données personnelles effacées)"),
    account_purged=_l("Compte supprimé (durée de conservation)"),
    inactivity_warned=_l("Avertissement avant suppression pour inactivité"),
    draft_purged=_l("Brouillon supprimé (durée de conservation)"),
)

# Who asked for an erasure, as the journal says it.
BY_PERSON, BY_SECRETARIAT, BY_RETENTION = "person", "secretariat", "retention"


@dataclass(frozen=True)
class Refusal:
    """Why an account cannot be erased now, and where to act first: the structure whose
    people's page to open, or none."""

    message: str
    structure_id: int | None = None
    link_text: str = ""


class ErasureRefused(ValueError):
    """The erasure waits: `refusals` say why (French, for the page)."""

    def __init__(self, refusals: list[Refusal]):
        super().__init__("; ".join(r.message for r in refusals))
        self.refusals = refusals


# --- export ----------------------------------------------------------------------------------


def export(user: User) -> dict:
    """Everything the application keeps about `user` (module docstring), as plain JSON values."""
    return {
        "format": "cdess-donnees-personnelles/1",
        "generated_at": _iso(utcnow()),
        "account": account_privacy.account_data(user),
        "memberships": _memberships(user),
        "charter_signatures": _signatures(user),
        "applications": _applications(user),
        "open_votes": _votes(user),
        "secret_ballots": _secret_ballots(user),
        "journal": {
            "about_account": [_entry(e) for e in _journal(about=user)],
            "by_person": [_entry(e) for e in _journal(by=user)],
        },
    }


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _memberships(user: User) -> list[dict]:
    rows = db.session.execute(
        db.select(Membership, Structure)
        .join(Structure, Structure.id == Membership.structure_id)
        .filter(Membership.user_id == user.id)
        .order_by(Structure.id)
    ).all()
    return [
        {"structure_id": s.id, "structure": s.name, "since": _iso(m.created_at)} for m, s in rows
    ]


def _signatures(user: User) -> list[dict]:
    signatures = db.session.execute(
        db.select(CharterSignature)
        .filter(CharterSignature.signed_by_id == user.id)
        .order_by(CharterSignature.id)
    ).scalars()
    return [
        {
            "id": s.id,
            "structure_id": s.structure_id,
            "charter_version_id": s.version_id,
            "signer_name": s.signer_name,
            "signer_role": s.signer_role,
            "signed_at": _iso(s.signed_at),
            "status": s.status.value,
        }
        for s in signatures
    ]


def _applications(user: User) -> list[dict]:
    acted = db.select(AuditEntry.subject_id).filter(
        AuditEntry.actor_id == user.id, AuditEntry.subject_kind == Application.__audit_kind__
    )
    theirs = db.select(Membership.structure_id).filter(Membership.user_id == user.id)
    applications = db.session.execute(
        db.select(Application)
        .filter(
            Application.id.in_(acted)
            | Application.structure_id.in_(theirs)
            | (Application.created_by_id == user.id)
        )
        .order_by(Application.id)
    ).scalars()
    return [
        {
            "id": a.id,
            "structure_id": a.structure_id,
            "kind": a.kind.value,
            "state": a.state.value,
            "created_by_you": a.created_by_id == user.id,
            "created_at": _iso(a.created_at),
            "submitted_at": _iso(a.submitted_at),
        }
        for a in applications
    ]


def _votes(user: User) -> list[dict]:
    """Ballots of open votes only: a secret ballot has no row naming a choice (its receipt)."""
    rows = db.session.execute(
        db.select(Vote, AgendaItem, CouncilSession)
        .join(AgendaItem, AgendaItem.id == Vote.item_id)
        .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
        .filter((Vote.member_id == user.id) | (Vote.cast_by_id == user.id))
        .order_by(Vote.id)
    ).all()
    return [
        {
            "session_id": session.id,
            "session_date": _iso(session.starts_at),
            "item_id": item.id,
            "item_position": item.position,
            "application_id": item.application_id,
            "choice": vote.choice.value,
            "at": _iso(vote.at),
            "for_yourself": vote.member_id == user.id,
            "as_proxy_holder": vote.cast_by_id == user.id and vote.member_id != user.id,
            "entered_on_paper": vote.entered_by_id is not None,
        }
        for vote, item, session in rows
    ]


def _secret_ballots(user: User) -> list[dict]:
    rows = db.session.execute(
        db.select(AgendaItem, CouncilSession)
        .join(BallotReceipt, BallotReceipt.item_id == AgendaItem.id)
        .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
        .filter(BallotReceipt.member_id == user.id)
        .order_by(AgendaItem.id)
    ).all()
    return [
        {
            "session_id": session.id,
            "session_date": _iso(session.starts_at),
            "item_id": item.id,
            "item_position": item.position,
            "choice": None,  # a secret ballot: no row links a member to a choice
        }
        for item, session in rows
    ]


def _journal(about: User | None = None, by: User | None = None) -> list[AuditEntry]:
    query = db.select(AuditEntry).order_by(AuditEntry.id)
    if about is not None:
        query = query.filter(
            AuditEntry.subject_kind == User.__audit_kind__, AuditEntry.subject_id == about.id
        )
    if by is not None:
        query = query.filter(AuditEntry.actor_id == by.id)
    return list(db.session.execute(query).scalars())


def _entry(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": _iso(entry.at),
        "subject": entry.subject_kind,
        "subject_id": entry.subject_id,
        "action": entry.action,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "actor_name": entry.actor_name,
        "reason": entry.reason,
        "detail": entry.detail or {},
        "hash": entry.hash,
    }


# --- erasure ---------------------------------------------------------------------------------


def refusals(user: User) -> list[Refusal]:
    """What stands in the way of erasing `user` now (module docstring); empty when nothing."""
    found = []
    if user.voting_right or user.sits_on_council:
        open_session = db.session.execute(
            db.select(CouncilSession.id).filter_by(status=SessionStatus.open).limit(1)
        ).first()
        if open_session is not None:
            found.append(
                Refusal(
                    _(
                        "Une séance du conseil est en cours et ce compte y a voix : un vote peut "
                        "y être ouvert pour lui. La suppression attendra la clôture de la séance."
                    )
                )
            )
    for membership in sorted(user.memberships, key=lambda m: m.structure_id):
        structure = membership.structure
        if len(structure.memberships) == 1 and open_application(structure) is not None:
            found.append(
                Refusal(
                    _(
                        "Ce compte est le dernier à agir pour « %(name)s », dont une candidature "
                        "est en cours : invitez d'abord une autre personne à reprendre le "
                        "dossier.",
                        name=structure.name,
                    ),
                    structure.id,
                    _("Les personnes de « %(name)s »", name=structure.name),
                )
            )
    if user.has_role(Role.admin) and _other_admins(user) == 0:
        found.append(
            Refusal(_("C'est le dernier compte administrateur : nommez-en un autre d'abord."))
        )
    return found


def _other_admins(user: User) -> int:
    return db.session.execute(
        db.select(db.func.count(User.id))
        .join(UserRole, UserRole.user_id == User.id)
        .filter(UserRole.role == Role.admin, User.active.is_(True), User.id != user.id)
    ).scalar_one()


def erase(user: User, actor: User | None, by: str, reason: str = "") -> None:
    """Erase `user`'s personal data (module docstring), asked by `by` (BY_PERSON,
    BY_SECRETARIAT, BY_RETENTION), `actor` acting (the person, the agent, None: the retention).
    Raises ErasureRefused. Journals the leaving of each structure and the erasure itself.
    Flushes; the caller commits."""
    if found := refusals(user):
        raise ErasureRefused(found)
    pseudonym = audit.pseudonym(user.id)
    structures = sorted((m.structure for m in user.memberships), key=lambda s: s.id)
    _rename(user, pseudonym)
    account_privacy.pseudonymise(user)
    for structure in structures:
        audit.record(
            structure,
            "member_removed",
            actor,
            detail={"member": pseudonym, "member_id": user.id},
        )
    audit.record(user, "account_erased", actor, reason=reason, detail={"by": by})


# (model, the person's id column, the name kept beside it); the id None: by name only.
NAMED_RECORDS = (
    (InternalNote, "author_id", "author_name"),
    (AnswerCheck, "checked_by_id", "checked_by_name"),
    (CertificateProposal, "created_by_id", "created_by_name"),
    (CertificateProposal, None, "answered_by_name"),
    (StatusChange, "actor_id", "actor_name"),
    (Report, "decided_by_id", "decided_by_name"),
    (Report, None, "asked_by_name"),
    (Report, None, "answered_by_name"),
    (VoteAnnulment, "by_id", "by_name"),
)


def _rename(user: User, pseudonym: str) -> None:
    """The pseudonym in the records that copied the person's name (module docstring)."""
    for model, id_column, name_column in NAMED_RECORDS:
        name = getattr(model, name_column)
        where = getattr(model, id_column) == user.id if id_column else name == user.display_name
        db.session.execute(
            db.update(model).where(where).values({name_column: pseudonym}),
            execution_options={"synchronize_session": False},
        )
