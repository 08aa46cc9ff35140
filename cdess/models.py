"""Every model, imported once so that metadata and migrations see the whole schema."""

from cdess.accounts.models import College, Role, User, UserRole
from cdess.applications.models import Application, AuditEntry, Kind, State
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
    "Application",
    "Assessment",
    "AssessmentStatus",
    "AuditEntry",
    "CharterSignature",
    "CharterStatus",
    "CharterVersion",
    "College",
    "Criterion",
    "CriterionBand",
    "CriterionOption",
    "Family",
    "Kind",
    "Membership",
    "Principle",
    "Role",
    "SignatureStatus",
    "State",
    "Structure",
    "User",
    "UserRole",
]
