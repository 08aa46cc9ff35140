"""Creating an application and submitting it: what is missing, the frozen snapshot, the
session it goes to. States only ever change through `workflow.apply`."""

from datetime import date

from flask import current_app
from flask_babel import gettext as _

from cdess.accounts.models import User
from cdess.applications import workflow
from cdess.applications.models import Application, Kind, State
from cdess.assessments.models import Assessment
from cdess.extensions import db
from cdess.structures.models import Structure

OPEN_STATES = frozenset(State) - {State.refused, State.certified, State.withdrawn}


class ApplicationError(ValueError):
    """A refused operation; the message is for the user."""


def next_session(today: date, calendar=None) -> date:
    """The first session whose submission deadline is today or later."""
    calendar = calendar or current_app.config["COUNCIL_CALENDAR"]
    candidates = []
    for year in (today.year, today.year + 1):
        for deadline, session in calendar:
            d = date.fromisoformat(f"{year}-{deadline}")
            s = date.fromisoformat(f"{year}-{session}")
            if s < d:  # a session early in the year whose deadline falls the year before
                d = d.replace(year=year - 1)
            candidates.append((d, s))
    return min(s for d, s in candidates if d >= today)


def open_application(structure: Structure) -> Application | None:
    return db.session.execute(
        db.select(Application)
        .filter(Application.structure_id == structure.id, Application.state.in_(OPEN_STATES))
        .order_by(Application.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def create(structure: Structure, actor: User, kind: Kind = Kind.new) -> Application:
    """A draft application; one open application per structure at a time."""
    if open_application(structure) is not None:
        raise ApplicationError(_("La structure a déjà une candidature en cours."))
    application = Application(structure_id=structure.id, kind=kind, created_by_id=actor.id)
    db.session.add(application)
    db.session.flush()
    return application


def attach_assessment(application: Application, assessment: Assessment) -> None:
    if application.state not in (State.draft, State.incomplete):
        raise ApplicationError(_("Le dossier n'est plus modifiable."))
    if assessment.structure_id != application.structure_id or not assessment.finished:
        raise ApplicationError(_("Choisissez une auto-évaluation terminée de la structure."))
    application.assessment = assessment
    db.session.flush()


def missing(application: Application) -> list[str]:
    """What still prevents submission, in French (empty when the file can be submitted)."""
    problems = [p for check in workflow.SUBMIT_CHECKS for p in check(application)]
    structure = application.structure
    if not (structure.siret or structure.siren or structure.rna) or not structure.commune_code:
        problems.append(_("Complétez l'identité de la structure (identifiant et commune)."))
    return problems


def submit(application: Application, actor: User, today: date | None = None) -> None:
    """Freeze the assessment's result and send the file to the next session."""
    if problems := missing(application):
        raise workflow.TransitionError(problems)
    name = "resubmit" if application.state is State.incomplete else "submit"
    workflow.apply(application, name, actor)
    assessment = application.assessment
    application.snapshot = {
        "assessment_id": assessment.id,
        "charter_version": assessment.version.number,
        "finished_at": assessment.finished_at.isoformat(),
        "result": assessment.result,
    }
    application.session_date = next_session(today or date.today())
    db.session.flush()
