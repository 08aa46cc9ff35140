"""Who may see an application and start one."""

from cdess.accounts.permissions import is_staff
from cdess.structures.permissions import is_member


def can_view_application(user, application) -> bool:
    return is_staff(user) or is_member(user, application.structure)


def can_apply_for(user, structure) -> bool:
    return is_member(user, structure)


def can_review_applications(user) -> bool:
    return is_staff(user)
