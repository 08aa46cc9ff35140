"""Who may see and change a structure."""

from cdess.accounts.models import Role
from cdess.accounts.permissions import is_staff


def can_create_structure(user) -> bool:
    return user.is_authenticated and user.has_role(Role.applicant)


def can_list_structures(user) -> bool:
    return is_staff(user)


def can_act_for(user, structure) -> bool:
    """The structure's own people (its members' accounts) act and sign for it."""
    return user.is_authenticated and any(m.user_id == user.id for m in structure.memberships)


def can_view_structure(user, structure) -> bool:
    return is_staff(user) or can_act_for(user, structure)


def can_edit_structure(user, structure) -> bool:
    return is_staff(user) or can_act_for(user, structure)
