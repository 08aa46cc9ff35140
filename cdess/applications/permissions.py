"""Who may see an application and start one."""

from cdess.accounts.permissions import is_staff
from cdess.structures.permissions import is_member


def can_view_application(user, application) -> bool:
    return (
        is_staff(user)
        or is_member(user, application.structure)
        or on_council_agenda(user, application)
    )


def on_council_agenda(user, application) -> bool:
    """Council members read the files on the agenda of a session (not a cancelled one)."""
    from cdess.accounts.models import Role
    from cdess.extensions import db
    from cdess.sessions.models import AgendaItem, CouncilSession, SessionStatus

    if not user.is_authenticated or not user.has_role(Role.council_member, Role.president):
        return False
    return (
        db.session.execute(
            db.select(AgendaItem.id)
            .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
            .filter(
                AgendaItem.application_id == application.id,
                CouncilSession.status != SessionStatus.cancelled,
            )
        ).first()
        is not None
    )


def can_apply_for(user, structure) -> bool:
    return is_member(user, structure)


def can_review_applications(user) -> bool:
    return is_staff(user)


def can_verify_answers(user, application) -> bool:
    """The secretariat checks the answers during admissibility, the file's rapporteur while
    it is on an agenda and its vote has not opened (`verification.stage`)."""
    from cdess.applications import verification
    from cdess.applications.models import CheckStage

    if not user.is_authenticated:
        return False
    stage = verification.stage(application)
    if stage is CheckStage.secretariat:
        return is_staff(user)
    if stage is CheckStage.rapporteur:
        return verification.agenda_item(application).rapporteur_id == user.id
    return False
