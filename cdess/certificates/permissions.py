"""Who may do what with a certificate. The council decides a label's status; the secretariat
proposes, the president may suspend urgently between sessions, the structure answers."""

from cdess.accounts.permissions import is_staff
from cdess.applications.permissions import can_view_application
from cdess.structures.permissions import can_act_for


def can_manage_certificates(user) -> bool:
    """The certificate's management page: the secretariat and the president."""
    return is_staff(user) or (user.is_authenticated and user.is_president)


def can_propose(user, certificate=None) -> bool:
    return is_staff(user)


def can_suspend_urgently(user, certificate=None) -> bool:
    return user.is_authenticated and user.is_president


def can_answer_proposal(user, proposal) -> bool:
    return can_act_for(user, proposal.certificate.structure)


def can_list_certificates(user) -> bool:
    """The list of every certificate, with the secretariat's actions."""
    return is_staff(user)


def can_download(user, certificate) -> bool:
    """The stored PDF: the secretariat, and whoever may read the application it labels."""
    return is_staff(user) or can_view_application(user, certificate.application)


def can_issue_certificates(user, certificate=None) -> bool:
    """Issuing, reissuing and exporting the PDFs after a session: the secretariat."""
    return is_staff(user)


def can_browse_registry(user) -> bool:
    """The public registry in the menu: for everyone but the secretariat (who has the list)."""
    return not is_staff(user)
