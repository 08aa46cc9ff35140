"""The database itself refuses an application whose fields contradict its state (the CHECK
constraints of `Application`), and accepts the rows the workflow writes."""

from datetime import date, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from cdess.applications.models import Application, State
from cdess.extensions import db
from cdess.sessions import services as sessions

SUBMITTED = datetime(2026, 10, 1, 9)
FROM, UNTIL = date(2026, 12, 10), date(2028, 12, 9)


@pytest.fixture
def structure(create_structure):
    return create_structure()


@pytest.fixture
def session_id(app):
    session = sessions.create_session(datetime(2027, 5, 20, 14), date(2027, 3, 31), "Arras")
    db.session.commit()
    return session.id


def add(structure, **fields) -> Application:
    application = Application(structure_id=structure.id, **fields)
    db.session.add(application)
    db.session.flush()
    return application


REFUSED = {
    "a draft with a submission date": {"state": State.draft, "submitted_at": SUBMITTED},
    "label dates on a granted file": {
        "state": State.granted,
        "label_valid_from": FROM,
        "label_valid_until": UNTIL,
    },
    "label start without its end": {"state": State.certified, "label_valid_from": FROM},
    "label end without its start": {"state": State.certified, "label_valid_until": UNTIL},
    "label ending before it starts": {
        "state": State.certified,
        "label_valid_from": UNTIL,
        "label_valid_until": FROM,
    },
}


@pytest.mark.parametrize("fields", REFUSED.values(), ids=REFUSED.keys())
def test_an_inconsistent_row_is_refused(app, structure, fields):
    with pytest.raises(IntegrityError):
        add(structure, **fields)
    db.session.rollback()


@pytest.mark.parametrize(
    "state", [State.draft, State.submitted, State.incomplete, State.not_admissible]
)
def test_no_session_before_admissibility(app, structure, session_id, state):
    with pytest.raises(IntegrityError):
        add(structure, state=state, session_id=session_id)
    db.session.rollback()


ACCEPTED = {
    "a draft": {"state": State.draft},
    "a submitted file": {"state": State.submitted, "submitted_at": SUBMITTED},
    "a file withdrawn as a draft": {"state": State.withdrawn},
    "a certified file and its label": {
        "state": State.certified,
        "submitted_at": SUBMITTED,
        "label_valid_from": FROM,
        "label_valid_until": UNTIL,
    },
    "a one-day label": {
        "state": State.certified,
        "label_valid_from": FROM,
        "label_valid_until": FROM,
    },
    # Certified, its dates not written yet: `services.transition` writes them after the state.
    "a certified file before its dates": {"state": State.certified},
}


@pytest.mark.parametrize("fields", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_consistent_row_is_accepted(app, structure, fields):
    application = add(structure, **fields)
    db.session.commit()
    assert db.session.get(Application, application.id).state is fields["state"]


@pytest.mark.parametrize(
    "state", [State.admissible, State.scheduled, State.granted, State.refused, State.deferred]
)
def test_a_session_once_admissible(app, structure, session_id, state):
    application = add(structure, state=state, submitted_at=SUBMITTED, session_id=session_id)
    db.session.commit()
    assert application.session_id == session_id


def set_state(application: Application, state: State) -> None:
    """The state alone, as the workflow's compare-and-set writes it."""
    db.session.execute(
        update(Application).where(Application.id == application.id).values(state=state)
    )


def test_the_workflow_order_is_accepted(app, structure, session_id):
    """The state is written first, the fields it brings after, in the same transaction."""
    application = add(structure)
    set_state(application, State.submitted)  # submission date not written yet
    db.session.execute(
        update(Application).where(Application.id == application.id).values(submitted_at=SUBMITTED)
    )
    for state in (State.admissible, State.scheduled):
        set_state(application, state)
    db.session.execute(
        update(Application).where(Application.id == application.id).values(session_id=session_id)
    )
    set_state(application, State.granted)
    set_state(application, State.certified)  # the label's dates not written yet
    db.session.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(label_valid_from=FROM, label_valid_until=UNTIL)
    )
    db.session.commit()
    db.session.refresh(application)
    assert application.state is State.certified and application.label_valid_until == UNTIL


def test_a_certified_file_cannot_go_back_with_its_label(app, structure):
    application = add(
        structure, state=State.certified, label_valid_from=FROM, label_valid_until=UNTIL
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        set_state(application, State.granted)
    db.session.rollback()


def test_a_submitted_file_cannot_become_a_draft_again(app, structure):
    application = add(structure, state=State.submitted, submitted_at=SUBMITTED)
    db.session.commit()
    with pytest.raises(IntegrityError):
        set_state(application, State.draft)
    db.session.rollback()
