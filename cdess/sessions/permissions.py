"""Who plans sessions, who sits in them, who votes."""

from cdess.accounts.models import Role
from cdess.accounts.permissions import is_staff


def plan(user) -> bool:
    """The secretariat plans sessions, builds agendas and runs the administration."""
    return is_staff(user)


def is_member(user) -> bool:
    return user.is_authenticated and user.has_role(Role.council_member, Role.president)


def sit(user) -> bool:
    """Council members (voting or not) and the secretariat read the files of a session."""
    return is_member(user) or is_staff(user)


def vote(user) -> bool:
    return is_member(user) and user.voting_right and user.active


def preside(user) -> bool:
    """The president or the secretariat runs the live session."""
    return is_staff(user) or (user.is_authenticated and user.has_role(Role.president))
