"""Applications: the applicant's file and its timeline, the secretariat's queue and review."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func

from cdess import territories
from cdess.applications import services, workflow
from cdess.applications.models import Application, Kind, State
from cdess.applications.permissions import (
    can_apply_for,
    can_review_applications,
    can_view_application,
)
from cdess.assessments.models import Assessment, AssessmentStatus
from cdess.extensions import db
from cdess.structures.models import Family, Structure
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg

bp = Blueprint("applications", __name__)

STATE_LABELS = {
    State.draft: _l("brouillon"),
    State.submitted: _l("déposé"),
    State.incomplete: _l("à compléter"),
    State.admissible: _l("recevable"),
    State.scheduled: _l("inscrit à une séance"),
    State.granted: _l("label attribué"),
    State.refused: _l("refusé"),
    State.deferred: _l("ajourné"),
    State.certified: _l("certificat délivré"),
    State.withdrawn: _l("retiré"),
}


@bp.app_context_processor
def labels():
    return {
        "state_label": lambda state: str(STATE_LABELS[State(state)]),
        "kind_labels": {Kind.new: _("nouvelle demande"), Kind.renewal: _("renouvellement")},
    }


@bp.app_template_global()
def structure_applications(structure: Structure) -> list[Application]:
    return (
        db.session.execute(
            db.select(Application)
            .filter_by(structure_id=structure.id)
            .order_by(Application.id.desc())
        )
        .scalars()
        .all()
    )


def _load(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    require(can_view_application(current_user, application))
    return application


@bp.post("/structures/<int:structure_id>/candidatures")
@permission_required(authenticated)
def create(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_apply_for(current_user, structure))
    try:
        application = services.create(structure, current_user)
    except services.ApplicationError as error:
        flash(str(error), "error")
        return redirect(url_for("structures.show", structure_id=structure.id))
    db.session.commit()
    return redirect(url_for("applications.show", application_id=application.id))


@bp.get("/candidatures/<int:application_id>")
@permission_required(authenticated)
def show(application_id: int):
    application = _load(application_id)
    finished = (
        db.session.execute(
            db.select(Assessment)
            .filter_by(structure_id=application.structure_id, status=AssessmentStatus.finished)
            .order_by(Assessment.finished_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "applications/show.html",
        application=application,
        missing=services.missing(application),
        finished=finished,
        actions=workflow.allowed(current_user, application),
        editable=can_apply_for(current_user, application.structure)
        and application.state in (State.draft, State.incomplete),
    )


@bp.post("/candidatures/<int:application_id>/auto-evaluation")
@permission_required(authenticated)
def attach(application_id: int):
    application = _load(application_id)
    require(can_apply_for(current_user, application.structure))
    assessment = db.session.get(Assessment, request.form.get("assessment_id", type=int) or 0)
    try:
        if assessment is None:
            raise services.ApplicationError(_("Choisissez une auto-évaluation terminée."))
        services.attach_assessment(application, assessment)
    except services.ApplicationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Auto-évaluation rattachée au dossier."), "success")
    return redirect(url_for("applications.show", application_id=application.id))


@bp.post("/candidatures/<int:application_id>/actions/<action>")
@permission_required(authenticated)
def act(application_id: int, action: str):
    """Every change of state, for every role: the workflow decides what is allowed."""
    application = _load(application_id)
    transition = workflow.TRANSITIONS.get(action)
    if transition is None:
        abort(404)
    require(bool(transition.actors & workflow.actor_kinds(current_user, application)))
    comment = request.form.get("comment", "")[:4000]
    try:
        if action in ("submit", "resubmit"):
            services.submit(application, current_user)
        else:
            workflow.apply(application, action, current_user, comment)
    except workflow.TransitionError as error:
        db.session.rollback()
        for problem in error.problems:
            flash(str(problem), "error")
    else:
        db.session.commit()
        flash(
            _(
                "C'est fait : le dossier est maintenant « %(state)s ».",
                state=STATE_LABELS[application.state],
            ),
            "success",
        )
    return redirect(url_for("applications.show", application_id=application.id))


@bp.get("/secretariat/candidatures")
@permission_required(can_review_applications)
def queue():
    filters = {
        "state": query_arg("state"),
        "family": query_arg("family"),
        "epci": query_arg("epci"),
        "kind": query_arg("kind"),
    }
    # The same filters narrow the list and the counts per state (which ignore the state).
    conditions = []
    if filters["family"] in {f.value for f in Family}:
        conditions.append(Structure.family == Family(filters["family"]))
    if territories.epci(filters["epci"]):
        conditions.append(Structure.epci_code == filters["epci"])
    if filters["kind"] in {k.value for k in Kind}:
        conditions.append(Application.kind == Kind(filters["kind"]))
    counts_stmt = db.select(Application.state, func.count()).join(Structure).where(*conditions)
    if filters["state"] in {s.value for s in State}:
        conditions.append(Application.state == State(filters["state"]))
    stmt = (
        db.select(Application)
        .join(Structure)
        .where(*conditions)
        .order_by(Application.updated_at.desc(), Application.id.desc())
    )
    counts = dict(db.session.execute(counts_stmt.group_by(Application.state)).all())
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "applications/queue.html", page=page, filters=filters, counts=counts, states=list(State)
    )
