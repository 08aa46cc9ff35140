"""The application state machine: every (state, action, person) pair, preconditions,
and concurrent transitions (the journal itself: tests/audit/)."""

import threading

import pytest

from cdess.applications import services, workflow
from cdess.applications.models import Application, State
from cdess.assessments import services as assessments
from cdess.audit import services as audit
from cdess.extensions import db
from tests.factories import new_application

EXPECTED = {  # action: (from states, to state, who)
    "submit": ({"draft"}, "submitted", {"applicant"}),
    "resubmit": ({"incomplete"}, "submitted", {"applicant"}),
    "request_complements": ({"submitted"}, "incomplete", {"secretariat"}),
    "declare_admissible": ({"submitted"}, "admissible", {"secretariat"}),
    "declare_not_admissible": ({"submitted", "admissible"}, "not_admissible", {"secretariat"}),
    "schedule": ({"admissible", "deferred"}, "scheduled", {"secretariat"}),
    "unschedule": ({"scheduled"}, "admissible", {"secretariat"}),
    "grant": ({"scheduled"}, "granted", {"secretariat", "president"}),
    "refuse": ({"scheduled"}, "refused", {"secretariat", "president"}),
    "defer": ({"scheduled"}, "deferred", {"secretariat", "president"}),
    "certify": ({"granted"}, "certified", {"secretariat"}),
    "withdraw": (
        {"draft", "submitted", "incomplete", "admissible", "scheduled"},
        "withdrawn",
        {"applicant"},
    ),
}


def test_the_table_is_the_one_in_the_design():
    assert {
        name: ({s.value for s in t.sources}, t.target.value, set(t.actors))
        for name, t in workflow.TRANSITIONS.items()
    } == EXPECTED


@pytest.mark.parametrize("state", list(State))
def test_every_state_action_and_person(ready, people, state):
    """Allowed exactly when the table says so; anything else refused, state unchanged."""
    structure, assessment = ready
    for name, (sources, target, who) in EXPECTED.items():
        for person in ("applicant", "other", "secretariat", "president", "member"):
            application = new_application(structure, assessment, state)
            kind = {"other": None, "member": None}.get(person, person)
            expected = state.value in sources and kind in who
            if expected:
                services.transition(application, name, people[person], "Motif")
                db.session.commit()
                assert application.state.value == target, (name, person)
                assert application.audit[-1].from_state == state.value
            else:
                with pytest.raises(workflow.TransitionError):
                    services.transition(application, name, people[person], "Motif")
                db.session.rollback()
                assert db.session.get(Application, application.id).state is state


def test_allowed_lists_what_a_person_may_do(ready, people):
    structure, assessment = ready
    application = new_application(structure, assessment, State.submitted)
    names = lambda who: {t.name for t in workflow.allowed(people[who], application)}  # noqa: E731
    assert names("applicant") == {"withdraw"}
    assert names("secretariat") == {
        "request_complements",
        "declare_admissible",
        "declare_not_admissible",
    }
    assert names("other") == set() and names("member") == set()
    assert workflow.allowed(None, application) == []


def test_submission_needs_a_signature_and_a_finished_assessment(charter, create_structure, people):
    structure = create_structure(owner=people["applicant"])
    assessment = assessments.start(structure, people["applicant"])
    db.session.commit()
    application = new_application(structure, assessment)
    with pytest.raises(workflow.TransitionError) as refused:
        services.transition(application, "submit", people["applicant"])
    assert refused.value.problems == [
        "La structure doit avoir signé la charte en vigueur.",
        "Rattachez une auto-évaluation terminée.",
    ]
    db.session.rollback()
    assert db.session.get(Application, application.id).state is State.draft


def test_submission_with_everything_in_order(ready, people):
    application = new_application(*ready)
    entry = services.transition(application, "submit", people["applicant"])
    db.session.commit()
    assert application.state is State.submitted and application.submitted_at
    assert (entry.from_state, entry.to_state, entry.actor_name) == (
        "draft",
        "submitted",
        people["applicant"].display_name,
    )
    assert application.revision == 2


def test_a_reason_is_required_where_the_decision_needs_one(ready, people):
    application = new_application(*ready, state=State.submitted)
    with pytest.raises(workflow.TransitionError, match="motif"):
        services.transition(application, "request_complements", people["secretariat"], "  ")
    with pytest.raises(workflow.TransitionError, match="inconnue"):
        services.transition(application, "approve_everything", people["secretariat"])


def test_stale_revision_is_refused(ready, people):
    application = new_application(*ready, state=State.submitted)
    journalled = audit.head().count
    assert application.revision == 1  # read by this request…
    with db.engine.begin() as other:  # someone else moves it meanwhile
        other.execute(Application.__table__.update().values(revision=Application.revision + 1))
    with pytest.raises(workflow.ConcurrentTransition):
        services.transition(application, "declare_admissible", people["secretariat"])
    db.session.rollback()
    assert audit.head().count == journalled  # nothing journalled of what did not happen


def test_two_agents_at_the_same_moment_only_one_wins(app, ready, people):
    application = new_application(*ready, state=State.submitted)
    ids = (application.id, people["secretariat"].id)
    barrier = threading.Barrier(2)
    outcomes = []

    def agent(action):
        with app.app_context():
            from cdess.accounts.models import User

            target = db.session.get(Application, ids[0])
            user = db.session.get(User, ids[1])
            target.state, target.structure, user.roles  # loaded before the race  # noqa: B018
            barrier.wait()
            try:
                services.transition(target, action, user, "Pièces manquantes")
                db.session.commit()
                outcomes.append(action)
            except workflow.TransitionError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=agent, args=(a,))
        for a in ("declare_admissible", "request_complements")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("refused") == 1
    db.session.expire_all()
    final = db.session.get(Application, application.id)
    assert final.state.value in {"admissible", "incomplete"} and final.revision == 2
    assert len(final.transitions) == 1 and audit.verify().intact
