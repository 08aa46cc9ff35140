"""What the follow-up pages read."""

from sqlalchemy import case
from sqlalchemy.orm import selectinload

from cdess.extensions import db
from cdess.followups.models import FollowUp, FollowUpState
from cdess.structures.models import Family, Structure
from cdess.web.queries import paginate

# The queue's states, in the order they come: late first, then what waits for the
# secretariat, then what waits for the structures.
QUEUE_STATES = (
    FollowUpState.overdue,
    FollowUpState.submitted,
    FollowUpState.due,
    FollowUpState.incomplete,
)


def queue_page(filters: dict[str, str]):
    """The secretariat's queue: flagged first, then by state (`QUEUE_STATES`) and day; filtered
    by state (accepted ones too when asked), ESS family and EPCI."""
    states = [s for s in FollowUpState if s.value == filters.get("etat")] or list(QUEUE_STATES)
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
    rank = case(
        *((FollowUp.state == s, n) for n, s in enumerate(QUEUE_STATES)), else_=len(QUEUE_STATES)
    )
    stmt = stmt.order_by(FollowUp.flagged_at.is_(None), rank, FollowUp.anniversary, FollowUp.id)
    return paginate(stmt)


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
