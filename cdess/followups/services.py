"""The annual follow-up of a label: the one-way transitions, filing, the secretariat's
decisions, the daily run of the calendar (`certificates.followup`), the suspension proposal
and the verification sample. Services check, change, journal and flush; the caller commits
(the daily `run` commits after each follow-up, as the expiry reminders do).

Where DESIGN is silent, decided here:
- only a valid label has follow-ups opened and reminders sent: a suspended one is in the
  council's hands, an ended one has none; filing is refused the same way;
- a follow-up drawn for the verification sample is a follow-up of its own, due
  FOLLOWUP_SAMPLE_DAYS after the draw (its email is its first reminder), asking the statutes
  besides the year's documents;
- documents are checked from their content by `applications.evidence` before anything is
  written, so that a refused filing stores nothing and comes back with its answers kept;
  they are stored in the storage's folder `suivis/`, apart from the applications' files;
- a follow-up's suspension proposal goes on the agenda of the next session in preparation
  (planned or convened); with none, nothing is proposed."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from cdess.accounts.models import User
from cdess.applications import evidence
from cdess.applications.models import DocumentKind
from cdess.audit import services as audit
from cdess.certificates import followup as calendar
from cdess.certificates import services as certificates
from cdess.certificates.followup import Step
from cdess.certificates.models import Certificate, ProposalAction
from cdess.certificates.rules import CertificateError
from cdess.certificates.rules import CertificateStatus as Status
from cdess.charter import services as charter
from cdess.charter.models import CharterVersion, Criterion
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.followups import sample
from cdess.followups.models import (
    FollowUp,
    FollowUpDocument,
    FollowUpState,
    FollowUpStep,
    SampleDraw,
)
from cdess.notifications.notices import tell
from cdess.notifications.services import lazy_date
from cdess.sessions import services as sessions
from cdess.sessions.models import CouncilSession, SessionStatus
from cdess.storage import folder_key, storage
from cdess.structures import queries as structures
from cdess.web.forms import CONTROL_CHARACTERS
from cdess.web.text import has_refused
from cdess.web.urls import external_url

State = FollowUpState
TEXT_MAX = 2000  # an explanation, a progress report, the secretariat's reason
REPORT_MAX = 5000  # the secretariat's report to the council


class FollowUpError(ValueError):
    """A refused action; the message is for the user. `errors` names the fields at fault
    (field key → message), for the form to show each beside its field."""

    def __init__(self, message: str, errors: dict[str, str] | None = None, status: int = 400):
        super().__init__(message)
        self.errors = errors or {}
        self.status = status


# --- the one-way transitions ------------------------------------------------------------------

# name → (states it leaves, state it joins, the journal's action)
TRANSITIONS = {
    "submit": ({State.due, State.overdue}, State.submitted, "followup_submitted"),
    "resubmit": ({State.incomplete}, State.submitted, "followup_resubmitted"),
    "accept": ({State.submitted}, State.accepted, "followup_accepted"),
    "request_complements": ({State.submitted}, State.incomplete, "followup_incomplete"),
    "mark_overdue": ({State.due}, State.overdue, "followup_overdue"),
}


def transition(
    followup: FollowUp,
    name: str,
    actor: User | None,
    comment: str = "",
    detail: dict | None = None,
    **values,
) -> None:
    """Move the follow-up one way (`TRANSITIONS`), the fields that go with the new state
    (`values`) written in the same statement, and journal it. A compare-and-set on its
    revision: of two concurrent moves, one is refused. Flushes."""
    sources, target, action = TRANSITIONS[name]
    if followup.state not in sources:
        raise FollowUpError(_refusal(followup, name))
    moved = db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup.id, FollowUp.revision == followup.revision)
        .values(revision=FollowUp.revision + 1, state=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise FollowUpError(
            _("Ce suivi vient d'être modifié par quelqu'un d'autre : rechargez la page.")
        )
    source = followup.state
    db.session.expire(followup, ["state", "revision", *values])
    audit.record(
        followup, action, actor, reason=comment, from_state=source, to_state=target, detail=detail
    )


def _refusal(followup: FollowUp, name: str = "submit") -> str:
    if name in ("accept", "request_complements") and followup.is_filed:
        return _("Ce suivi a déjà été examiné.")
    if name in ("submit", "resubmit") and followup.state in (State.submitted, State.accepted):
        return _("Ce suivi a déjà été déposé.")
    return _("Cette action n'est pas possible dans l'état actuel du suivi.")


# --- what a follow-up asks ----------------------------------------------------------------------


def charter_version(certificate: Certificate) -> CharterVersion | None:
    """The charter version the label was granted under (the published one if unknown)."""
    application = certificate.application
    if application.assessment is not None:
        return application.assessment.version
    number = (application.snapshot or {}).get("charter_version")
    if number is not None:
        version = db.session.execute(
            db.select(CharterVersion).filter_by(number=number)
        ).scalar_one_or_none()
        if version is not None:
            return version
    return charter.published_version()


def eliminatory_criteria(followup: FollowUp) -> list[Criterion]:
    """The eliminatory criteria the structure confirms each year: those of its label's charter
    version that apply to its family."""
    version = charter_version(followup.certificate)
    if version is None:
        return []
    family = followup.structure.family.value
    return [c for c in version.criteria if c.eliminatory and c.applies_to(family)]


def objectives(followup: FollowUp) -> list:
    """The progress objectives of the granted application, on which the structure reports."""
    return list(followup.certificate.application.objectives)


def label_refusal(certificate: Certificate, today: date) -> str | None:
    """Why the label no longer takes a follow-up (ended, suspended, revoked), or None."""
    if certificate.status is Status.suspended:
        return _("Le label est suspendu : le suivi annuel ne peut pas être déposé.")
    if certificate.status is not Status.valid or certificate.valid_until < today:
        return _("Le label a pris fin : le suivi annuel ne peut plus être déposé.")
    return None


# --- the structure files ------------------------------------------------------------------------


@dataclass
class Filing:
    """What the structure sends: uploads by document kind, each eliminatory criterion's
    answer (code → (holds: bool | None, explanation)), a report per objective (id → text)."""

    uploads: dict[DocumentKind, object] = field(default_factory=dict)
    answers: dict[str, tuple[bool | None, str]] = field(default_factory=dict)
    progress: dict[int, str] = field(default_factory=dict)


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def check_filing(followup: FollowUp, filing: Filing) -> dict[str, str]:
    """The fields at fault (key → French message): a document missing or refused, a criterion
    not answered, a criterion no longer met without its explanation, a text too long."""
    errors: dict[str, str] = {}
    for kind in followup.kinds:
        upload = filing.uploads.get(kind)
        if upload is not None and getattr(upload, "filename", ""):
            try:
                evidence.check_upload(upload)
            except evidence.UploadError as error:
                errors[f"doc-{kind.value}"] = str(error)
        elif followup.document(kind) is None:
            errors[f"doc-{kind.value}"] = _("Déposez ce document.")
    for criterion in eliminatory_criteria(followup):
        holds, explanation = filing.answers.get(criterion.code, (None, ""))
        explanation = _clean(explanation)
        key = f"crit-{criterion.code}"
        if holds is None:
            errors[key] = _("Indiquez si ce critère est toujours respecté.")
        elif has_refused(explanation, multiline=True):
            errors[key] = str(CONTROL_CHARACTERS)
        elif len(explanation) > TEXT_MAX:
            errors[key] = _("%(n)s caractères au plus.", n=TEXT_MAX)
        elif not holds and not explanation:
            errors[key] = _("Expliquez pourquoi ce critère n'est plus respecté.")
    for objective in objectives(followup):
        text = _clean(filing.progress.get(objective.id))
        if has_refused(text, multiline=True):
            errors[f"obj-{objective.id}"] = str(CONTROL_CHARACTERS)
        elif len(text) > TEXT_MAX:
            errors[f"obj-{objective.id}"] = _("%(n)s caractères au plus.", n=TEXT_MAX)
    return errors


def file(followup: FollowUp, actor: User, filing: Filing, today: date | None = None) -> list[str]:
    """The structure files its year's follow-up (or its complements): documents, each
    eliminatory criterion confirmed or declared with an explanation, progress on objectives.
    Refused, with nothing stored, when already filed, when the label ended or is suspended,
    or when a field is at fault (`FollowUpError.errors`). Returns the stored names of replaced
    documents, for the caller to `evidence.discard` after the commit. Flushes."""
    today = today or date.today()
    if followup.state not in (State.due, State.overdue, State.incomplete):
        raise FollowUpError(_refusal(followup))
    if (refusal := label_refusal(followup.certificate, today)) is not None:
        raise FollowUpError(refusal)
    if errors := check_filing(followup, filing):
        raise FollowUpError(_("Le suivi n'est pas complet : voyez les champs signalés."), errors)
    replaced = [
        _store(followup, kind, upload, actor)
        for kind, upload in filing.uploads.items()
        if kind in followup.kinds and upload is not None and getattr(upload, "filename", "")
    ]
    confirmations = {
        c.code: {
            "holds": bool(filing.answers[c.code][0]),
            "explanation": _clean(filing.answers[c.code][1]),
        }
        for c in eliminatory_criteria(followup)
    }
    progress = {
        str(o.id): text for o in objectives(followup) if (text := _clean(filing.progress.get(o.id)))
    }
    name = "resubmit" if followup.state is State.incomplete else "submit"
    transition(
        followup,
        name,
        actor,
        detail={"failing": sorted(k for k, v in confirmations.items() if not v["holds"])},
        confirmations=confirmations,
        progress=progress,
        submitted_at=utcnow(),
        submitted_by_id=actor.id,
    )
    return [stored for stored in replaced if stored]


# The storage's folder of follow-ups' documents: apart from the applications' (whose storage
# check would take them for orphans).
FOLDER = "suivis"


def upload_dir() -> Path:
    """Where the local storage keeps follow-ups' documents (see `evidence.upload_dir`)."""
    folder = evidence.upload_dir() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(document: FollowUpDocument) -> Path:
    """Where the local storage keeps the document's file."""
    return upload_dir() / document.stored_name


def key_of(document: FollowUpDocument) -> str:
    """The storage key of the document's file."""
    return folder_key(FOLDER, document.stored_name)


def _store(followup: FollowUp, kind: DocumentKind, upload, actor: User) -> str | None:
    """Write one checked upload and its row, replacing the kind's previous document; the
    replaced file's stored name (to discard after the commit), or None."""
    size, mime, extension = evidence.check_upload(upload)
    stored_name, sha256 = evidence.write(upload.stream, FOLDER)
    previous = followup.document(kind)
    try:
        if previous is not None:
            followup.documents.remove(previous)
            db.session.flush()  # free the kind before the new row takes it
        document = FollowUpDocument(
            kind=kind,
            original_name=evidence.clean_name(upload.filename, extension),
            stored_name=stored_name,
            content_type=mime,
            size=size,
            sha256=sha256,
            uploaded_by_id=actor.id,
        )
        followup.documents.append(document)
        db.session.flush()
        audit.record(
            document,
            "document_replaced" if previous else "document_added",
            actor,
            detail={
                "followup": followup.id,
                "kind": kind.value,
                "name": document.original_name,
                "sha256": sha256,
            },
        )
    except BaseException:
        storage().delete(folder_key(FOLDER, stored_name))
        raise
    return previous.stored_name if previous else None


def discard(stored_names) -> None:
    """Remove the files of replaced documents (after the commit that removed their rows)."""
    evidence.discard(stored_names, FOLDER)


def check_storage(fix: bool = False, *, older_than: float = 0) -> dict[str, list]:
    """The follow-ups' folder against their documents' rows (`evidence.check_folder`; a
    missing file is named by "document_id", "followup_id" and "stored_name")."""

    def rows() -> list[dict]:
        select = db.select(
            FollowUpDocument.id, FollowUpDocument.followup_id, FollowUpDocument.stored_name
        ).order_by(FollowUpDocument.id)
        return [
            {"document_id": id_, "followup_id": followup_id, "stored_name": name}
            for id_, followup_id, name in db.session.execute(select)
        ]

    return evidence.check_folder(FOLDER, rows, fix, older_than=older_than)


# --- the secretariat decides --------------------------------------------------------------------


def accept(followup: FollowUp, actor: User) -> None:
    """The secretariat accepts a filed follow-up; the structure is told once committed."""
    transition(followup, "accept", actor, decided_at=utcnow(), decided_by_id=actor.id)
    _tell(
        followup,
        _l("Votre suivi annuel est accepté — %(s)s", s=followup.structure.name),
        [_l("Le secrétariat a accepté le suivi annuel de votre label. Merci.")],
    )


def request_complements(followup: FollowUp, actor: User, reason: str) -> None:
    """The secretariat asks for complements, with its reason, emailed to the structure (once
    committed); the structure files again."""
    reason = _clean(reason)
    if not reason:
        raise FollowUpError(
            _("Indiquez les compléments attendus."),
            {"reason": _("Indiquez les compléments attendus.")},
        )
    if len(reason) > TEXT_MAX:
        raise FollowUpError(_("%(n)s caractères au plus.", n=TEXT_MAX), {"reason": _("Trop long.")})
    transition(
        followup,
        "request_complements",
        actor,
        comment=reason,
        decided_at=utcnow(),
        decided_by_id=actor.id,
        reason=reason,
    )
    _tell(
        followup,
        _l("Compléments demandés pour votre suivi annuel — %(s)s", s=followup.structure.name),
        [
            _l("Le secrétariat demande des compléments à votre suivi annuel :"),
            _l("Déposez-les depuis la page du suivi."),
        ],
        comment=reason,
    )


def can_be_proposed(followup: FollowUp) -> bool:
    """A suspension may be proposed from a flagged, incomplete or declared-failing follow-up
    not accepted, of a valid label, once."""
    return (
        followup.proposal_id is None
        and followup.state is not State.accepted
        and followup.certificate.status is Status.valid
        and (
            followup.flagged_at is not None
            or followup.state is State.incomplete
            or bool(followup.failing)
        )
    )


def next_session(today: date | None = None) -> CouncilSession | None:
    """The next session still in preparation (planned or convened), soonest first."""
    today = today or date.today()
    return next(
        (
            s
            for s in sessions.upcoming()
            if s.status in (SessionStatus.planned, SessionStatus.convened)
            and s.starts_at.date() >= today
        ),
        None,
    )


def propose_suspension(followup: FollowUp, actor: User, report: str, today: date | None = None):
    """The secretariat's proposal to suspend the label, with its report, put on the agenda of
    the next session in preparation (`certificates.propose` and `schedule`); the structure is
    told once committed. Returns the agenda item."""
    report = _clean(report)
    if not can_be_proposed(followup):
        raise FollowUpError(
            _(
                "Une suspension se propose depuis un suivi signalé, incomplet ou déclarant un "
                "critère non respecté, une seule fois."
            )
        )
    if not report:
        raise FollowUpError(
            _("Écrivez le rapport du secrétariat."),
            {"report": _("Écrivez le rapport du secrétariat.")},
        )
    if len(report) > REPORT_MAX:
        raise FollowUpError(
            _("%(n)s caractères au plus.", n=REPORT_MAX), {"report": _("Trop long.")}
        )
    session = next_session(today)
    if session is None:
        raise FollowUpError(
            _("Aucune séance du conseil n'est en préparation : planifiez-en une d'abord.")
        )
    try:
        proposal = certificates.propose(followup.certificate, ProposalAction.suspend, actor, report)
        item = certificates.schedule(session, proposal, actor)
    except (CertificateError, sessions.SessionError) as error:
        raise FollowUpError(str(error)) from error
    followup.proposal_id = proposal.id
    db.session.flush()
    audit.record(
        followup,
        "followup_suspension_proposed",
        actor,
        reason=report,
        detail={"proposal": proposal.id, "session": session.id},
    )
    return item


# --- the daily run ------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What a run did: follow-ups opened, reminders sent, follow-ups marked overdue, labels
    flagged to the secretariat."""

    opened: int = 0
    reminded: int = 0
    overdue: int = 0
    flagged: int = 0

    def __str__(self) -> str:
        return (
            f"Suivis annuels ouverts : {self.opened} ; rappels envoyés : {self.reminded} ; "
            f"en retard : {self.overdue} ; signalés au secrétariat : {self.flagged}."
        )


def _insert_ignoring(model, **values) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the new row's id, or None when a unique key already
    held it (another run took it first)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return db.session.execute(statement).scalar_one_or_none()


def _open(certificate: Certificate, anniversary: date, *, is_sample: bool = False):
    """The follow-up of `certificate` due on `anniversary`, created unless it exists; (the
    follow-up, whether this call created it)."""
    created = _insert_ignoring(
        FollowUp,
        certificate_id=certificate.id,
        structure_id=certificate.structure_id,
        anniversary=anniversary,
        state=State.due.name,
        revision=1,
        sample=is_sample,
        confirmations={},
        progress={},
        reason="",
        created_at=utcnow(),
    )
    followup = db.session.execute(
        db.select(FollowUp).filter_by(certificate_id=certificate.id, anniversary=anniversary)
    ).scalar_one()
    if created is not None:
        audit.record(
            followup,
            "followup_opened",
            None,
            to_state=State.due,
            detail={"anniversary": anniversary.isoformat(), "sample": is_sample},
        )
    return followup, created is not None


def _take(followup: FollowUp, step: Step, today: date, passed: bool = False) -> bool:
    """Record the step as taken today; False when it already was (by another run)."""
    return (
        _insert_ignoring(
            FollowUpStep,
            followup_id=followup.id,
            step=step.name,
            day=today,
            passed=passed,
            at=utcnow(),
        )
        is not None
    )


def _valid_certificates(today: date) -> list[Certificate]:
    return list(
        db.session.execute(
            db.select(Certificate)
            .filter(Certificate.status == Status.valid, Certificate.valid_from <= today)
            .order_by(Certificate.id)
        ).scalars()
    )


def _pending() -> list[FollowUp]:
    """Follow-ups whose calendar may still have a step to take: not accepted, of a valid
    label."""
    return list(
        db.session.execute(
            db.select(FollowUp)
            .join(Certificate, Certificate.id == FollowUp.certificate_id)
            .filter(FollowUp.state != State.accepted, Certificate.status == Status.valid)
            .order_by(FollowUp.anniversary, FollowUp.id)
        ).scalars()
    )


def run(today: date) -> RunReport:
    """The daily job: open each valid label's follow-ups 60 days before their anniversary,
    send the reminders (60, 30 and 0 days before; after missed days, the latest only), mark
    those past their day overdue, and flag those 30 days overdue for the secretariat. Each
    step is recorded once (a unique row): running it twice a day, or two runs at once, sends
    nothing twice. Commits after each follow-up; its emails leave with it."""
    report = RunReport()
    for certificate in _valid_certificates(today):
        for anniversary in calendar.anniversaries(certificate.valid_from, certificate.valid_until):
            if calendar.day_of(anniversary, Step.open) <= today:
                _followup, created = _open(certificate, anniversary)
                report.opened += created
        db.session.commit()
    for followup in _pending():
        taken = frozenset(s.step for s in followup.steps)
        todo = calendar.due(followup.anniversary, today, taken, followup.is_filed)
        for step in todo.passed:
            _take(followup, step, today, passed=True)
        for step in todo.take:
            if not _take(followup, step, today):
                continue
            if step in calendar.REMINDERS:
                _remind(followup, step)
                report.reminded += 1
            elif step is Step.flag:
                _flag(followup, today)
                report.flagged += 1
        if followup.state is State.due and today > followup.anniversary:
            transition(followup, "mark_overdue", None)
            report.overdue += 1
        db.session.commit()
    return report


def _link(followup: FollowUp) -> str:
    return external_url("followups.show", followup_id=followup.id)


def _tell(followup: FollowUp, subject: str, paragraphs: list[str], comment: str = "") -> int:
    return tell(
        structures.people(followup.structure_id), subject, paragraphs, _link(followup), comment
    )


def _remind(followup: FollowUp, step: Step) -> None:
    """The reminder of `step` to the structure's people, sent once committed."""
    day = lazy_date(followup.anniversary)
    name = followup.structure.name
    if step is Step.reminder_0:
        subject = _l("Votre suivi annuel est attendu aujourd'hui — %(s)s", s=name)
    else:
        subject = _l("Votre suivi annuel est attendu le %(d)s — %(s)s", d=day, s=name)
    _tell(
        followup,
        subject,
        [
            _l(
                "Chaque année de validité du label, la structure dépose le procès-verbal de sa "
                "dernière assemblée générale et ses derniers comptes annuels, et confirme que "
                "chaque critère éliminatoire de la charte est toujours respecté."
            ),
            _l("Le suivi annuel de %(s)s est attendu le %(d)s.", s=name, d=day),
        ],
    )
    audit.record(followup, "followup_reminded", None, detail={"step": step.value})


def _flag(followup: FollowUp, today: date) -> None:
    """30 days overdue: the follow-up goes first in the secretariat's queue (flagged on the
    run's day); the structure is told (once committed)."""
    followup.flagged_at = datetime.combine(today, utcnow().time())
    db.session.flush()
    audit.record(followup, "followup_flagged", None)
    _tell(
        followup,
        _l("Suivi annuel en retard — %(s)s", s=followup.structure.name),
        [
            _l(
                "Le suivi annuel de votre label n'a pas été déposé 30 jours après son échéance : "
                "le secrétariat du conseil en est informé et peut proposer au conseil de "
                "suspendre le label. Déposez-le au plus vite."
            )
        ],
    )


# --- the structure's next follow-up -------------------------------------------------------------


def next_for(structure_id: int, today: date | None = None) -> FollowUp | None:
    """The structure's current follow-up (open: not accepted, earliest first) or, when none
    is open, its next one by its valid label's calendar — then a follow-up not yet saved
    (`id` None), in state « due », that says its day. None when its label has no follow-up
    left."""
    today = today or date.today()
    current = (
        db.session.execute(
            db.select(FollowUp)
            .filter(FollowUp.structure_id == structure_id, FollowUp.state != State.accepted)
            .order_by(FollowUp.anniversary, FollowUp.id)
        )
        .scalars()
        .first()
    )
    if current is not None:
        return current
    certificate = (
        db.session.execute(
            db.select(Certificate)
            .filter(
                Certificate.structure_id == structure_id,
                Certificate.status == Status.valid,
                Certificate.valid_until >= today,
            )
            .order_by(Certificate.valid_until.desc())
        )
        .scalars()
        .first()
    )
    if certificate is None:
        return None
    known = set(
        db.session.execute(
            db.select(FollowUp.anniversary).filter_by(certificate_id=certificate.id)
        ).scalars()
    )
    upcoming = [
        day
        for day in calendar.anniversaries(certificate.valid_from, certificate.valid_until)
        if day >= today and day not in known
    ]
    if not upcoming:
        return None
    return FollowUp(
        certificate_id=certificate.id,
        structure_id=structure_id,
        anniversary=upcoming[0],
        state=State.due,
        sample=False,
    )


# --- the verification sample --------------------------------------------------------------------


def sample_draw(year: int) -> SampleDraw | None:
    return db.session.execute(db.select(SampleDraw).filter_by(year=year)).scalar_one_or_none()


def labelled_structures(today: date) -> dict[int, Certificate]:
    """Structure id → its valid label today (the latest when two overlap)."""
    return {
        certificate.structure_id: certificate
        for certificate in db.session.execute(certificates.labelled(today)).scalars()
    }


def draw_sample(actor: User, today: date | None = None, seed: str | None = None) -> SampleDraw:
    """Draw the year's verification sample: FOLLOWUP_SAMPLE_RATE of the labelled structures
    (at least one), with a random seed kept, with the list, in the journal. Once a year. Each
    structure drawn gets a follow-up of its own asking more documents, and is told (once
    committed)."""
    today = today or date.today()
    if sample_draw(today.year) is not None:
        raise FollowUpError(_("L'échantillon %(y)s a déjà été tiré.", y=today.year))
    rate = float(current_app.config["FOLLOWUP_SAMPLE_RATE"])
    if not 0 < rate <= 1:
        raise FollowUpError(_("Le taux de l'échantillon doit être compris entre 0 et 1."))
    labelled = labelled_structures(today)
    if not labelled:
        raise FollowUpError(_("Aucune structure n'est labellisée : rien à tirer."))
    seed = seed or secrets.token_hex(16)
    population = sorted(labelled)
    drawn = sample.pick(population, rate, seed)
    draw = SampleDraw(
        year=today.year,
        seed=seed,
        rate=rate,
        population=population,
        drawn=drawn,
        drawn_by_id=actor.id,
    )
    db.session.add(draw)
    db.session.flush()
    audit.record(
        draw,
        "sample_drawn",
        actor,
        detail={
            "year": today.year,
            "seed": seed,
            "rate": rate,
            "population": population,
            "drawn": drawn,
        },
    )
    due = today + timedelta(days=current_app.config["FOLLOWUP_SAMPLE_DAYS"])
    for structure_id in drawn:
        followup, created = _open(labelled[structure_id], due, is_sample=True)
        if not created:  # its yearly follow-up falls that very day: it asks more now
            followup.sample = True
        for step in (Step.open, Step.reminder_60):  # the draw's email is its first reminder
            _take(followup, step, today)
        _tell(
            followup,
            _l(
                "Votre label est tiré au sort pour une vérification — %(s)s",
                s=followup.structure.name,
            ),
            [
                _l(
                    "Chaque année, le conseil vérifie plus en détail les pièces d'un échantillon "
                    "de structures labellisées tirées au sort. La vôtre l'a été cette année."
                ),
                _l(
                    "Déposez avant le %(d)s vos statuts à jour, le procès-verbal de votre "
                    "dernière assemblée générale et vos derniers comptes annuels, et confirmez "
                    "chaque critère éliminatoire de la charte.",
                    d=lazy_date(due),
                ),
            ],
        )
    return draw
