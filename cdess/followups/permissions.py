"""Who may do what with an annual follow-up. The structure's people file it; the secretariat
reads the queue, accepts or asks for complements, proposes a suspension, draws the sample."""

from cdess.accounts.permissions import is_staff
from cdess.followups.models import FollowUpState
from cdess.structures.permissions import can_act_for

FILEABLE = (FollowUpState.due, FollowUpState.overdue, FollowUpState.incomplete)


def can_list_followups(user) -> bool:
    """The secretariat's follow-up queue (and the sample's draw)."""
    return is_staff(user)


def can_draw_sample(user) -> bool:
    return is_staff(user)


def can_view_followup(user, followup) -> bool:
    """The follow-up's page and documents: the secretariat and the structure's own people."""
    return is_staff(user) or can_act_for(user, followup.structure)


def can_file_followup(user, followup, check_state: bool = True) -> bool:
    """The structure's people file it while it waits for them (due, overdue, incomplete)."""
    return can_act_for(user, followup.structure) and (not check_state or followup.state in FILEABLE)


def can_decide_followup(user, followup=None, check_state: bool = True) -> bool:
    """The secretariat accepts a filed follow-up or asks for complements."""
    return is_staff(user) and (
        not check_state or followup is None or followup.state is FollowUpState.submitted
    )


def can_propose_suspension(user, followup=None) -> bool:
    return is_staff(user)
