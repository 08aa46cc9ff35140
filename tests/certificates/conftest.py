"""Granted applications of several structures, ready for their certificates."""

from datetime import datetime, timedelta

import pytest

from cdess.applications.models import Application, State
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.sessions import services as sessions
from cdess.sessions.models import AgendaItem, SessionStatus

RESULT = {
    "overall": 81.6,
    "eligible": True,
    "principles": [
        {"code": "GOV", "title": "Gouvernance démocratique", "score": 90.4},
        {"code": "LUC", "title": "Lucrativité limitée", "score": 72.5},
    ],
}


@pytest.fixture
def grant(create_structure, people):
    """A granted application (its assessment's result frozen) for a new structure."""

    def make(**structure_fields) -> Application:
        structure = create_structure(owner=people["applicant"], **structure_fields)
        application = Application(
            structure_id=structure.id,
            state=State.granted,
            snapshot={"charter_version": 1, "result": RESULT},
            verified_result=RESULT,
        )
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def closed_session(people, grant):
    """A closed session that granted two applications and refused a third."""
    people["president"].voting_right = True
    start = datetime(2026, 5, 20, 14)
    session = sessions.create_session(start, start.date() - timedelta(days=50), "Arras")
    session.status = SessionStatus.closed
    outcomes = (State.granted, State.granted, State.refused)
    for position, state in enumerate(outcomes, 1):
        application = grant(name=f"Structure votée {position}")
        application.state = state
        db.session.add(
            AgendaItem(
                session=session,
                application=application,
                position=position,
                result={"outcome": state.value},
                vote_closed_at=start + timedelta(minutes=10 * position),
            )
        )
    db.session.commit()
    return session


def audit_count() -> int:
    return db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()


def council_vote(certificate) -> AgendaItem:
    """An agenda item of a closed session standing for the council's vote that decides a
    change of the certificate's status (status changes happen only on such a decision)."""
    start = datetime(2026, 11, 20, 14)
    session = sessions.create_session(start, start.date() - timedelta(days=50), "Arras")
    session.status = SessionStatus.closed
    item = AgendaItem(
        session=session, application_id=certificate.application_id, position=1, result={}
    )
    db.session.add(item)
    db.session.flush()
    return item
