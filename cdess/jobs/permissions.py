"""Who sees a job and who retries it: whoever asked for it, and the secretariat."""

from cdess.accounts.permissions import is_staff
from cdess.jobs.models import JobState
from cdess.jobs.services import WORKS  # each kind's permission, registered by its domain


def can_view_job(user, job) -> bool:
    """Its progress page: whoever asked for it, and the secretariat."""
    if not (user and user.is_authenticated):
        return False
    return is_staff(user) or (job.requested_by_id is not None and job.requested_by_id == user.id)


def can_retry_job(user, job, check_state: bool = True) -> bool:
    """« Relancer »: who may see it, once it failed or was interrupted (`check_state`)."""
    ready = job.state is JobState.failed or job.interrupted
    allowed = job.kind in WORKS and WORKS[job.kind].may_retry(user)
    return can_view_job(user, job) and allowed and (not check_state or ready)


def can_read_job_error(user, job=None) -> bool:
    """The error's technical text: the secretariat (others read that it failed)."""
    return is_staff(user)
