"""Who may do what with accounts."""

from cdess.accounts.models import Role


def _signed_in(user) -> bool:
    return bool(user) and user.is_authenticated


def is_staff(user) -> bool:
    """Agents of the Département's ESS service (and administrators)."""
    return _signed_in(user) and user.has_role(Role.secretariat, Role.admin)


def can_manage_users(user) -> bool:
    return is_staff(user)


def assignable_roles(user) -> list[Role]:
    """Only an administrator makes administrators."""
    if not can_manage_users(user):
        return []
    return [r for r in Role if r is not Role.admin or user.has_role(Role.admin)]
