"""Who may see and fill a self-assessment."""

from cdess.accounts.permissions import is_staff
from cdess.structures.permissions import can_act_for


def can_view_assessment(user, assessment) -> bool:
    return is_staff(user) or can_act_for(user, assessment.structure)


def can_fill_assessment(user, assessment) -> bool:
    """Only the structure's people, and only while it is in progress."""
    return can_act_for(user, assessment.structure) and not assessment.finished


def can_start_assessment(user, structure) -> bool:
    return can_act_for(user, structure)


def can_take_quick_diagnostic(user) -> bool:
    """The anonymous quick diagnostic in the menu: for everyone but the secretariat."""
    return not is_staff(user)
