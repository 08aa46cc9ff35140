"""Creating an application and changing its state (`transition`, the one way: the
workflow's rules, the side effects, the journal, the emails), its objectives, notes,
checklist and renewal."""

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _

from cdess import signals
from cdess.accounts.models import User
from cdess.applications import evidence, notices, review, verification, workflow
from cdess.applications.models import (
    Application,
    DocumentKind,
    InternalNote,
    Kind,
    Objective,
    State,
)
from cdess.assessments import services as assessments
from cdess.assessments.models import Assessment
from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.clock import add_months, label_period, utcnow
from cdess.extensions import db
from cdess.structures.models import Structure

OPEN_STATES = frozenset(State) - {
    State.refused,
    State.certified,
    State.withdrawn,
    State.not_admissible,
}


class ApplicationError(ValueError):
    """A refused operation; the message is for the user."""


def open_application(structure: Structure) -> Application | None:
    """The structure's latest application still open (not refused, certified, withdrawn or
    declared not admissible), or None."""
    return db.session.execute(
        db.select(Application)
        .filter(Application.structure_id == structure.id, Application.state.in_(OPEN_STATES))
        .order_by(Application.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def create(
    structure: Structure,
    actor: User,
    kind: Kind = Kind.new,
    previous: Application | None = None,
) -> Application:
    """A draft application; one open application per structure at a time."""
    if open_application(structure) is not None:
        raise ApplicationError(_("La structure a déjà une candidature en cours."))
    application = Application(
        structure_id=structure.id,
        kind=kind,
        created_by_id=actor.id,
        previous_id=previous.id if previous else None,
    )
    db.session.add(application)
    db.session.flush()
    audit.record(
        application,
        "created",
        actor,
        to_state=application.state,
        detail={"kind": kind.value, "renews": previous.id if previous else None},
    )
    return application


def attach_assessment(
    application: Application, assessment: Assessment, actor: User | None = None
) -> None:
    """Attach a finished self-assessment of the structure to a file it may still change."""
    if application.state not in (State.draft, State.incomplete):
        raise ApplicationError(_("Le dossier n'est plus modifiable."))
    if assessment.structure_id != application.structure_id or not assessment.finished:
        raise ApplicationError(_("Choisissez une auto-évaluation terminée de la structure."))
    application.assessment = assessment
    db.session.flush()
    audit.record(
        application,
        "assessment_attached",
        actor,
        detail={"assessment": assessment.id, "eligible": bool(assessment.result.get("eligible"))},
    )


def missing(application: Application) -> list[str]:
    """What still prevents submission, in French (empty when the file can be submitted)."""
    return [p for check in workflow.SUBMIT_CHECKS for p in check(application)]


def transition(
    application: Application, name: str, actor: User | None, reason: str = "", *, today=None
) -> AuditEntry:
    """The one way to change an application's state: who may and what must hold (the
    workflow's table, enforced), the change and its journal entry, its side effects — the
    frozen snapshot at submission, the agenda on a withdrawal, the label's dates on
    certification — and its emails, sent once the caller commits. Flushes."""
    if name in ("submit", "resubmit") and (problems := missing(application)):
        raise workflow.TransitionError(problems)
    previous_answers = (application.snapshot or {}).get("answers", {})
    scheduled = application.state is State.scheduled
    entry = workflow.move(application, name, actor, reason)
    if name in ("submit", "resubmit"):
        _freeze(application)
        verification.refresh_after_submission(application, previous_answers)
    elif name == "withdraw" and scheduled:
        signals.application_withdrawn.send(application)  # the sessions take it off
    elif name == "certify":
        application.label_valid_from, application.label_valid_until = label_period(
            today or date.today(), current_app.config["LABEL_VALIDITY_YEARS"]
        )
    db.session.flush()
    notices.after_transition(application, name, entry.reason)
    return entry


def _freeze(application: Application) -> None:
    """The assessment's result and answers, frozen at submission; the file's session is set
    when it goes on an agenda."""
    assessment = application.assessment
    application.snapshot = {
        "assessment_id": assessment.id,
        "charter_version": assessment.version.number,
        "finished_at": assessment.finished_at.isoformat(),
        "result": assessment.result,
        "answers": assessments.answers_by_code(assessment),
    }
    db.session.flush()


def editable(application: Application) -> bool:
    """The applicant may change the file (documents, objectives) only in these states."""
    return application.state in (State.draft, State.incomplete)


def _require_editable(application: Application) -> None:
    if not editable(application):
        raise ApplicationError(_("Le dossier n'est plus modifiable."))


# --- progress objectives ----------------------------------------------------------------------

UNMET = ("not_met", "partly")
OBJECTIVE_HORIZON = timedelta(days=3 * 366)


def unmet_criteria(application: Application) -> list[dict]:
    """The attached assessment's criteria not (fully) met: candidates for objectives."""
    assessment = application.assessment
    if assessment is None or not assessment.finished:
        return []
    return [c for c in assessment.result["criteria"] if c["status"] in UNMET]


def add_objective(
    application: Application, code: str, target_date: date, text: str, today: date | None = None
) -> Objective:
    """Add a progress objective on an unmet criterion of the attached assessment, due within
    three years; refused when the file is not editable, the criterion is met or already has one.
    Flushes; no journal entry, the caller commits."""
    _require_editable(application)
    today = today or date.today()
    if code not in {c["code"] for c in unmet_criteria(application)}:
        raise ApplicationError(_("Choisissez un critère non atteint de l'auto-évaluation."))
    if any(o.criterion_code == code for o in application.objectives):
        raise ApplicationError(_("Ce critère a déjà un objectif."))
    if not today < target_date <= today + OBJECTIVE_HORIZON:
        raise ApplicationError(_("Choisissez une date d'échéance dans les trois ans à venir."))
    objective = Objective(criterion_code=code, target_date=target_date, text=text.strip())
    application.objectives.append(objective)
    db.session.flush()
    return objective


def remove_objective(application: Application, objective: Objective) -> None:
    """Remove an objective while the file is editable. Flushes; no journal entry, the caller
    commits."""
    _require_editable(application)
    application.objectives.remove(objective)
    db.session.flush()


# --- secretariat's notes and checklist --------------------------------------------------------


def add_note(application: Application, author: User, text: str) -> InternalNote:
    """Add the secretariat's internal note, its author's name copied (never shown to the
    applicant; who may write one is the caller's to check). Flushes; no journal entry, the caller
    commits."""
    note = InternalNote(author_id=author.id, author_name=author.display_name, text=text.strip())
    application.notes.append(note)
    db.session.flush()
    return note


def set_checklist(application: Application, ticked: set[str], actor: User) -> None:
    """Tick and untick the manual items; a kept tick keeps who ticked it and when."""
    if application.state is not State.submitted:
        raise ApplicationError(_("La vérification se fait sur un dossier déposé."))
    now = utcnow().isoformat(timespec="minutes")
    current = dict(application.checklist or {})
    application.checklist = {
        key: current.get(key) or {"by": actor.display_name, "at": now}
        for key in review.MANUAL
        if key in ticked
    }
    db.session.flush()
    audit.record(application, "checklist", actor, detail={"ticked": sorted(application.checklist)})


# --- renewal ----------------------------------------------------------------------------------


def renewable(application: Application, today: date | None = None) -> bool:
    """A certified label that has not ended and ends within the renewal window."""
    today = today or date.today()
    until = application.label_valid_until
    if application.state is not State.certified or until is None or until < today:
        return False
    if open_application(application.structure) is not None:
        return False
    return until <= add_months(today, current_app.config["RENEWAL_WINDOW_MONTHS"])


# General documents that do not change from one label to the next: the renewal starts with
# them and with the criteria's evidence; the yearly ones (minutes, accounts) must be new.
CARRIED_OVER = (DocumentKind.statutes, DocumentKind.criterion, DocumentKind.other)


def renew(previous: Application, actor: User, today: date | None = None) -> Application:
    """A renewal application prefilled from the last one: a new assessment started from the
    last answers, the lasting documents copied."""
    if not renewable(previous, today):
        raise ApplicationError(
            _("Le renouvellement s'ouvre dans les six mois qui précèdent la fin du label.")
        )
    application = create(previous.structure, actor, Kind.renewal, previous=previous)
    assessments.start(previous.structure, actor, copy_last=True)
    for document in previous.documents:
        # A file lost from the disk is not carried over: the applicant uploads it again.
        if document.kind in CARRIED_OVER and evidence.has_file(document):
            evidence.copy(document, application)
    db.session.flush()
    return application


def objective_reports(application: Application) -> list[dict]:
    """For a renewal: each objective of the previous label, the criterion's status then and
    now (from the attached assessment), and the applicant's report."""
    previous = application.previous
    if previous is None:
        return []
    before = {c["code"]: c for c in (previous.snapshot or {}).get("result", {}).get("criteria", [])}
    assessment = application.assessment
    after = (
        {c["code"]: c for c in assessment.result["criteria"]}
        if assessment is not None and assessment.finished
        else {}
    )
    return [
        {"objective": o, "before": before.get(code), "after": after.get(code)}
        for o in previous.objectives
        for code in [o.criterion_code]
    ]


def changes(application: Application) -> list[dict]:
    """For a renewal: criterion by criterion, how the answers and the result moved since the
    last label (`assessments.compare`: progress only where an answer changed, and whether the
    charter's points for a criterion changed between the two versions)."""
    previous = application.previous
    assessment = application.assessment
    if previous is None or not previous.snapshot or assessment is None or not assessment.finished:
        return []
    earlier = previous.assessment
    if earlier is None:  # the frozen result stays, even when its assessment is gone
        return assessments.compare(previous.snapshot["result"], assessment.result)
    return assessments.compare(
        previous.snapshot["result"],
        assessment.result,
        assessments.answers_by_code(earlier),
        assessments.answers_by_code(assessment),
        before_version=earlier.version,
        after_version=assessment.version,
    )


def report_objective(application: Application, objective: Objective, outcome: str) -> None:
    """The renewal's report on one objective of the previous label."""
    _require_editable(application)
    if objective.application_id != application.previous_id:
        raise ApplicationError(_("Cet objectif n'appartient pas au label renouvelé."))
    objective.outcome = outcome.strip()
    db.session.flush()
