"""What the reports' pages read: the secretariat's queue and its counts."""

from sqlalchemy import case, func
from sqlalchemy.orm import joinedload

from cdess.certificates.models import Certificate
from cdess.extensions import db
from cdess.reports.models import Report
from cdess.reports.rules import ReportState
from cdess.web.queries import paginate

# The queue's order: what waits for the secretariat first (received, then answered), then
# what waits for the structure, then what is decided.
RANK = {
    ReportState.received: 0,
    ReportState.answered: 1,
    ReportState.asked: 2,
    ReportState.dismissed: 3,
    ReportState.proposed: 3,
}


def queue_page(state: ReportState | None):
    """One page of the queue, in `RANK` order, the oldest first within a rank; with their
    certificate and structure (the table shows both)."""
    rank = case(*[(Report.state == state, n) for state, n in RANK.items()], else_=9)
    stmt = (
        db.select(Report)
        .options(joinedload(Report.certificate).joinedload(Certificate.structure))
        .order_by(rank, Report.received_at, Report.id)
    )
    if state is not None:
        stmt = stmt.filter(Report.state == state)
    return paginate(stmt)


def counts() -> dict[ReportState, int]:
    """How many reports are in each state."""
    rows = db.session.execute(db.select(Report.state, func.count(Report.id)).group_by(Report.state))
    return {state: n for state, n in rows}
