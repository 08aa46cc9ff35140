"""Granted applications of several structures, ready for their certificates."""

from datetime import datetime, timedelta

import pytest

from cdess.applications.models import State
from cdess.certificates import services as certificates
from cdess.extensions import db
from cdess.sessions.models import AgendaItem
from tests.factories import past_session


@pytest.fixture
def certificate(app, grant, people):
    """A valid certificate, issued by the secretariat to the Recyclerie du Ternois."""
    issued = certificates.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
    db.session.commit()
    return issued


@pytest.fixture
def closed_session(people, grant):
    """A closed session that granted two applications and refused a third."""
    people["president"].voting_right = True
    start = datetime(2026, 5, 20, 14)
    session = past_session(start)
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
