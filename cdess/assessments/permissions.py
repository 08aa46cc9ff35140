"""Who may see and fill a self-assessment."""

from cdess.accounts.permissions import is_staff
from cdess.structures.permissions import is_member


def can_view_assessment(user, assessment) -> bool:
    return is_staff(user) or is_member(user, assessment.structure)


def can_fill_assessment(user, assessment) -> bool:
    """Only the structure's people, and only while it is in progress."""
    return is_member(user, assessment.structure) and not assessment.finished


def can_start_assessment(user, structure) -> bool:
    return is_member(user, structure)
