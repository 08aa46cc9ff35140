"""Who may do what with a certificate. The council decides a label's status; the secretariat
proposes, the president may suspend urgently between sessions, the structure answers."""

from cdess.accounts.models import Role
from cdess.accounts.permissions import is_staff
from cdess.structures.permissions import is_member


def can_manage_certificates(user) -> bool:
    """The certificate's management page: the secretariat and the president."""
    return is_staff(user) or (user.is_authenticated and user.has_role(Role.president))


def can_propose(user, certificate=None) -> bool:
    return is_staff(user)


def can_suspend_urgently(user, certificate=None) -> bool:
    return user.is_authenticated and user.has_role(Role.president)


def can_answer_proposal(user, proposal) -> bool:
    return is_member(user, proposal.certificate.structure)
