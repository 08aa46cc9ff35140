"""Who may see an application and start one."""

from cdess.accounts.permissions import is_staff
from cdess.applications import verification, workflow
from cdess.applications.models import CheckStage
from cdess.structures.permissions import can_act_for


def can_view_application(user, application) -> bool:
    return (
        is_staff(user)
        or can_act_for(user, application.structure)
        or on_council_agenda(user, application)
    )


def on_council_agenda(user, application) -> bool:
    """Council members read the files on the agenda of a session (not a cancelled one)."""
    return (
        user.is_authenticated
        and user.sits_on_council
        and any(not item.session.cancelled for item in application.agenda_items)
    )


def can_apply_for(user, structure) -> bool:
    return can_act_for(user, structure)


def can_review_applications(user) -> bool:
    return is_staff(user)


def can_verify_answers(user, application) -> bool:
    """The secretariat checks the answers during admissibility, the file's rapporteur while
    it is on an agenda and its vote has not opened (`verification.stage`)."""
    if not user.is_authenticated:
        return False
    stage = verification.stage(application)
    if stage is CheckStage.secretariat:
        return is_staff(user)
    if stage is CheckStage.rapporteur:
        return verification.agenda_item(application).rapporteur_id == user.id
    return False


def can_make(user, application, transition) -> bool:
    """The page's change of state, by the workflow's table of who acts (the workflow checks
    it again, with the state and the preconditions)."""
    return bool(transition.actors & workflow.actor_kinds(user, application))
