"""A job: long work asked for in a request (the minutes PDF, a batch of certificates, mass
emails) and done after its commit, with its progress, its outcome and what it already did.

The idempotency key is unique: asking twice (a double click, a reload, a retry) finds the
same job. What a job already did (the recipients written to, the certificates issued) is kept
in `completed`, committed with each step, so that running it again does only the rest."""

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, and_, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled

# RQ stops a job after TIMEOUT (`services`), and the job is then marked failed. One still
# « running » well past it was on a worker that died (killed, its host stopped), one still
# « queued » as long was lost from the queue (Redis restarted without keeping it): interrupted,
# either may be retried. The 30-minute timeout and 5 minutes of grace.
TIMEOUT = 30 * 60
INTERRUPTED_AFTER = timedelta(seconds=TIMEOUT + 5 * 60)


class JobKind(enum.Enum):
    minutes = "minutes"
    certificates = "certificates"
    convocations = "convocations"
    move_notices = "move_notices"
    reminders = "reminders"


class JobState(enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


labelled(
    JobKind,
    {
        JobKind.minutes: _l("Rédaction du procès-verbal"),
        JobKind.certificates: _l("Délivrance des certificats de la séance"),
        JobKind.convocations: _l("Envoi des convocations"),
        JobKind.move_notices: _l("Envoi des avis de déplacement de la séance"),
        JobKind.reminders: _l("Rappels quotidiens"),
    },
)
labelled(
    JobState,
    {
        JobState.queued: _l("en attente"),
        JobState.running: _l("en cours"),
        JobState.done: _l("terminé"),
        JobState.failed: _l("en échec"),
    },
)


class Job(db.Model):
    """One piece of long work: its kind and arguments, who asked, its state and progress, its
    message (a French msgid and its values, translated when shown), the link to its result,
    the error the secretariat reads when it failed."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("progress_done >= 0 AND progress_total >= 0", name="progress_positive"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        CheckConstraint(
            "state NOT IN ('running', 'done', 'failed') OR started_at IS NOT NULL",
            name="started_when_run",
        ),
        CheckConstraint(
            "state NOT IN ('done', 'failed') OR finished_at IS NOT NULL",
            name="finished_when_over",
        ),
        CheckConstraint(
            "state IN ('done', 'failed') OR finished_at IS NULL", name="unfinished_when_not_over"
        ),
        CheckConstraint("state != 'failed' OR length(error) > 0", name="error_when_failed"),
        # The secretariat's view of a kind's latest jobs.
        Index("ix_job_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(
        db.Enum(JobKind, name="job_kind", native_enum=False, length=20)
    )
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[JobState] = mapped_column(
        db.Enum(JobState, name="job_state", native_enum=False, length=10),
        default=JobState.queued,
    )
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    message_values: Mapped[dict | None] = mapped_column(JSON)
    result_endpoint: Mapped[str | None] = mapped_column(String(100))
    result_args: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    # What is done already: keys of recipients written to, ids of certificates issued.
    completed: Mapped[list] = mapped_column(JSON, default=list)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]  # asked for, or retried: when it went in the queue
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    requested_by: Mapped[User | None] = relationship()

    @property
    def over(self) -> bool:
        return self.state in (JobState.done, JobState.failed)

    @hybrid_property
    def interrupted(self) -> bool:
        """Running for longer than any worker lets a job run (its worker died), or queued as
        long (lost from the queue); in SQL too (`retry`'s compare-and-set)."""
        since = {JobState.running: self.started_at, JobState.queued: self.queued_at}.get(self.state)
        return since is not None and since < utcnow() - INTERRUPTED_AFTER

    @interrupted.inplace.expression
    @classmethod
    def _interrupted_in_sql(cls):
        cutoff = utcnow() - INTERRUPTED_AFTER
        return or_(
            and_(cls.state == JobState.running, cls.started_at < cutoff),
            and_(cls.state == JobState.queued, cls.queued_at < cutoff),
        )
