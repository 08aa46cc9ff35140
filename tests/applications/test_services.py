"""Creating and submitting applications: one open at a time, what is missing, the frozen
snapshot, the session a file goes to."""

from datetime import date

import pytest

from cdess.applications import services
from cdess.applications.models import State
from cdess.assessments import services as assessments
from cdess.clock import next_session
from cdess.extensions import db
from tests.factories import add_documents

CALENDAR = (("03-31", "05-20"), ("09-30", "11-20"))


@pytest.mark.parametrize(
    ("today", "session"),
    [
        (date(2026, 1, 10), date(2026, 5, 20)),
        (date(2026, 3, 31), date(2026, 5, 20)),  # the deadline day still counts
        (date(2026, 4, 1), date(2026, 11, 20)),
        (date(2026, 9, 30), date(2026, 11, 20)),
        (date(2026, 10, 1), date(2027, 5, 20)),
        (date(2026, 12, 31), date(2027, 5, 20)),
    ],
)
def test_next_session_is_the_first_whose_deadline_has_not_passed(today, session):
    assert next_session(today, CALENDAR) == session


def test_deadline_in_the_previous_year():
    calendar = (("12-15", "01-20"), ("06-15", "07-10"))
    assert next_session(date(2026, 12, 16), calendar) == date(2027, 7, 10)
    assert next_session(date(2026, 12, 1), calendar) == date(2027, 1, 20)


def test_one_open_application_per_structure(app, ready, people):
    structure, _assessment = ready
    first = services.create(structure, people["applicant"])
    with pytest.raises(services.ApplicationError, match="déjà une candidature"):
        services.create(structure, people["applicant"])
    services.transition(first, "withdraw", people["applicant"])
    assert services.create(structure, people["applicant"]).state is State.draft


def test_submit_freezes_the_result_and_picks_the_session(app, ready, people):
    structure, assessment = ready
    application = services.create(structure, people["applicant"])
    missing = services.missing(application)
    assert missing[0] == "Rattachez une auto-évaluation terminée."
    assert "Pièce manquante : Statuts" in missing
    services.attach_assessment(application, assessment)
    add_documents(application, people["applicant"])
    assert services.missing(application) == []
    services.transition(application, "submit", people["applicant"])
    db.session.commit()
    assert application.state is State.submitted
    assert application.session_date is None  # a session only once on an agenda
    assert application.snapshot["result"] == assessment.result
    assert application.snapshot["charter_version"] == assessment.version.number
    # Complements requested, then resubmitted: the same path, recorded twice.
    services.transition(application, "request_complements", people["secretariat"], "Statuts signés")
    services.transition(application, "resubmit", people["applicant"])
    db.session.commit()
    assert [e.to_state for e in application.transitions] == ["submitted", "incomplete", "submitted"]


def test_an_unfinished_or_foreign_assessment_cannot_be_attached(
    app, ready, people, create_structure
):
    structure, _assessment = ready
    application = services.create(structure, people["applicant"])
    other = create_structure(owner=people["other"])
    foreign = assessments.start(other, people["other"])
    with pytest.raises(services.ApplicationError):
        services.attach_assessment(application, foreign)
    unfinished = assessments.start(structure, people["applicant"])
    with pytest.raises(services.ApplicationError):
        services.attach_assessment(application, unfinished)
