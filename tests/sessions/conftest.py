"""A council (president, voting and consultative members, secretariat) and admissible files."""

from datetime import date, timedelta

import pytest

from cdess.accounts.models import Role
from cdess.applications.models import State
from cdess.charter import services as charters
from cdess.extensions import db
from tests.factories import finished_assessment, future_session, new_application


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
    structure, assessment = ready
    applications = [new_application(structure, assessment, State.admissible)]
    for _ in range(2):
        other = create_structure(owner=people["other"])
        charters.sign(other, "Léa Petit", "Présidente", people["other"])
        done = finished_assessment(other, people["other"])
        applications.append(new_application(other, done, State.admissible))
    db.session.commit()
    return applications


@pytest.fixture
def planned(app, council):
    """A session planned 30 days from now, files accepted for 10 more days."""
    session = future_session(date.today() + timedelta(days=10))
    db.session.commit()
    return session
