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


def can_export_data(user, account) -> bool:
    """A person downloads their own data; the secretariat a person's, on request (only an
    administrator an administrator's, as for editing)."""
    if not _signed_in(user):
        return False
    return account.id == user.id or can_edit_user(user, account)


def can_erase_account(user, account) -> bool:
    """A person erases their own account; the secretariat a person's, on request (not one
    already erased; an administrator's only by an administrator)."""
    if not _signed_in(user) or account.erased_at is not None:
        return False
    return account.id == user.id or can_edit_user(user, account)
