"""Every model, imported once so that metadata and migrations see the whole schema."""

from cdess.accounts.models import College, Role, User, UserRole
from cdess.assessments.models import Answer, Assessment, AssessmentStatus
from cdess.charter.models import (
    AnswerType,
    CharterSignature,
    CharterStatus,
    CharterVersion,
    Criterion,
    CriterionBand,
    CriterionOption,
    Principle,
    SignatureStatus,
)
from cdess.structures.models import Family, Membership, Structure

__all__ = [
    "Answer",
    "AnswerType",
    "Assessment",
    "AssessmentStatus",
    "CharterSignature",
    "CharterStatus",
    "CharterVersion",
    "College",
    "Criterion",
    "CriterionBand",
    "CriterionOption",
    "Family",
    "Membership",
    "Principle",
    "Role",
    "SignatureStatus",
    "Structure",
    "User",
    "UserRole",
]
