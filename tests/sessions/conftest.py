"""A council (president, voting and consultative members, secretariat) and admissible files."""

from datetime import date, datetime, timedelta

import pytest

from cdess.accounts.models import Role
from cdess.applications.models import State
from cdess.extensions import db
from cdess.sessions import services
from tests.applications.helpers import new_application


@pytest.fixture
def council(create_user, people):
    """Six voting members (the president among them), one consultative member."""
    people["president"].voting_right = True
    members = [create_user(Role.council_member, voting_right=True) for _ in range(5)]
    return {
        "president": people["president"],
        "members": members,
        "consultative": people["member"],
        "secretariat": people["secretariat"],
    }


@pytest.fixture
def files(ready, create_structure, people, charter):
    """Three admissible applications of three structures."""
    from cdess.assessments import services as assessments
    from cdess.charter import services as charters
    from tests.assessments.test_assessments import best_answer

    structure, assessment = ready
    applications = [new_application(structure, assessment, State.admissible)]
    for _ in range(2):
        other = create_structure(owner=people["other"])
        charters.sign(other, "Léa Petit", "Présidente", people["other"])
        done = assessments.start(other, people["other"])
        for criterion in done.version.criteria:
            if criterion.applies_to(other.family.value):
                assessments.save_answer(done, criterion, best_answer(criterion))
        assessments.finish(done)
        applications.append(new_application(other, done, State.admissible))
    db.session.commit()
    return applications


@pytest.fixture
def planned(app, council):
    day = datetime.combine(date.today() + timedelta(days=30), datetime.min.time()).replace(hour=14)
    session = services.create_session(day, date.today() + timedelta(days=10), "Arras")
    db.session.commit()
    return session
