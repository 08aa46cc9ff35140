"""Who may do what with accounts."""

from cdess.accounts.models import Role


def _signed_in(user) -> bool:
    return bool(user) and user.is_authenticated


def is_staff(user) -> bool:
    """Agents of the Département's ESS service (and administrators)."""
    return _signed_in(user) and user.is_staff


def can_manage_users(user) -> bool:
    return is_staff(user)


def can_edit_user(user, account) -> bool:
    """Agents edit accounts; only an administrator edits an administrator."""
    return can_manage_users(user) and (Role.admin not in account.roles or user.has_role(Role.admin))


def assignable_roles(user) -> list[Role]:
    """Only an administrator makes administrators."""
    if not can_manage_users(user):
        return []
    return [r for r in Role if r is not Role.admin or user.has_role(Role.admin)]
