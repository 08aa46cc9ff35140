"""What the follow-up pages read."""

from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import case
from sqlalchemy.orm import selectinload

from cdess.extensions import db
from cdess.followups.models import FollowUp, FollowUpState
from cdess.structures import queries as structures
from cdess.structures.models import Family, Structure
from cdess.web import spreadsheet
from cdess.web.queries import paginate, parse_year, within_years

ALL_STATES = "tous"  # the state filter's value that keeps every state, accepted ones too

# The queue's states, in the order they come: late first, then what waits for the
# secretariat, then what waits for the structures.
QUEUE_STATES = (
    FollowUpState.overdue,
    FollowUpState.submitted,
    FollowUpState.due,
    FollowUpState.incomplete,
)


def queue_list(filters: dict[str, str]):
    """The secretariat's queue: flagged first, then by state (`QUEUE_STATES`) and day; filtered
    by state (one, every one with ALL_STATES, else those waiting), ESS family, EPCI and the
    year of the anniversary (the dashboard's follow-ups per year open it); runs nothing."""
    wanted = filters.get("etat")
    states = (
        list(FollowUpState)
        if wanted == ALL_STATES
        else [s for s in FollowUpState if s.value == wanted] or list(QUEUE_STATES)
    )
    stmt = (
        db.select(FollowUp)
        .join(Structure, Structure.id == FollowUp.structure_id)
        .options(selectinload(FollowUp.structure), selectinload(FollowUp.certificate))
        .filter(FollowUp.state.in_(states))
    )
    if family := next((f for f in Family if f.value == filters.get("famille")), None):
        stmt = stmt.filter(Structure.family == family)
    if epci := filters.get("epci"):
        stmt = stmt.filter(Structure.epci_code == epci)
    if year := parse_year(filters.get("annee")):
        stmt = stmt.filter(*within_years(FollowUp.anniversary, year))
    rank = case(
        *((FollowUp.state == s, n) for n, s in enumerate(QUEUE_STATES)), else_=len(QUEUE_STATES)
    )
    return stmt.order_by(FollowUp.flagged_at.is_(None), rank, FollowUp.anniversary, FollowUp.id)


def queue_page(filters: dict[str, str]):
    """One page of the secretariat's queue (`queue_list`)."""
    return paginate(queue_list(filters))


def queue_export(filters: dict[str, str]) -> tuple[list[str], Iterator[list]]:
    """The queue as a spreadsheet: its header, and every follow-up the filters keep
    (`queue_list`), in its order, read lazily."""
    header = [
        *structures.identity_header(),
        _("Certificat"),
        _("Échéance"),
        _("État"),
        _("Signalé le"),
        _("Échantillon"),
        _("Critères éliminatoires déclarés non respectés"),
        _("Déposé le"),
        _("Décidé le"),
        _("Motif"),
    ]

    def rows() -> Iterator[list]:
        for f in spreadsheet.each(queue_list(filters), FollowUp.id):
            yield [
                *structures.identity_cells(f.structure),
                f.certificate.number,
                f.anniversary,
                f.state.label,
                spreadsheet.day(f.flagged_at),
                _("oui") if f.sample else _("non"),
                ", ".join(f.failing),
                spreadsheet.day(f.submitted_at),
                spreadsheet.day(f.decided_at),
                f.reason,
            ]

    return header, rows()


def counts() -> dict[FollowUpState, int]:
    """How many follow-ups in each state."""
    rows = db.session.execute(
        db.select(FollowUp.state, db.func.count(FollowUp.id)).group_by(FollowUp.state)
    ).all()
    return dict(rows)


def flagged_count() -> int:
    return db.session.execute(
        db.select(db.func.count(FollowUp.id)).filter(
            FollowUp.flagged_at.isnot(None), FollowUp.state != FollowUpState.accepted
        )
    ).scalar_one()
