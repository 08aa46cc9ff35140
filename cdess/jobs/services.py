"""Jobs: asked for inside a request's transaction (`enqueue`), run after its commit.

With `REDIS_URL` set, the job goes to RQ's queue `cdess` once the transaction commits, and a
worker (`flask worker`) runs it; without it (the embedded default) it runs inline, in the same
process, right after the commit, so the page that follows finds it done. Either way `perform`
opens its own application context and database session, marks the job running, lets the work
record its steps (each committed: the progress page reads them), then marks it done or failed.

Where nothing else decides, decided here:
- asking again with the same key finds the job asked first, whatever its state (a failed job
  is retried from its page, not asked again);
- the work, not the queue, is idempotent: each kind skips what its job already did (the
  minutes already written, the certificates already issued, the recipients already written
  to), so a retry, or a job RQ runs twice, never does the work twice;
- a job is started by compare-and-set (queued → running): two workers never run it at once;
- the queue unreachable at the commit: the job fails with that reason, to be retried;
- a job still running past RQ's timeout and a grace (`Job.interrupted`: its worker was killed,
  its host stopped), or queued as long (lost by a Redis restarted without keeping it), is
  shown as interrupted and may be retried like a failed one; if it was only waiting, the
  compare-and-set start runs it once all the same."""

import logging
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cdess.clock import utcnow
from cdess.extensions import db
from cdess.jobs.models import TIMEOUT, Job, JobKind, JobState
from cdess.labels import Message

QUEUE = "cdess"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Work:
    """What a kind of job does (`run`, given the job), the title its page shows, the words of
    the link to its result, and who may retry it (the permission of the action that asked for
    it, checked again: someone who lost it since may no longer)."""

    run: Callable[[Job], None]
    title: Callable[[Job], str]
    result_label: object  # a lazy string
    may_retry: Callable[[object], bool]


WORKS: dict[JobKind, Work] = {}


def work(
    kind: JobKind, title: Callable[[Job], str], result_label, may_retry: Callable[[object], bool]
) -> Callable:
    """Register the function that does a kind of job (`cdess.jobs.works`), with the
    permission (a predicate of the user) its « Relancer » asks for."""

    def register(run: Callable[[Job], None]) -> Callable[[Job], None]:
        WORKS[kind] = Work(run, title, result_label, may_retry)
        return run

    return register


# --- asking -----------------------------------------------------------------------------------


def by_key(key: str) -> Job | None:
    return db.session.execute(db.select(Job).filter_by(key=key)).scalar_one_or_none()


def last(prefix: str) -> Job | None:
    """The latest job whose key starts with `prefix` (a session's batches of certificates)."""
    return db.session.execute(
        db.select(Job)
        .filter(Job.key.startswith(prefix, autoescape=True))
        .order_by(Job.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def enqueue(kind: JobKind, args: dict, actor, key: str) -> Job:
    """The job of this key: created (queued, to run after the caller's commit) unless one was
    asked with the same key already, then that one. Inside the caller's transaction: the
    insert waits for a concurrent one with the same key and then yields to it."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = db.session.execute(
        dialect.insert(Job)
        .values(
            kind=kind,
            args=args,
            requested_by_id=actor.id if actor is not None else None,
            state=JobState.queued,
            progress_done=0,
            progress_total=0,
            message="",
            error="",
            attempts=0,
            completed=[],
            key=key,
            created_at=utcnow(),
            queued_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Job.id)
    ).scalar_one_or_none()
    if inserted is not None:
        _to_dispatch(db.session()).append(inserted)
    return by_key(key)


def retry(job: Job) -> None:
    """A failed or interrupted job queued again (its error kept until it runs): it runs after
    the commit and does only what it had not done. Refused otherwise."""
    changed = db.session.execute(
        update(Job)
        .where(Job.id == job.id, (Job.state == JobState.failed) | Job.interrupted)
        .values(state=JobState.queued, finished_at=None, queued_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(job)
    if not changed:
        raise JobError("not failed")
    _to_dispatch(db.session()).append(job.id)


class JobError(ValueError):
    """A job that cannot be retried (neither failed nor interrupted)."""


# --- after the commit: to RQ, or run at once --------------------------------------------------

_PENDING = "cdess_jobs"


def _to_dispatch(session: Session) -> list[int]:
    return session.info.setdefault(_PENDING, [])


@event.listens_for(Session, "after_commit")
def _dispatch(session) -> None:
    pending = session.info.pop(_PENDING, [])
    for job_id in pending:
        dispatch(job_id)


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_PENDING, None)


def dispatch(job_id: int) -> None:
    """Hand a committed, queued job to RQ when configured, else run it now. Never raises: the
    change that asked for it is committed."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        perform(job_id)
        return
    try:
        queue(url).enqueue_call(
            "cdess.jobs.services.perform",
            args=(job_id,),
            timeout=TIMEOUT,
            result_ttl=0,
            failure_ttl=7 * 24 * 3600,
            description=f"cdess job {job_id}",
        )
    except Exception as error:  # Redis down: the job fails, to be retried
        log.exception("Job %s not queued", job_id)
        _record_failure(current_app._get_current_object(), job_id, error)


def queue(url: str):
    """RQ's queue `cdess` on the Redis at `url`, one connection per application."""
    from redis import Redis
    from rq import Queue

    connections = current_app.extensions.setdefault("cdess.jobs.redis", {})
    if url not in connections:
        connections[url] = Redis.from_url(url)
    return Queue(QUEUE, connection=connections[url])


# --- running ----------------------------------------------------------------------------------


def perform(job_id: int) -> None:
    """Run the job in its own application context and session: queued → running (once), the
    work, → done; an error → failed, with its text. Never raises."""
    app = current_app._get_current_object()  # a request, `flask worker`, a test
    with app.app_context():
        try:
            started = db.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.queued)
                .values(
                    state=JobState.running,
                    started_at=utcnow(),
                    attempts=Job.attempts + 1,
                    error="",
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            if not started:
                return  # running elsewhere, or over
            job = db.session.get(Job, job_id)
            WORKS[job.kind].run(job)
            job.state, job.finished_at = JobState.done, utcnow()
            job.progress_done = max(job.progress_done, job.progress_total)
            db.session.commit()
        except Exception as error:  # any failure is the job's, kept on it
            db.session.rollback()
            log.exception("Job %s failed", job_id)
            _record_failure(app, job_id, error)


def _record_failure(app, job_id: int, error: Exception) -> None:
    """The job failed, with the error's text for the secretariat (never raises: the database
    itself failing, the job stays as it was, and the log says why)."""
    try:
        _mark_failed(app, job_id, error)
    except Exception:  # the database unreachable too
        log.exception("Job %s: its failure not recorded", job_id)


def _mark_failed(app, job_id: int, error: Exception) -> None:
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None:
            return
        now = utcnow()
        job.state = JobState.failed
        job.started_at = job.started_at or now
        job.finished_at = now
        job.error = (f"{type(error).__name__}: {error}".strip())[:4000]
        db.session.commit()


# --- what the work records --------------------------------------------------------------------


def say(job: Job, message: str) -> None:
    """The job's message: a French text marked with `N_` (with its values), shown translated."""
    if isinstance(message, Message):
        job.message, job.message_values = message.msgid, dict(message.values)
    else:
        job.message, job.message_values = str(message), None


def step(
    job: Job,
    *,
    done: int | None = None,
    total: int | None = None,
    completed: object = None,
    message: str | None = None,
) -> None:
    """Record the job's progress (and what it just completed, kept for a retry), with whatever
    the work changed in the session, in one commit: the page shows it at once."""
    if total is not None:
        job.progress_total = total
    if done is not None:
        job.progress_done = done
    if completed is not None:
        job.completed = [*job.completed, completed]
    if message is not None:
        say(job, message)
    db.session.commit()


def actor(job: Job):
    """Who asked for the job, who the work acts as (gone: the job fails with that reason)."""
    if job.requested_by is None:
        raise LookupError("the account that asked for this job is gone")
    return job.requested_by


def finish(job: Job, endpoint: str | None = None, **args) -> None:
    """Where the job's result is: an endpoint and its arguments (the link of its page)."""
    job.result_endpoint, job.result_args = endpoint, args or None


# A letter the mail server refused: `notifications.send` kept it in outbox/non-envoyes/ for a
# person to send, so a retry does not send it again; it is not counted as delivered.
KEPT = "kept:"


def deliver(job: Job, letters: Iterable[tuple[str, Callable[[], bool]]]) -> int:
    """Send the letters (key, post: builds and sends, says whether delivered) the job has not
    sent yet, each recorded in its own commit, as delivered or as kept (`KEPT`): a retry sends
    only the rest. The number delivered by this run."""
    letters = list(letters)
    done = {entry.removeprefix(KEPT) for entry in job.completed}
    step(job, total=len(letters), done=sum(key in done for key, _post in letters))
    delivered = 0
    for key, post in letters:
        if key in done:
            continue
        sent = post()
        delivered += sent
        step(job, done=job.progress_done + 1, completed=key if sent else KEPT + key)
    return delivered


def delivered_and_kept(job: Job) -> tuple[int, int]:
    """Of a mailing job's letters so far, how many were delivered and how many kept."""
    kept = sum(entry.startswith(KEPT) for entry in job.completed)
    return len(job.completed) - kept, kept


# --- reading ----------------------------------------------------------------------------------


def version(job: Job) -> str:
    """What the progress page shows of a job, in one short string (its ETag): its state,
    attempts, progress and message."""
    digest = zlib.crc32(job.message.encode())
    state = "interrupted" if job.interrupted else job.state.value
    return f"j{job.id}-{state}-a{job.attempts}-{job.progress_done}.{job.progress_total}-{digest:x}"
