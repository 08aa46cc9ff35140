"""Sessions ready for each job: one open with nothing left to vote (its closing writes the
minutes), one closed that granted two files (their certificates), one planned with a file and
its rapporteur (its convocation)."""

from datetime import datetime, timedelta

import pytest

from cdess.applications.models import State
from cdess.extensions import db
from cdess.sessions.models import AgendaItem, SessionStatus, VoteStatus
from tests.factories import future_session, past_session


@pytest.fixture
def open_session(people):
    """An open session whose one file was voted on: the president may close it."""
    start = datetime(2026, 5, 20, 14)
    session = past_session(start)
    session.status, session.opened_at = SessionStatus.open, start
    session.closed_at = None
    db.session.commit()
    return session


@pytest.fixture
def granted_session(people, grant):
    """A closed session that granted two files and refused a third."""
    start = datetime(2026, 5, 20, 14)
    session = past_session(start)
    for position, state in enumerate((State.granted, State.granted, State.refused), 1):
        application = grant(name=f"Structure votée {position}")
        application.state = state
        db.session.add(
            AgendaItem(
                session=session,
                application=application,
                position=position,
                result={"outcome": state.value},
                vote_status=VoteStatus.closed,
                vote_closed_at=start + timedelta(minutes=10 * position),
            )
        )
    db.session.commit()
    return session


@pytest.fixture
def planned_session(people, grant):
    """A planned session with one file and its rapporteur: it may be convened."""
    session = future_session()
    db.session.add(
        AgendaItem(
            session=session,
            application=grant(name="Ressourcerie du Béthunois"),
            position=1,
            rapporteur_id=people["member"].id,
        )
    )
    db.session.commit()
    return session
