"""Issuing certificates and changing their status; the public status and the registry."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager, joinedload

from cdess import signals
from cdess.accounts.models import User
from cdess.applications import services as applications
from cdess.applications.models import Application, Kind, State
from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.certificates import document
from cdess.certificates import rules as certificate_rules
from cdess.certificates.models import (
    Certificate,
    CertificateCounter,
    CertificateProposal,
    ProposalAction,
    ProposalState,
    StatusChange,
)
from cdess.certificates.permissions import can_issue_certificates
from cdess.certificates.rules import CHANGES, CertificateError
from cdess.certificates.rules import CertificateStatus as Status
from cdess.clock import add_months, utcnow
from cdess.credentials import services as credentials
from cdess.extensions import db
from cdess.jobs import services as jobs
from cdess.jobs.models import JobKind
from cdess.labels import N_
from cdess.notifications.notices import appeal_rights, tell
from cdess.notifications.services import lazy_date
from cdess.sessions import services as sessions
from cdess.sessions.live import job_session, job_title, local_date
from cdess.sessions.models import (
    AgendaItem,
    CouncilSession,
    ItemKind,
    SessionStatus,
    VoteStatus,
)
from cdess.structures import queries as structures
from cdess.structures.models import Structure
from cdess.web import seal
from cdess.web.messages import translate
from cdess.web.queries import escape_like
from cdess.web.seal import SealCheck
from cdess.web.urls import external_url

# --- numbering --------------------------------------------------------------------------------


def next_number(year: int) -> tuple[int, str]:
    """The year's next sequence number and the certificate number built from it, taken inside
    the caller's transaction: the UPDATE locks the year's counter until commit, so concurrent
    issuers wait in turn, and a rolled-back issue leaves no gap."""
    bump = (
        update(CertificateCounter)
        .where(CertificateCounter.year == year)
        .values(last=CertificateCounter.last + 1)
        .returning(CertificateCounter.last)
    )
    sequence = db.session.execute(bump).scalar_one_or_none()
    if sequence is None:  # the year's first certificate: create its counter, once
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(
            dialect.insert(CertificateCounter).values(year=year, last=0).on_conflict_do_nothing()
        )
        sequence = db.session.execute(bump).scalar_one()
    return sequence, certificate_rules.number(current_app.config["DEPARTEMENT"], year, sequence)


# --- the snapshot -----------------------------------------------------------------------------


def decision(application: Application) -> tuple[CouncilSession | None, date]:
    """The session whose vote granted the label, and the day of that vote."""
    return decisions([application])[application.id]


def decisions(applications: list[Application]) -> dict[int, tuple[CouncilSession | None, date]]:
    """`decision` of each application (by id), in one statement for all of them (and their
    journal's, unless loaded with them: a list loads them with `selectinload`)."""
    if not applications:
        return {}
    latest: dict[int, AgendaItem] = {}
    items = db.session.execute(
        db.select(AgendaItem)
        .filter(
            AgendaItem.application_id.in_([a.id for a in applications]),
            AgendaItem.result.isnot(None),
        )
        .options(joinedload(AgendaItem.session))
        .order_by(AgendaItem.id)
    ).scalars()
    for item in items:  # the last one of each application wins
        latest[item.application_id] = item
    found = {}
    for application in applications:
        item = latest.get(application.id)
        if item is None or item.vote_closed_at is None:  # decided outside a recorded vote
            granted = next(
                (
                    e.at
                    for e in reversed(application.transitions)
                    if e.to_state == State.granted.value
                ),
                None,
            )
            decided = (granted or utcnow()).date()
            found[application.id] = None, min(decided, application.label_valid_from or decided)
        else:
            found[application.id] = item.session, item.session.starts_at.date()
    return found


def snapshot(
    application: Application,
    number: str,
    issued_at: datetime,
    recommendations: str = "",
) -> dict:
    """Everything the certificate says, frozen as plain data."""
    structure = application.structure
    commune = structure.commune
    epci = structure.epci
    session, decided_on = decision(application)
    president = sessions.president()
    result = application.verified_result or {}  # the council voted on the verified result
    credentials.ensure_key()  # a first key is journalled: before the head is read
    journal = audit.head()  # printed on the certificate: an anchor of the journal
    return {
        "number": number,
        "departement": current_app.config["DEPARTEMENT_NAME"],
        "council": current_app.config["COUNCIL_NAME"],
        "structure": structure.name,
        "siret": structure.siret or "",
        "siren": structure.siren or "",
        "rna": structure.rna or "",
        "commune": commune.name if commune else structure.commune_code,
        "commune_code": structure.commune_code,
        "epci": epci.name if epci else "",
        "family": structure.family.label,
        "decision_date": decided_on.isoformat(),
        "session_date": session.starts_at.date().isoformat() if session else "",
        "valid_from": application.label_valid_from.isoformat(),
        "valid_until": application.label_valid_until.isoformat(),
        "overall": round(result.get("overall", 0)),
        "principles": [
            {"title": p["title"], "score": round(p["score"])}
            for p in result.get("principles", [])
            if p["score"] is not None
        ],
        "charter_version": (application.snapshot or {}).get("charter_version"),
        "recommendations": recommendations.strip(),
        "president": president.display_name if president else "",
        "issued_at": issued_at.replace(microsecond=0).isoformat(),
        "verification_url": external_url("certificates.verify", number=number),
        "journal": {"count": journal.count, "head": journal.hash},
    }


# --- issuing ----------------------------------------------------------------------------------


def current(application: Application) -> Certificate | None:
    """The application's standing (not superseded) certificate, if any."""
    return db.session.execute(
        db.select(Certificate).filter(
            Certificate.application_id == application.id,
            Certificate.status != Status.superseded,
        )
    ).scalar_one_or_none()


def _store(
    application: Application,
    actor: User,
    data: dict,
    pdf: bytes,
    sequence: int,
    badge: credentials.Draft,
):
    certificate = Certificate(
        number=data["number"],
        year=certificate_rules.number_year(data["number"]),
        sequence=sequence,
        application=application,
        structure_id=application.structure_id,
        valid_from=date.fromisoformat(data["valid_from"]),
        valid_until=date.fromisoformat(data["valid_until"]),
        issued_at=datetime.fromisoformat(data["issued_at"]),
        issued_by_id=actor.id,
        snapshot=data,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    certificate.history.append(
        StatusChange(
            from_status="",
            to_status=Status.valid.value,
            reason=_("Certificat délivré."),
            decided_on=certificate.valid_from,
            actor_id=actor.id,
            actor_name=actor.display_name,
        )
    )
    db.session.add(certificate)
    credentials.record(certificate, badge)  # its Open Badges credential and status index
    db.session.flush()
    journal = data["journal"]
    audit.anchor("certificate", certificate.number, journal["count"], journal["head"])
    audit.record(
        certificate,
        "certificate_issued",
        actor,
        to_state=Status.valid,
        detail={
            "number": certificate.number,
            "application": application.id,
            "valid_until": data["valid_until"],
            "sha256": certificate.sha256,
        },
    )
    return certificate


RECOMMENDATIONS_MAX = 400  # what the certificate's page holds beside the scores


def issue(
    application: Application,
    actor: User,
    *,
    recommendations: str = "",
    today: date | None = None,
) -> Certificate:
    """Issue the certificate of a granted application: a number, the PDF/A, the application
    certified. Inside the caller's transaction; nothing is written if anything fails."""
    if application.state is not State.granted:
        raise CertificateError(
            _("Seul un dossier dont le label a été attribué reçoit un certificat.")
            if application.state is not State.certified
            else _("Le certificat de ce dossier a déjà été délivré.")
        )
    if len(recommendations.strip()) > RECOMMENDATIONS_MAX:
        raise CertificateError(
            _(
                "Les recommandations du conseil tiennent en %(n)s caractères au plus sur le "
                "certificat.",
                n=RECOMMENDATIONS_MAX,
            )
        )
    applications.transition(application, "certify", actor, today=today)
    issued_at = utcnow()
    if today is not None:  # issued on another day (demo data, tests)
        issued_at = datetime.combine(today, issued_at.time())
    sequence, number = next_number(issued_at.year)
    data = snapshot(application, number, issued_at, recommendations)
    badge = credentials.prepare(data)
    pdf = document.render(data, attachments=[badge.attachment])
    certificate = _store(application, actor, data, pdf, sequence, badge)
    notify_issued([certificate])  # sent once the caller commits
    return certificate


def awaiting_in(session: CouncilSession) -> list[Application]:
    """The session's granted applications that await their certificate, in agenda order."""
    return [
        item.application
        for item in session.items
        if item.kind is ItemKind.application and item.application.state is State.granted
    ]


def issue_session(session: CouncilSession, actor: User, workers: int = 1) -> list[Certificate]:
    """Issue the certificates of every granted application of a session, in agenda order."""
    granted = awaiting_in(session)
    if not granted:
        raise CertificateError(_("Aucun dossier de cette séance n'attend son certificat."))
    issued_at, drafts = utcnow(), []
    for application in granted:
        applications.transition(application, "certify", actor)
        sequence, number = next_number(issued_at.year)
        drafts.append((application, sequence, snapshot(application, number, issued_at)))
    badges = credentials.prepare_many([data for *_, data in drafts])
    pdfs = document.render_many(
        [data for *_, data in drafts], workers, attachments=[[b.attachment] for b in badges]
    )
    issued = [
        _store(application, actor, data, pdf, sequence, badge)
        for (application, sequence, data), pdf, badge in zip(drafts, pdfs, badges, strict=True)
    ]
    notify_issued(issued)  # sent once the caller commits
    return issued


@jobs.work(
    JobKind.certificates, job_title, _l("Voir les certificats délivrés"), can_issue_certificates
)
def issue_session_job(job) -> None:
    """A session's certificates as a job: one by one in agenda order, each committed with its
    place in the batch (`completed`), so that a retry issues only those not issued yet."""
    session, actor = job_session(job), jobs.actor(job)
    waiting = awaiting_in(session)
    issued = list(job.completed)
    total = len(issued) + len(waiting)

    def said() -> str:
        return N_("%(done)s certificat(s) délivré(s) sur %(total)s.", done=len(issued), total=total)

    jobs.step(job, total=total, done=len(issued), message=said())
    for application in waiting:
        certificate = issue(application, actor)
        db.session.flush()
        issued.append(certificate.id)
        jobs.step(job, done=len(issued), completed=certificate.id, message=said())
    # The batch page tells these from the session's earlier certificates by their ids.
    lot = ",".join(str(certificate_id) for certificate_id in issued)
    jobs.finish(job, "certificates.session_certificates", session_id=session.id, lot=lot)


def reissue(old: Certificate, actor: User, reason: str) -> Certificate:
    """After a correction (the structure's name, say): a new number and PDF with the same
    decision and validity; the old certificate is marked superseded."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Indiquez la correction qui justifie la nouvelle édition."))
    if old.status not in (Status.valid, Status.suspended):
        raise CertificateError(_("Seul un certificat en vigueur peut être réédité."))
    # A suspension is the council's decision: the new edition stays suspended, for the same
    # reason, until the council lifts it.
    standing = (old.status, old.status_reason, old.status_date, old.status_changed_by_id)
    _change(old, Status.superseded, actor, reason)
    db.session.flush()  # the old one steps aside before the new one takes its place
    issued_at = utcnow()
    sequence, number = next_number(issued_at.year)
    data = snapshot(old.application, number, issued_at, old.snapshot.get("recommendations", ""))
    badge = credentials.prepare(data)
    pdf = document.render(data, attachments=[badge.attachment])
    new = _store(old.application, actor, data, pdf, sequence, badge)
    if standing[0] is Status.suspended:
        new.status, new.status_reason, new.status_date, new.status_changed_by_id = standing
    old.superseded_by = new
    audit.record(
        old,
        "certificate_reissued",
        actor,
        reason=reason,
        from_state=standing[0],
        to_state=Status.superseded,
        detail={"new_number": new.number},
    )
    notify_issued([new])  # sent once the caller commits
    return new


# --- status: decided by the council, never by a click --------------------------------------

# What each proposal asks the council; « confirm » keeps the urgent suspension.
PROPOSED = {
    ProposalAction.suspend: ({Status.valid}, "suspend"),
    ProposalAction.revoke: ({Status.valid, Status.suspended}, "revoke"),
    ProposalAction.reinstate: ({Status.suspended}, "reinstate"),
}


def _change(
    certificate: Certificate,
    status: Status,
    actor: User | None,
    reason: str,
    on=None,
    item: AgendaItem | None = None,
    urgent: bool = False,
) -> StatusChange:
    """Set the status and keep the change in the certificate's history (never overwritten)."""
    change = StatusChange(
        from_status=certificate.status.value if certificate.status else "",
        to_status=status.value,
        reason=reason,
        decided_on=on or date.today(),
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "cdess",
        item_id=item.id if item else None,
        urgent=urgent,
    )
    certificate.history.append(change)
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_date = change.decided_on
    certificate.status_changed_by_id = actor.id if actor else None
    if status is not Status.superseded:  # a re-issue journals itself, with the new number
        audit.record(
            certificate,
            "status_changed",
            actor,
            reason=reason,
            from_state=change.from_status,
            to_state=status,
            detail={
                "decided_on": change.decided_on.isoformat(),
                "agenda_item": item.id if item else None,
                "urgent": urgent,
            },
        )
    return change


def change_status(
    certificate: Certificate,
    name: str,
    actor: User,
    reason: str,
    on: date | None = None,
    *,
    item: AgendaItem | None = None,
    urgent: bool = False,
) -> StatusChange:
    """Suspend, reinstate or revoke a label, on the council's vote (`item`) or, for a
    suspension only, the president's urgent decision: reason, date and decision kept."""
    try:
        target = certificate_rules.decided_status(
            certificate.status,
            name,
            reason,
            on=on,
            today=date.today(),
            by_council=item is not None,
            urgent=urgent,
        )
    except CertificateError as error:
        raise CertificateError(translate(str(error))) from None
    return _change(certificate, target, actor, reason.strip(), on, item, urgent)


def open_proposal(certificate: Certificate) -> CertificateProposal | None:
    """The certificate's proposal still waiting for the council (one at most), or None."""
    return db.session.execute(
        db.select(CertificateProposal).filter_by(
            certificate_id=certificate.id, state=ProposalState.open
        )
    ).scalar_one_or_none()


def propose(
    certificate: Certificate, action: ProposalAction, actor: User, report: str
) -> CertificateProposal:
    """The secretariat's report proposing that the council change the label's status; the
    structure is told (once committed) and may answer in writing."""
    report = (report or "").replace("\x00", "").strip()
    if action is ProposalAction.confirm:
        raise CertificateError(_("La confirmation suit une suspension d'urgence du président."))
    if certificate.status not in PROPOSED[action][0]:
        raise CertificateError(_("Cette proposition n'est pas possible pour ce certificat."))
    if open_proposal(certificate) is not None:
        raise CertificateError(_("Une proposition attend déjà la décision du conseil."))
    if not report:
        raise CertificateError(_("Écrivez le rapport du secrétariat qui motive la proposition."))
    proposal = CertificateProposal(
        certificate_id=certificate.id,
        action=action,
        report=report,
        created_by_id=actor.id,
        created_by_name=actor.display_name,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        certificate, "status_proposed", actor, reason=report, detail={"proposal": action.value}
    )
    notify_proposal(proposal)  # sent once the caller commits
    return proposal


def suspend_urgently(certificate: Certificate, president: User, reason: str) -> CertificateProposal:
    """Between sessions the president may suspend a label at once; the next session must
    confirm it (a « confirm » proposal goes to its agenda), and the public page says so."""
    if open_proposal(certificate) is not None:
        raise CertificateError(_("Une proposition attend déjà la décision du conseil."))
    change_status(certificate, "suspend", president, reason, urgent=True)
    proposal = CertificateProposal(
        certificate_id=certificate.id,
        action=ProposalAction.confirm,
        report=reason.strip(),
        created_by_id=president.id,
        created_by_name=president.display_name,
    )
    db.session.add(proposal)
    db.session.flush()
    notify_proposal(proposal)  # sent once the caller commits
    return proposal


def answer(proposal: CertificateProposal, actor: User, text: str) -> None:
    """The structure's written answer, attached to the proposal before the council votes."""
    text = (text or "").replace("\x00", "").strip()
    if proposal.state is not ProposalState.open or _vote_started(proposal):
        raise CertificateError(_("Le conseil a commencé à examiner cette proposition."))
    if not text:
        raise CertificateError(_("Écrivez la réponse de la structure."))
    if len(text) > 5000:
        raise CertificateError(_("Réponse trop longue : 5 000 caractères au plus."))
    proposal.answer, proposal.answered_by_name = text, actor.display_name
    proposal.answered_at = utcnow()
    db.session.flush()
    audit.record(proposal.certificate, "proposal_answered", actor, reason=text)


def _vote_started(proposal: CertificateProposal) -> bool:
    return (
        db.session.execute(
            db.select(AgendaItem.id).filter(
                AgendaItem.proposal_id == proposal.id,
                AgendaItem.vote_status != VoteStatus.pending,
            )
        ).first()
        is not None
    )


def schedule(session: CouncilSession, proposal: CertificateProposal, actor: User) -> AgendaItem:
    """Put the secretariat's proposal on a label's status on the agenda of a session in
    preparation; the structure's own members are recused on it, as on its application.
    Refused when the proposal is decided or already on an agenda. Flushes; the caller commits."""
    if proposal.state is not ProposalState.open or proposal not in proposals_to_schedule():
        raise sessions.SessionError(_("Cette proposition est déjà inscrite ou décidée."))
    item = AgendaItem(
        kind=ItemKind.proposal,
        application_id=proposal.certificate.application_id,
        proposal_id=proposal.id,
    )
    return sessions.append_item(session, item, actor)


@signals.proposal_voted.connect
def _voted(item: AgendaItem, outcome: str, actor: User, **_kwargs) -> StatusChange | None:
    return decide(item, outcome, actor)


@signals.session_preparation.connect
def _preparation(session: CouncilSession, **_kwargs) -> dict:
    return {"status_proposals": proposals_to_schedule()}


def decide(item: AgendaItem, outcome: str, actor: User) -> StatusChange | None:
    """Apply the council's closed vote on a proposal (`_decide`: the status changed and
    journalled, or nothing) and the structure's letter, sent once the vote's close is committed.
    Flushes; the caller commits."""
    change = _decide(item, outcome, actor)
    notify_decision(item)  # sent once the vote's close is committed
    return change


def _decide(item: AgendaItem, outcome: str, actor: User) -> StatusChange | None:
    """The council's vote on a proposal closed: a majority for it changes the status; against
    it, nothing changes (an urgent suspension not confirmed is lifted); deferred, the proposal
    waits for the next session."""
    proposal = item.proposal
    if outcome == "deferred":
        return None
    proposal.state = ProposalState.decided
    certificate = proposal.certificate
    day = item.session.starts_at.date()
    reason = _(
        "Décision du conseil du %(d)s : %(r)s", d=day.strftime("%d/%m/%Y"), r=proposal.report
    )
    if proposal.action is ProposalAction.confirm:
        if outcome == "granted":  # kept: the history says the council confirmed it
            return _change(certificate, certificate.status, actor, reason, day, item)
        if certificate.status is Status.suspended:
            lifted = _(
                "Suspension d'urgence non confirmée par le conseil du %(d)s.",
                d=day.strftime("%d/%m/%Y"),
            )
            return _change(certificate, Status.valid, actor, lifted, day, item)
        return None
    if outcome != "granted":
        return None
    name = PROPOSED[proposal.action][1]
    if certificate.status not in CHANGES[name][0]:
        return None  # the label changed meanwhile (expired, revoked): nothing left to do
    return _change(certificate, CHANGES[name][1], actor, reason, day, item)


def proposals_to_schedule() -> list[CertificateProposal]:
    """Open proposals not on the agenda of a session still to be held."""
    scheduled = (
        db.select(AgendaItem.proposal_id)
        .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
        .filter(
            AgendaItem.proposal_id.isnot(None),
            CouncilSession.status.in_(
                (SessionStatus.planned, SessionStatus.convened, SessionStatus.open)
            ),
        )
    )
    return list(
        db.session.execute(
            db.select(CertificateProposal)
            .filter(
                CertificateProposal.state == ProposalState.open,
                CertificateProposal.id.not_in(scheduled),
            )
            .order_by(CertificateProposal.id)
        ).scalars()
    )


def notify_decision(item: AgendaItem) -> int:
    """The council's vote on a proposal closed: the structure learns the label's status, with
    the means of appeal (sent once the vote's close is committed)."""

    proposal = item.proposal
    certificate = proposal.certificate
    outcome = (item.result or {}).get("outcome")
    if outcome == "deferred":
        text = _l(
            "Le conseil a ajourné sa décision : la proposition sera examinée à une séance suivante."
        )
    else:
        text = _l(
            "Le conseil a décidé : le label de %(s)s est maintenant « %(st)s ».",
            s=certificate.snapshot["structure"],
            st=LazyString(lambda: certificate.status.label),
        )
    return tell(
        structures.people(certificate.structure_id),
        _l("Décision du conseil sur votre label — %(s)s", s=certificate.snapshot["structure"]),
        [text, LazyString(appeal_rights)],
        external_url("certificates.verify", number=certificate.number),
    )


def notify_proposal(proposal: CertificateProposal) -> int:
    """The structure reads the proposal and may answer before the session (sent once the
    proposal is committed)."""
    certificate = proposal.certificate
    application = certificate.application
    return tell(
        structures.people(application.structure_id),
        _l(
            "%(a)s — %(s)s",
            a=LazyString(lambda: proposal.action_label),
            s=certificate.snapshot["structure"],
        ),
        [
            _l(
                "Le secrétariat du conseil propose au conseil la décision suivante sur le label "
                "de %(s)s (certificat %(n)s) : %(a)s. Son rapport :",
                s=certificate.snapshot["structure"],
                n=certificate.number,
                a=LazyString(lambda: proposal.action_label.lower()),
            ),
            _l(
                "Vous pouvez y répondre par écrit depuis la page du dossier avant la séance : "
                "votre réponse sera jointe au dossier que lisent les membres du conseil."
            ),
        ],
        external_url("applications.show", application_id=application.id),
        comment=proposal.report,
    )


def public_status(certificate: Certificate, today: date | None = None) -> Status:
    """What the public sees: a valid certificate past its end is expired even before the
    nightly command marks it, unless a renewal filed in time is being examined."""
    today = today or date.today()
    late = certificate.status is Status.valid and certificate.valid_until < today
    return certificate_rules.public_status(
        certificate.status,
        certificate.valid_until,
        today,
        renewing=late and renewing(certificate, today),
    )


def by_number(number: str) -> Certificate | None:
    """The certificate with this number (trimmed, upper-cased), or None; a number no certificate
    could bear (too long, a NUL) finds none without a query."""
    number = number.strip().upper()
    if len(number) > 40 or "\x00" in number:  # no such number (PostgreSQL refuses a NUL)
        return None
    return db.session.execute(db.select(Certificate).filter_by(number=number)).scalar_one_or_none()


def by_pdf(content: bytes) -> Certificate | None:
    """The certificate whose PDF is exactly these bytes (by their SHA-256), or None."""
    return db.session.execute(
        db.select(Certificate).filter_by(sha256=hashlib.sha256(content).hexdigest())
    ).scalar_one_or_none()


@dataclass(frozen=True)
class PdfCheck:
    """An uploaded PDF, checked: the certificate it is (by its SHA-256), and its seal."""

    certificate: Certificate | None
    signature: SealCheck


def check_pdf(content: bytes) -> PdfCheck:
    """Which certificate a PDF is, and whether the council's seal on it is intact. Both are
    asked: a certificate issued before sealing is known by its hash alone, and a PDF sealed
    by us but unknown to the registry (the minutes, a deleted row) is no certificate."""
    return PdfCheck(by_pdf(content), seal.check(content))


# --- the registry -----------------------------------------------------------------------------


def _standing(today: date) -> tuple:
    """Valid today: within its dates, or past its end while a renewal filed in time is
    examined (the few labels the nightly `expire` kept)."""
    kept = renewals_in_time(
        db.session.execute(
            db.select(Certificate).filter(
                Certificate.status == Status.valid, Certificate.valid_until < today
            )
        ).scalars(),
        today,
    )
    return (
        Certificate.status == Status.valid,
        Certificate.valid_from <= today,
        or_(Certificate.valid_until >= today, Certificate.id.in_(sorted(kept))),
    )


def labelled(today: date | None = None):
    """The query of standing labels: valid certificates within their dates, with structures;
    the latest one only when a renewed label overlaps the last weeks of the previous one."""
    today = today or date.today()
    # One pass over the standing certificates, whatever the planner knows of the table.
    latest = (
        db.select(func.max(Certificate.id))
        .filter(*_standing(today))
        .group_by(Certificate.structure_id)
    )
    return (
        db.select(Certificate)
        .join(Structure, Structure.id == Certificate.structure_id)
        .options(contains_eager(Certificate.structure))
        .filter(Certificate.id.in_(latest))
    )


def labelled_communes(today: date | None = None) -> list[str]:
    """The codes of the communes where a labelled structure is."""
    return list(
        db.session.execute(
            db.select(Structure.commune_code)
            .join(Certificate, Certificate.structure_id == Structure.id)
            .filter(*_standing(today or date.today()))
            .distinct()
        ).scalars()
    )


def search(query, text: str = "", epci: str = "", commune: str = "", family=None):
    """The registry's query narrowed by free text (the structure's name, SIRET, SIREN or RNA, or
    the certificate's number; 100 characters at most), EPCI, commune and family; runs nothing."""
    if text := text.strip()[:100]:
        digits = text.replace(" ", "")
        pattern = "%" + escape_like(text.lower()) + "%"
        query = query.filter(
            or_(
                func.lower(Structure.name).like(pattern, escape="\\"),
                Structure.siret == digits,
                Structure.siren == digits,
                Structure.rna == text.upper(),
                Certificate.number == text.upper(),
            )
        )
    if epci:
        query = query.filter(Structure.epci_code == epci)
    if commune:
        query = query.filter(Structure.commune_code == commune)
    if family is not None:
        query = query.filter(Structure.family == family)
    return query


# --- expiry -----------------------------------------------------------------------------------


def due_reminders(today: date) -> list[tuple[Certificate, int]]:
    """(certificate, 90 or 30) for each reminder due today and not yet sent: the label ends
    within that many days and no later label of the structure takes over."""
    rows = db.session.execute(
        db.select(Certificate)
        .filter(
            Certificate.status == Status.valid,
            Certificate.valid_until >= today,
            Certificate.valid_until
            <= date.fromordinal(today.toordinal() + certificate_rules.REMINDER_DAYS[0]),
        )
        .order_by(Certificate.valid_until, Certificate.id)
    ).scalars()
    due = []
    for certificate in rows:
        days = certificate_rules.reminder(
            (certificate.valid_until - today).days,
            reminded_90=certificate.reminded_90_at is not None,
            reminded_30=certificate.reminded_30_at is not None,
        )
        if days is not None and not _renewed(certificate):
            due.append((certificate, days))
    return due


def _renewed(certificate: Certificate) -> bool:
    """A later label of the structure takes over, or its renewal is already filed: reminding
    it to renew would be wrong."""
    later = (
        db.session.execute(
            db.select(Certificate.id).filter(
                Certificate.structure_id == certificate.structure_id,
                Certificate.status == Status.valid,
                Certificate.valid_until > certificate.valid_until,
            )
        ).first()
        is not None
    )
    return later or renewing(certificate)


# --- renewal on time ----------------------------------------------------------------------

# A renewal being examined: filed and not yet decided, or granted and awaiting its certificate
# (the label it renews holds until the new one is issued). Refused, withdrawn or declared not
# admissible, it keeps nothing; certified, the new label takes over.
EXAMINED = (
    State.submitted,
    State.incomplete,
    State.admissible,
    State.scheduled,
    State.deferred,
    State.granted,
)


def renewal_filed_on(application: Application) -> date | None:
    """The département's day an application was first submitted (its journal's « submit »
    entry: complements sent later do not move it), or None while it is a draft."""
    at = db.session.execute(
        db.select(func.min(AuditEntry.at)).filter(
            AuditEntry.subject_kind == Application.__audit_kind__,
            AuditEntry.subject_id == application.id,
            AuditEntry.action == "submit",
        )
    ).scalar_one()
    return local_date(at) if at is not None else None


def renewals_in_time(certificates, today: date | None = None) -> set[int]:
    """The ids, among these certificates, of those whose renewal was filed in time (by the
    label's last day, `rules.filed_in_time`) and is being examined: such a label stays valid,
    « renouvellement en cours » — for `RENEWAL_GRACE_MONTHS` after its end at most (two
    sessions a year: a renewal left incomplete or deferred again and again does not keep a
    label for ever). One query, whatever their number."""
    today = today or date.today()
    grace = current_app.config["RENEWAL_GRACE_MONTHS"]
    by_application = {
        c.application_id: c for c in certificates if today <= add_months(c.valid_until, grace)
    }
    if not by_application:
        return set()
    rows = db.session.execute(
        db.select(Application.previous_id, func.min(AuditEntry.at))
        .join(
            AuditEntry,
            and_(
                AuditEntry.subject_kind == Application.__audit_kind__,
                AuditEntry.subject_id == Application.id,
                AuditEntry.action == "submit",
            ),
        )
        .filter(
            Application.previous_id.in_(sorted(by_application)),
            Application.kind == Kind.renewal,
            Application.state.in_(EXAMINED),
        )
        .group_by(Application.id, Application.previous_id)
    ).all()
    return {
        by_application[previous].id
        for previous, at in rows
        if certificate_rules.filed_in_time(by_application[previous].valid_until, local_date(at))
    }


def renewing(certificate: Certificate, today: date | None = None) -> bool:
    """Its renewal was filed in time and is being examined: « renouvellement en cours »."""
    return certificate.is_valid and certificate.id in renewals_in_time([certificate], today)


def expire(today: date) -> int:
    """Mark valid certificates past their end as expired, but those whose renewal, filed in
    time, is being examined: they end at the first run after the renewal is refused, withdrawn
    or declared not admissible (a renewal granted replaces them). How many expired."""
    candidates = list(
        db.session.execute(
            db.select(Certificate).filter(
                Certificate.status == Status.valid, Certificate.valid_until < today
            )
        ).scalars()
    )
    kept = renewals_in_time(candidates, today)
    ended = [c for c in candidates if c.id not in kept]
    for certificate in ended:
        # Its history says it ended, as the pages that show the history read it.
        certificate.history.append(
            StatusChange(
                from_status=Status.valid.value,
                to_status=Status.expired.value,
                reason=_("Fin de validité du label."),
                decided_on=today,
                actor_name="cdess",
            )
        )
        certificate.status, certificate.status_date = Status.expired, today
        certificate.status_reason, certificate.updated_at = "", utcnow()
        audit.record(certificate, "expired", None, from_state=Status.valid, to_state=Status.expired)
    return len(ended)


# --- emails -----------------------------------------------------------------------------------


def notify_issued(certificates: list[Certificate]) -> int:
    """Tell each structure's people that their certificate is ready (once committed)."""
    sent = 0
    for certificate in certificates:
        name = certificate.snapshot["structure"]
        paragraphs = [
            _l(
                "Le certificat du label de %(s)s est délivré sous le numéro %(n)s.",
                s=name,
                n=certificate.number,
            ),
            _l(
                "Il est valable du %(a)s au %(b)s. Téléchargez-le depuis le dossier de "
                "candidature ; chacun peut en vérifier l'authenticité à l'adresse %(u)s.",
                a=lazy_date(certificate.valid_from),
                b=lazy_date(certificate.valid_until),
                u=certificate.snapshot["verification_url"],
            ),
        ]
        link = external_url("applications.show", application_id=certificate.application_id)
        sent += tell(
            structures.people(certificate.structure_id),
            _l("Votre certificat de label — %(s)s", s=name),
            paragraphs,
            link,
        )
    return sent


def send_reminders(today: date) -> tuple[int, int]:
    """The daily job: reminders due (90 and 30 days before the end, once each), then the
    labels past their end marked expired. (reminders sent, certificates expired)."""
    sent = 0
    for certificate, days in due_reminders(today):
        name = certificate.structure.name
        until = lazy_date(certificate.valid_until)
        paragraphs = [
            _l("Le label de %(s)s prend fin le %(d)s.", s=name, d=until),
            _l(
                "Pour le garder sans interruption, déposez une demande de renouvellement depuis "
                "votre espace : elle reprend votre dernière auto-évaluation et vos pièces."
            ),
        ]
        link = external_url("applications.show", application_id=certificate.application_id)
        sent += tell(
            structures.people(certificate.structure_id),
            _l("Votre label prend fin dans %(n)s jours — %(s)s", n=days, s=name),
            paragraphs,
            link,
        )
        now = utcnow()
        certificate.reminded_30_at = now if days == 30 else certificate.reminded_30_at
        certificate.reminded_90_at = certificate.reminded_90_at or now
        db.session.commit()  # each structure's reminder recorded as soon as it is sent
    expired = expire(today)
    db.session.commit()
    return sent, expired
