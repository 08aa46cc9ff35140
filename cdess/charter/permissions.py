"""Who may edit the charter and manage signatures."""

from cdess.accounts.permissions import is_staff
from cdess.structures.permissions import can_act_for


def can_edit_charter(user) -> bool:
    return is_staff(user)


def can_manage_signatures(user) -> bool:
    return is_staff(user)


def can_sign_for(user, structure) -> bool:
    """Signing commits the structure: only the people who act for it."""
    return can_act_for(user, structure)
