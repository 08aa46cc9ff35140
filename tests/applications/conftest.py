"""Fixtures for applications: the people involved, a structure ready to apply."""

import pytest

from cdess.accounts.models import Role
from cdess.assessments import services as assessments
from cdess.charter import services as charters
from cdess.extensions import db
from tests.assessments.test_assessments import best_answer


@pytest.fixture
def people(create_user):
    return {
        "applicant": create_user(Role.applicant),
        "other": create_user(Role.applicant),
        "secretariat": create_user(Role.secretariat),
        "president": create_user(Role.president, roles={Role.president, Role.council_member}),
        "member": create_user(Role.council_member),
    }


@pytest.fixture
def ready(charter, create_structure, people):
    """A structure that signed the charter and finished an assessment: it may apply."""
    structure = create_structure(owner=people["applicant"])
    charters.sign(structure, "Camille Martin", "Présidente", people["applicant"])
    assessment = assessments.start(structure, people["applicant"])
    for criterion in assessment.version.criteria:
        if not criterion.families or structure.family.value in criterion.families:
            assessments.save_answer(assessment, criterion, best_answer(criterion))
    assessments.finish(assessment)
    db.session.commit()
    return structure, assessment
