"""What the applications' pages read: the secretariat's queue with its counts, and everything
an application's page shows, by what the reader may see (the view says who reads)."""

from collections.abc import Iterator

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func
from sqlalchemy.orm import contains_eager, selectinload

from cdess import territories
from cdess.applications import checks, evidence, review, services, verification, workflow
from cdess.applications.models import Application, DocumentKind, Kind, State
from cdess.assessments.models import Assessment, AssessmentStatus
from cdess.extensions import db
from cdess.notifications.notices import appeal_rights
from cdess.structures import queries as structures
from cdess.structures.models import Family, Structure
from cdess.web import spreadsheet
from cdess.web.queries import paginate, parse_year, within_years

# What the secretariat acts on comes first: files waiting for admissibility, then those to put
# on an agenda, certificates to issue, files back with their applicant, files before the council,
# drafts; each group oldest change first (the longest waiting). Closed files come last, newest
# first (the latest decisions are the ones looked up).
QUEUE_ORDER = (
    State.submitted,
    State.admissible,
    State.deferred,
    State.granted,
    State.incomplete,
    State.scheduled,
    State.draft,
)
CLOSED = (State.certified, State.refused, State.not_admissible, State.withdrawn)
SEARCH_LENGTH = structures.SEARCH_LENGTH
# The files the council has decided on their merits (the dashboard's scores and delays count
# them), and the `decision` filter's value that keeps them all, whatever their session's year.
DECIDED = (State.granted, State.refused, State.certified)
ANY_YEAR = "toutes"


def _queue_conditions(filters: dict[str, str]) -> list:
    """The queue's filters but its state: family, EPCI, kind, the structure searched, the year
    filed (`annee`) and the files decided (`decision`: at a session of that year, or ANY_YEAR)."""
    conditions = []
    if filters["family"] in {f.value for f in Family}:
        conditions.append(Structure.family == Family(filters["family"]))
    if territories.epci(filters["epci"]):
        conditions.append(Structure.epci_code == filters["epci"])
    if filters["kind"] in {k.value for k in Kind}:
        conditions.append(Application.kind == Kind(filters["kind"]))
    if (searched := structures.search(filters.get("q", ""))) is not None:
        conditions.append(searched)
    if year := parse_year(filters.get("annee")):
        conditions += within_years(Application.submitted_at, year)
    decision = filters.get("decision")
    if decision == ANY_YEAR or (year := parse_year(decision)):
        # The sessions' model lives a layer above: named through the file's relationship.
        held = Application.session.property.mapper.class_.starts_at
        when = [] if decision == ANY_YEAR else within_years(held, year)
        conditions += [
            Application.state.in_(DECIDED),
            Application.verified_result.isnot(None),
            Application.session.has(and_(*when)) if when else Application.session_id.isnot(None),
        ]
    return conditions


def queue_list(filters: dict[str, str]):
    """The applications the filters keep, what needs action first (`QUEUE_ORDER`), with their
    structure and session; runs nothing."""
    conditions = _queue_conditions(filters)
    if filters["state"] in {s.value for s in State}:
        conditions.append(Application.state == State(filters["state"]))
    rank = case(
        *((Application.state == state, position) for position, state in enumerate(QUEUE_ORDER)),
        else_=len(QUEUE_ORDER),
    )
    closed_since = case((Application.state.in_(CLOSED), Application.updated_at), else_=None)
    return (
        db.select(Application)
        .join(Structure)
        .where(*conditions)
        .options(contains_eager(Application.structure), selectinload(Application.session))
        .order_by(rank, closed_since.desc(), Application.updated_at, Application.id)
    )


def queue(filters: dict[str, str]):
    """The page of applications the filters keep (`queue_list`), and their count per state;
    the counts ignore the state filter, so that each tab says what it would show."""
    counts_stmt = (
        db.select(Application.state, func.count())
        .join(Structure)
        .where(*_queue_conditions(filters))
        .group_by(Application.state)
    )
    counts = dict(db.session.execute(counts_stmt).all())
    page = paginate(queue_list(filters))
    return page, counts


def _score(result: dict | None) -> float | None:
    return result.get("overall") if result else None


def _yes_no(result: dict | None) -> str:
    if not result:
        return ""
    return _("oui") if result.get("eligible") else _("non")


def queue_export(filters: dict[str, str]) -> tuple[list[str], Iterator[list]]:
    """The queue as a spreadsheet: its header, and every application the filters keep
    (`queue_list`), in its order, read lazily."""
    header = [
        _("N° du dossier"),
        *structures.identity_header(),
        _("Type"),
        _("État"),
        _("Auto-évaluation (score)"),
        _("Auto-évaluation éligible"),
        _("Résultat vérifié (score)"),
        _("Résultat vérifié éligible"),
        _("Séance"),
        _("Déposé le"),
        _("Dans cet état depuis le"),
    ]

    def rows() -> Iterator[list]:
        for a in spreadsheet.each(queue_list(filters), Application.id):
            self_assessed = a.snapshot.get("result") if a.snapshot else None
            yield [
                a.id,
                *structures.identity_cells(a.structure),
                a.kind.label,
                a.state.label,
                _score(self_assessed),
                _yes_no(self_assessed),
                _score(a.verified_result),
                _yes_no(a.verified_result),
                a.session_date,
                spreadsheet.day(a.submitted_at),
                spreadsheet.day(a.updated_at),
            ]

    return header, rows()


def finished_assessments(structure_id: int) -> list[Assessment]:
    """The structure's finished self-assessments, newest first (to attach one)."""
    return list(
        db.session.execute(
            db.select(Assessment)
            .filter_by(structure_id=structure_id, status=AssessmentStatus.finished)
            .order_by(Assessment.finished_at.desc())
        ).scalars()
    )


def last_comment(application: Application, state: State) -> str | None:
    """The message of the last transition into this state."""
    return next(
        (e.reason for e in reversed(application.transitions) if e.to_state == state.value), None
    )


def criterion_questions(application: Application) -> dict[str, str]:
    """Each criterion's question by code, from the attached assessment's charter version (or
    the renewed label's)."""
    assessment = application.assessment or (
        application.previous.assessment if application.previous else None
    )
    return {c.code: c.question for c in assessment.version.criteria} if assessment else {}


def file_page(application: Application, reader, *, applicant: bool, staff: bool) -> dict:
    """What the application's page shows to this reader: the structure's own people
    (`applicant`) may edit it while it is editable, the secretariat (`staff`) reviews it."""
    editable = applicant and services.editable(application)
    not_admissible = application.state is State.not_admissible
    return {
        "application": application,
        "missing": services.missing(application) if editable else [],
        "finished": finished_assessments(application.structure_id) if editable else [],
        "actions": workflow.allowed(reader, application),
        "editable": editable,
        "staff": staff,
        "applicant": applicant,
        "slots": evidence.slots(application),
        "find_document": evidence.find,
        "others": [d for d in application.documents if d.kind is DocumentKind.other],
        "total_size": sum(d.size for d in application.documents),
        "limits": current_app.config,
        "complements": last_comment(application, State.incomplete)
        if application.state is State.incomplete
        else None,
        "unmet": {c["code"]: c for c in services.unmet_criteria(application)},
        "changes": services.changes(application),
        "reports": services.objective_reports(application),
        "renewable": applicant and services.renewable(application),
        "checklist_auto": checks.automatic(application) if staff else [],
        "checklist_manual": review.MANUAL,
        "questions": criterion_questions(application),
        "verified_obstacles": verification.verified_obstacles(application),
        "unverified": verification.unverified(application) if application.snapshot else [],
        "corrections": verification.corrections(application),
        "decision_reason": last_comment(application, State.not_admissible)
        if not_admissible
        else None,
        "appeal_rights": appeal_rights() if not_admissible else "",
    }
