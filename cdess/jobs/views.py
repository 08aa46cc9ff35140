"""The progress page of a job (`/travaux/<id>`), its panel for the live panel's refresh
(`static/js/live.js`, the same poller: a 304 while nothing changed), and « Relancer »."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from cdess.accounts.models import User
from cdess.extensions import db
from cdess.jobs import services
from cdess.jobs.models import Job, JobState
from cdess.jobs.permissions import can_read_job_error, can_retry_job, can_view_job
from cdess.web.messages import translate
from cdess.web.permissions import authenticated, permission_required, require

bp = Blueprint("jobs", __name__)
bp.add_app_template_global(can_view_job, "can_view_job")
bp.add_app_template_global(services.by_key, "job_by_key")
bp.add_app_template_global(services.last, "last_job")


def _job(job_id: int) -> Job:
    """The job, with the name of who asked for it, in one statement; 403 unless one may see it."""
    job = db.session.execute(
        db.select(Job)
        .filter_by(id=job_id)
        .options(joinedload(Job.requested_by).load_only(User.display_name).lazyload(User.role_rows))
    ).scalar_one_or_none()
    if job is None:
        abort(404)
    require(can_view_job(current_user, job))
    return job


def message(job: Job) -> str:
    """The job's message in the reader's language."""
    if not job.message:
        return ""
    return (
        translate(job.message)
        if job.message_values is None
        else _(job.message, **job.message_values)
    )


def _context(job: Job) -> dict:
    work = services.WORKS[job.kind]
    result = None
    if job.state is JobState.done and job.result_endpoint:
        result = url_for(job.result_endpoint, **(job.result_args or {}))
    return {
        "job": job,
        "title": work.title(job),
        "message": message(job),
        "result": result,
        "result_label": work.result_label,
        "error": job.error if can_read_job_error(current_user, job) else "",
        "may_retry": can_retry_job(current_user, job),
    }


def _panel(job: Job, version: str):
    response = current_app.make_response(render_template("jobs/_panel.html", **_context(job)))
    response.set_etag(version, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/travaux/<int:job_id>")
@permission_required(authenticated)
def show(job_id: int):
    job = _job(job_id)
    return render_template("jobs/show.html", version=services.version(job), **_context(job))


@bp.get("/travaux/<int:job_id>/etat")
@permission_required(authenticated)
def state(job_id: int):
    """The panel alone, for the two-second refresh: 304 while the job shows the same."""
    job = _job(job_id)
    version = services.version(job)
    if not request.if_none_match.contains_weak(version):
        return _panel(job, version)
    response = current_app.response_class(status=304)
    response.set_etag(version, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/travaux/<int:job_id>/relancer")
@permission_required(authenticated)
def retry(job_id: int):
    """A failed or interrupted job queued again; it does only what it had not done."""
    job = _job(job_id)
    require(can_retry_job(current_user, job, check_state=False))
    target = url_for("jobs.show", job_id=job.id)
    try:
        services.retry(job)
    except services.JobError:
        db.session.rollback()
        flash(_("Ce travail n'est ni en échec ni interrompu : il n'y a rien à relancer."), "error")
        return redirect(target)
    db.session.commit()  # it runs after the commit (inline: done by now)
    flash(_("Travail relancé."), "success")
    return redirect(target)


def follow(job: Job, target: str, done=None, waiting: str | None = None):
    """After the commit that asked for a job: done (inline, or quick), its message (`done`, a
    text or a function of the job) and on to `target`; otherwise to its progress page, with
    `waiting` (or the failure)."""
    db.session.refresh(job)
    if job.state is JobState.done:
        text = done(job) if callable(done) else done
        if text:
            flash(text, "success")
        return redirect(target)
    if job.state is JobState.failed:
        flash(_("Ce travail a échoué : il peut être relancé depuis cette page."), "error")
    elif waiting:
        flash(waiting, "success")
    return redirect(url_for("jobs.show", job_id=job.id))
