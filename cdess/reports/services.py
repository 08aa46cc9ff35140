"""Reports from the public: filing one (its file checked as evidence is, the sender's daily
limit), and the secretariat's handling (ask the structure, dismiss, propose a suspension),
each a one-way move journalled, the people concerned told once it is committed."""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, or_, update

from cdess.accounts.models import User
from cdess.applications import evidence
from cdess.applications.workflow import TransitionError
from cdess.audit import services as audit
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate, ProposalAction
from cdess.certificates.rules import CertificateError
from cdess.certificates.rules import CertificateStatus as Status
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.notifications.notices import tell
from cdess.notifications.services import lazy_date
from cdess.reports import rules
from cdess.reports.models import Report
from cdess.reports.rules import ReportError, ReportState
from cdess.sessions import services as sessions
from cdess.sessions.models import CouncilSession, SessionStatus
from cdess.storage import folder_key, storage
from cdess.structures import queries as structures
from cdess.web.urls import external_url


class FieldError(ReportError):
    """A refusal about one field of the form (`field`: its name), shown next to it."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.status = field, status


class LimitReached(ReportError):
    """The sender has filed as many reports as a day allows."""

    status = 429


@dataclass(frozen=True)
class Visitor:
    """The actor the journal names for a report filed by the public: never the reporter's own
    name (the journal is never rewritten, and a reporter may ask to be forgotten)."""

    id: None = None
    display_name: str = "Formulaire public"


PUBLIC = Visitor()

# Labels the public may report on: those the registry and the verification page show standing.
REPORTABLE = (Status.valid, Status.suspended)


def reportable(certificate: Certificate) -> bool:
    """Whether the certificate stands for a label today (valid or suspended, within its dates)."""
    return certificates.public_status(certificate) in REPORTABLE


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", "").strip()


def _text(value: str | None, field: str, missing: str) -> str:
    """A text typed in a form's `field`, cleaned; refused when empty (`missing`) or too long."""
    value = _clean(value)
    if not value:
        raise FieldError(field, missing)
    if len(value) > rules.TEXT_MAX:
        raise FieldError(
            field,
            _("Texte trop long : %(n)s caractères au plus.", n=rules.thousands(rules.TEXT_MAX)),
        )
    return value


# --- filing -----------------------------------------------------------------------------------


def sent_today(key: str, email: str = "") -> int:
    """Reports received in the last 24 hours from this sender's key, or with this address."""
    since = utcnow() - timedelta(days=1)
    same = Report.sender_key == key
    if email:
        same = or_(same, func.lower(Report.reporter_email) == email.lower())
    return db.session.execute(
        db.select(func.count(Report.id)).filter(Report.received_at >= since, same)
    ).scalar_one()


def file_report(
    certificate: Certificate,
    *,
    text: str,
    sender: str,
    name: str = "",
    email: str = "",
    upload=None,
) -> Report:
    """A visitor's report on a standing label, from the address `sender` (only its keyed hash
    is kept). Refused (ReportError, FieldError for a field) when the label does not stand,
    the text is empty or too long, the file is refused, or the sender has reached the daily
    limit: then nothing is stored. Flushes; the caller commits, and the reporter's receipt
    leaves with the commit."""
    name, email = _clean(name), _clean(email)
    if not reportable(certificate):
        raise ReportError(_("Ce label n'est plus en vigueur : il ne peut pas être signalé."))
    text = _text(text, "text", _("Décrivez le manquement constaté."))
    if len(name) > rules.NAME_MAX:
        raise FieldError("name", _("%(n)s caractères au plus.", n=rules.NAME_MAX))
    if len(email) > rules.EMAIL_MAX:
        raise FieldError("email", _("%(n)s caractères au plus.", n=rules.EMAIL_MAX))
    key = rules.sender_key(current_app.config["SECRET_KEY"], sender)
    limit = current_app.config["REPORTS_PER_SENDER_PER_DAY"]
    if rules.over_limit(sent_today(key, email), limit):
        raise LimitReached(
            _(
                "Vous avez déjà envoyé %(n)s signalements en 24 heures : c'est le maximum. "
                "Votre signalement n'a pas été enregistré ; réessayez demain, ou écrivez au "
                "secrétariat du conseil.",
                n=limit,
            )
        )
    report = Report(
        certificate_id=certificate.id,
        reporter_name=name,
        reporter_email=email,
        text=text,
        sender_key=key,
    )
    if upload is not None and getattr(upload, "filename", ""):
        _attach(report, upload)
    try:
        db.session.add(report)
        db.session.flush()
        audit.record(
            report,
            "report_received",
            PUBLIC,
            to_state=ReportState.received,
            detail={"certificate": certificate.number, "file": report.file_stored_name is not None},
        )
    except BaseException:
        if report.file_stored_name:
            storage().delete(folder_key(FOLDER, report.file_stored_name))
        raise
    _tell_reporter(report, _l("Signalement reçu"), [_receipt_text(report)])
    return report


# The storage's folder of reports' files, of their own (each folder has its storage check,
# `check_storage`).
FOLDER = "signalements"


def reports_dir() -> Path:
    """Where the local storage keeps reports' files (see `evidence.upload_dir`)."""
    path = Path(current_app.config["UPLOAD_DIR"]) / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(report: Report) -> Path:
    """Where the local storage keeps the report's file."""
    return reports_dir() / report.file_stored_name


def file_key(report: Report) -> str | None:
    """The storage key of the report's file; None without one."""
    return folder_key(FOLDER, report.file_stored_name) if report.file_stored_name else None


def check_storage(fix: bool = False, *, older_than: float = 0) -> dict[str, list]:
    """The reports' folder against the reports' files (`evidence.check_folder`; a missing
    file is named by "report_id" and "stored_name")."""

    def rows() -> list[dict]:
        select = db.select(Report.id, Report.file_stored_name).where(
            Report.file_stored_name.is_not(None)
        )
        return [
            {"report_id": id_, "stored_name": name}
            for id_, name in db.session.execute(select.order_by(Report.id))
        ]

    return evidence.check_folder(FOLDER, rows, fix, older_than=older_than)


def _attach(report: Report, upload) -> None:
    """Check the file under the reports' own size limit, then as evidence is checked (not
    empty, its type judged from its content, not its name), and write it under a random name
    (`evidence.write`: complete or not at all)."""
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    limit = current_app.config["REPORT_MAX_FILE_BYTES"]
    if stream.tell() > limit:
        raise FieldError(
            "file",
            _(
                "Le fichier dépasse la taille autorisée (%(mb)s Mo).",
                mb=format_decimal(limit / 2**20),
            ),
            status=413,
        )
    try:
        size, mime, extension = evidence.check_upload(upload)
    except evidence.UploadError as error:
        raise FieldError("file", str(error), error.status) from None
    stored_name, _sha256 = evidence.write(stream, FOLDER)
    report.file_stored_name, report.file_size, report.file_type = stored_name, size, mime
    report.file_name = evidence.clean_name(upload.filename, extension)


# --- the secretariat's handling ---------------------------------------------------------------


def _move(report: Report, action: str, actor, **detail) -> ReportState:
    """Move the report by `action` (rules.MOVES), compare-and-set on its state: of two agents
    acting at once, the second is refused. Journalled; flushes."""
    before = report.state
    after = rules.next_state(before, action)
    db.session.flush()  # the fields the new state needs are written before it
    moved = db.session.execute(
        update(Report)
        .where(Report.id == report.id, Report.state == before)
        .values(state=after)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.refresh(report)
        raise ReportError(_("Ce signalement vient d'être traité par ailleurs : rechargez la page."))
    report.state = after
    db.session.flush()
    audit.record(
        report, f"report_{PAST[action]}", actor, from_state=before, to_state=after, detail=detail
    )
    return after


# The journal's name of each move: « report_asked », « report_dismissed »…
PAST = {"ask": "asked", "answer": "answered", "dismiss": "dismissed", "propose": "proposed"}


def ask(report: Report, actor: User, question: str) -> None:
    """Ask the structure for its answer: its people get the secretariat's question by email,
    with the link to their answer page (once committed)."""
    question = _text(question, "question", _("Écrivez la question posée à la structure."))
    rules.next_state(report.state, "ask")  # refused before anything is written
    report.question, report.asked_at, report.asked_by_name = question, utcnow(), actor.display_name
    _move(report, "ask", actor)
    structure = report.certificate.structure
    tell(
        structures.people(structure.id),
        _l("Le secrétariat vous demande une réponse — %(s)s", s=structure.name),
        [
            _l(
                "Le secrétariat du conseil a reçu un signalement sur le respect de la charte "
                "par %(s)s (label %(n)s) et vous demande votre réponse écrite :",
                s=structure.name,
                n=report.certificate.number,
            ),
            _l("Répondez depuis la page indiquée ci-dessous."),
        ],
        external_url("reports.answer", report_id=report.id),
        comment=question,
    )


def answer(report: Report, actor: User, text: str) -> None:
    """The structure's written answer to the secretariat's question."""
    text = _text(text, "answer", _("Écrivez la réponse de la structure."))
    rules.next_state(report.state, "answer")
    report.answer, report.answered_at, report.answered_by_name = text, utcnow(), actor.display_name
    _move(report, "answer", actor)


def _decide(report: Report, action: str, actor: User, outcome: str, **detail) -> None:
    report.outcome, report.decided_at = outcome, utcnow()
    report.decided_by_id, report.decided_by_name = actor.id, actor.display_name
    _move(report, action, actor, **detail)


def dismiss(report: Report, actor: User, reason: str) -> None:
    """« Classé sans suite », with its reason; the reporter is told (once committed)."""
    reason = _text(reason, "reason", _("Indiquez pourquoi le signalement est classé sans suite."))
    rules.next_state(report.state, "dismiss")
    _decide(report, "dismiss", actor, reason)
    _tell_reporter(
        report,
        _l("Votre signalement est classé sans suite"),
        [
            _l(
                "Le secrétariat du conseil a examiné votre signalement %(r)s sur %(s)s et l'a "
                "classé sans suite, pour le motif suivant :",
                r=report.reference,
                s=report.certificate.snapshot["structure"],
            ),
            _l("Merci de votre vigilance."),
        ],
        comment=reason,
    )


def next_session() -> CouncilSession | None:
    """The first session still in preparation (planned or convened), whose agenda may grow."""
    return next(
        (
            s
            for s in sessions.upcoming()
            if s.status in (SessionStatus.planned, SessionStatus.convened)
        ),
        None,
    )


def propose(report: Report, actor: User, text: str):
    """Propose to the council that the label be suspended, with the secretariat's report, put
    on the agenda of the next session in preparation (the certificates' `propose` and
    `schedule`: the structure is told and may answer before the session). The reporter is
    told (once committed). Refused, nothing written, without a session in preparation or when
    the label cannot be proposed for suspension."""
    text = _text(text, "report", _("Écrivez le rapport du secrétariat au conseil."))
    rules.next_state(report.state, "propose")
    session = next_session()
    if session is None:
        raise ReportError(
            _(
                "Aucune séance du conseil n'est en préparation : planifiez la prochaine "
                "séance, puis proposez la suspension."
            )
        )
    try:
        proposal = certificates.propose(report.certificate, ProposalAction.suspend, actor, text)
        item = certificates.schedule(session, proposal, actor)
    except (CertificateError, sessions.SessionError, TransitionError) as error:
        raise ReportError(str(error)) from None
    report.proposal = proposal
    _decide(report, "propose", actor, text, proposal=proposal.id, agenda_item=item.id)
    _tell_reporter(
        report,
        _l("Suite donnée à votre signalement"),
        [
            _l(
                "Après examen de votre signalement %(r)s, le secrétariat propose au conseil de "
                "suspendre le label de %(s)s. Le conseil en décidera lors de sa séance du %(d)s, "
                "après avoir lu la réponse de la structure.",
                r=report.reference,
                s=report.certificate.snapshot["structure"],
                d=lazy_date(session.starts_at),
            ),
            _l("Merci de votre vigilance."),
        ],
    )
    return item


# --- emails -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """The reporter as an email's recipient (they have no account)."""

    email: str
    display_name: str


def _receipt_text(report: Report) -> LazyString:
    return _l(
        "Votre signalement sur %(s)s a bien été reçu le %(d)s sous la référence %(r)s. Le "
        "secrétariat du conseil l'examinera et vous dira la suite qui lui est donnée. Il n'est "
        "jamais publié.",
        s=report.certificate.snapshot["structure"],
        d=lazy_date(report.received_at),
        r=report.reference,
    )


def _tell_reporter(report: Report, subject: str, paragraphs: list[str], comment="") -> int:
    """One email to the reporter, when they left an address (queued until the commit)."""
    if not report.reporter_email:
        return 0
    reporter = Reporter(report.reporter_email, report.reporter_name or _l("Madame, Monsieur"))
    link = external_url("certificates.verify", number=report.certificate.number)
    titled = LazyString(lambda: f"{subject} — {report.reference}")  # in the recipient's locale
    return tell([reporter], titled, paragraphs, link, comment=comment)
