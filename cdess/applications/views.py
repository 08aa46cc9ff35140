"""Applications: the applicant's file and its timeline, the secretariat's queue and review."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess import signals
from cdess.applications import evidence, queries, services, verification, workflow
from cdess.applications.forms import NoteForm, ObjectiveForm
from cdess.applications.models import Application, Document, DocumentKind, Kind, Objective, State
from cdess.applications.permissions import (
    can_apply_for,
    can_make,
    can_review_applications,
    can_verify_answers,
    can_view_application,
)
from cdess.assessments.models import Assessment
from cdess.extensions import db, limiter
from cdess.structures.models import Structure
from cdess.web import TOO_LARGE_HANDLERS, spreadsheet
from cdess.web.files import send_stored
from cdess.web.forms import strip
from cdess.web.navigation import add_entry
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import form_int, query_arg, year_choices

bp = Blueprint("applications", __name__)
add_entry(bp, "applications.queue", _l("Candidatures"), can_review_applications, order=80)


@signals.structure_page.connect
def _structure_files(structure: Structure, **_kwargs) -> dict:
    """A structure's page lists its applications, newest first, and the one still open."""
    return {
        "applications": list(reversed(structure.applications)),
        "open_application": services.open_application(structure),
    }


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
    return _page(_load(application_id))


def _page(application: Application, status: int = 200, **context):
    """The application's page; forms that failed come back through `context` with their
    errors and values."""
    applicant = can_apply_for(current_user, application.structure)
    staff = can_review_applications(current_user)
    page = queries.file_page(application, current_user, applicant=applicant, staff=staff)
    if page["editable"] and "objective_form" not in context:
        context["objective_form"] = _objective_form(application, formdata=None)
    if staff and "note_form" not in context:
        context["note_form"] = NoteForm(prefix="note", formdata=None)
    return render_template(
        "applications/show.html",
        **page,
        # what the domains above know of it: its label's certificate
        **signals.gathered(signals.application_page, application),
        upload_errors=context.pop("upload_errors", {}),
        upload_values=context.pop("upload_values", {}),
        outcome_errors=context.pop("outcome_errors", {}),
        **context,
    ), status


def _objective_form(application: Application, formdata=...) -> ObjectiveForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = ObjectiveForm(prefix="objectif", **kwargs)
    taken = {o.criterion_code for o in application.objectives}
    questions = queries.criterion_questions(application)
    form.criterion.choices = [("", _("— choisir —"))] + [
        (code, f"{code} — {questions.get(code, '')}"[:140])
        for code in (c["code"] for c in services.unmet_criteria(application))
        if code not in taken
    ]
    return form


def _back(application: Application, anchor: str | None = None):
    return redirect(url_for("applications.show", application_id=application.id, _anchor=anchor))


def _load_editable(application_id: int) -> Application:
    application = _load(application_id)
    require(can_apply_for(current_user, application.structure))
    return application


@bp.post("/candidatures/<int:application_id>/auto-evaluation")
@permission_required(authenticated)
def attach(application_id: int):
    application = _load(application_id)
    require(can_apply_for(current_user, application.structure))
    assessment = db.session.get(Assessment, form_int("assessment_id") or 0)
    try:
        if assessment is None:
            raise services.ApplicationError(_("Choisissez une auto-évaluation terminée."))
        services.attach_assessment(application, assessment, current_user)
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
    if transition.made_by:
        abort(403)  # the council decides by its vote; the agenda is planned with the session
    if action == "certify":  # issuing makes the certificate: its own route, form kept
        return redirect(url_for("certificates.issue", application_id=application.id), 307)
    require(can_make(current_user, application, transition))
    comment = request.form.get("comment", "")[:4000]
    try:
        services.transition(application, action, current_user, comment)
    except workflow.TransitionError as error:
        db.session.rollback()
        for problem in error.problems:
            flash(str(problem), "error")
    else:
        db.session.commit()  # the transition's emails leave once it is committed
        flash(
            _(
                "C'est fait : la candidature est maintenant « %(state)s ».",
                state=application.state.label,
            ),
            "success",
        )
    return _back(application)


# --- documents --------------------------------------------------------------------------------


def _slot(application: Application, key: str) -> tuple[DocumentKind, str]:
    if key == DocumentKind.other.value:
        return DocumentKind.other, ""
    for slot in evidence.slots(application):
        if slot.key == key:
            return slot.kind, slot.criterion_code
    abort(400)


@bp.post("/candidatures/<int:application_id>/pieces")
@permission_required(authenticated)
@limiter.limit(  # per account (signed in by now), whatever the address
    lambda: current_app.config["RATELIMIT_UPLOAD"],
    key_func=lambda: f"upload/{current_user.id}",
)
def upload(application_id: int):
    application = _load_editable(application_id)
    key = request.form.get("slot", "")
    kind, code = _slot(application, key)
    title = strip(request.form.get("title", ""))
    if not services.editable(application):
        flash(_("Le dossier n'est plus modifiable."), "error")
        return _back(application)
    try:
        if kind is DocumentKind.other and not title:
            raise evidence.UploadError(_("Donnez un intitulé à cette pièce."))
        document, replaced = evidence.store(
            application, request.files.get("file"), current_user, kind, code, title
        )
    except evidence.UploadError as error:
        db.session.rollback()
        return _page(
            application,
            status=error.status,
            upload_errors={key: str(error)},
            upload_values={"title": title},
        )
    db.session.commit()
    evidence.discard(replaced)
    flash(_("Pièce « %(name)s » enregistrée.", name=document.original_name), "success")
    return _back(application, "pieces")


def _too_large(application_id: int):
    """The body was too large to be read at all: the page comes back with the message."""
    application = _load_editable(application_id)
    limit = current_app.config["EVIDENCE_MAX_FILE_BYTES"] / (1024 * 1024)
    message = _("Le fichier dépasse la taille autorisée (%(mb)s Mo).", mb=format_decimal(limit))
    return _page(application, status=413, upload_errors={"*": message})


TOO_LARGE_HANDLERS["applications.upload"] = _too_large


def _document(application: Application, document_id: int) -> Document:
    document = db.get_or_404(Document, document_id)
    if document.application_id != application.id:
        abort(404)
    return document


@bp.get("/candidatures/<int:application_id>/pieces/<int:document_id>")
@permission_required(authenticated)
def download(application_id: int, document_id: int):
    document = _document(_load(application_id), document_id)
    return send_stored(document.stored_name, document.content_type, document.original_name)


@bp.post("/candidatures/<int:application_id>/pieces/<int:document_id>/suppression")
@permission_required(authenticated)
def remove_document(application_id: int, document_id: int):
    application = _load_editable(application_id)
    document = _document(application, document_id)
    if not services.editable(application):
        flash(_("Le dossier n'est plus modifiable."), "error")
        return _back(application)
    name = document.original_name
    stored = evidence.remove(application, document, current_user)
    db.session.commit()
    evidence.discard([stored])
    flash(_("Pièce « %(name)s » retirée.", name=name), "success")
    return _back(application, "pieces")


# --- progress objectives ----------------------------------------------------------------------


@bp.post("/candidatures/<int:application_id>/objectifs")
@permission_required(authenticated)
def add_objective(application_id: int):
    application = _load_editable(application_id)
    form = _objective_form(application)
    if form.validate():
        try:
            services.add_objective(
                application, form.criterion.data, form.target_date.data, form.text.data
            )
        except services.ApplicationError as error:
            db.session.rollback()
            form.target_date.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Objectif de progrès ajouté."), "success")
            return _back(application, "objectifs")
    return _page(application, status=400, objective_form=form)


def _objective(application: Application, objective_id: int, owner_id: int) -> Objective:
    objective = db.get_or_404(Objective, objective_id)
    if objective.application_id != owner_id:
        abort(404)
    return objective


@bp.post("/candidatures/<int:application_id>/objectifs/<int:objective_id>/suppression")
@permission_required(authenticated)
def remove_objective(application_id: int, objective_id: int):
    application = _load_editable(application_id)
    objective = _objective(application, objective_id, application.id)
    try:
        services.remove_objective(application, objective)
    except services.ApplicationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Objectif retiré."), "success")
    return _back(application, "objectifs")


@bp.post("/candidatures/<int:application_id>/objectifs/<int:objective_id>/bilan")
@permission_required(authenticated)
def report_objective(application_id: int, objective_id: int):
    application = _load_editable(application_id)
    objective = _objective(application, objective_id, application.previous_id or 0)
    outcome = strip(request.form.get("outcome", ""))
    if not outcome or len(outcome) > 2000:
        message = _("Écrivez le bilan de cet objectif (2 000 caractères au plus).")
        return _page(application, status=400, outcome_errors={objective.id: (message, outcome)})
    try:
        services.report_objective(application, objective, outcome)
    except services.ApplicationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Bilan enregistré."), "success")
    return _back(application, "bilan")


# --- renewal ----------------------------------------------------------------------------------


@bp.post("/candidatures/<int:application_id>/renouvellement")
@permission_required(authenticated)
def renew(application_id: int):
    previous = _load_editable(application_id)
    try:
        application = services.renew(previous, current_user)
    except (services.ApplicationError, services.assessments.AssessmentError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(previous)
    db.session.commit()
    flash(
        _(
            "Renouvellement ouvert : l'auto-évaluation reprend vos dernières réponses ; "
            "mettez-la à jour puis joignez-la au dossier."
        ),
        "success",
    )
    return _back(application)


# --- answers verified against the evidence ----------------------------------------------------


@bp.get("/candidatures/<int:application_id>/reponses")
@permission_required(authenticated)
def answers(application_id: int):
    return _answers_page(_load(application_id))


def _answers_page(application: Application, status: int = 200, errors=None, values=None):
    """Criterion by criterion: the applicant's answer, its check, the correction's form."""
    if application.snapshot is None:
        abort(404)  # a draft has nothing to verify
    assessment = application.assessment
    criteria = {c.code: c for c in assessment.version.criteria}
    charter = verification.charter_of(application)
    return render_template(
        "applications/answers.html",
        application=application,
        principles=assessment.version.principles,
        checkable={c.code for c in verification.to_check(application)},
        criteria=criteria,
        answers=verification.applicant_answers(application),
        checks=verification.checks_by_code(application),
        display=services.assessments.display_value,
        form_value=services.assessments.form_value,
        self_result=application.snapshot["result"],
        self_obstacles=verification.describe(charter, application.snapshot["result"]),
        verified=application.verified_result,
        verified_obstacles=verification.verified_obstacles(application),
        unverified=verification.unverified(application),
        can_verify=can_verify_answers(current_user, application),
        errors=errors or {},
        values=values or {},
    ), status


@bp.post("/candidatures/<int:application_id>/reponses/<code>")
@permission_required(authenticated)
def check_answer(application_id: int, code: str):
    application = _load(application_id)
    require(can_verify_answers(current_user, application))
    decision = request.form.get("decision", "")
    raw, reason = request.form.get("value", "")[:4000], request.form.get("reason", "")[:4000]
    try:
        if decision == "confirm":
            verification.confirm(application, code[:20], current_user)
            message = _("Réponse %(code)s confirmée.", code=code)
        elif decision == "correct":
            verification.correct(application, code[:20], current_user, raw, reason)
            message = _("Réponse %(code)s corrigée.", code=code)
        else:
            abort(400)
    except verification.VerificationError as error:
        db.session.rollback()
        return _answers_page(
            application,
            status=400,
            errors={code: {error.field or "value": str(error)}},
            values={code: {"value": raw, "reason": reason}},
        )
    db.session.commit()
    flash(message, "success")
    return redirect(
        url_for("applications.answers", application_id=application.id, _anchor=f"r-{code}")
    )


@bp.post("/candidatures/<int:application_id>/reponses")
@permission_required(authenticated)
def confirm_remaining(application_id: int):
    application = _load(application_id)
    require(can_verify_answers(current_user, application))
    try:
        count = verification.confirm_remaining(application, current_user)
    except verification.VerificationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(n)s réponse(s) confirmée(s).", n=count), "success")
    return redirect(url_for("applications.answers", application_id=application.id))


# --- secretariat ------------------------------------------------------------------------------


@bp.post("/candidatures/<int:application_id>/notes")
@permission_required(can_review_applications)
def add_note(application_id: int):
    application = _load(application_id)
    form = NoteForm(prefix="note")
    if not form.validate():
        return _page(application, status=400, note_form=form)
    services.add_note(application, current_user, form.text.data)
    db.session.commit()
    flash(_("Note enregistrée."), "success")
    return _back(application, "notes")


@bp.post("/candidatures/<int:application_id>/verification")
@permission_required(can_review_applications)
def checklist(application_id: int):
    application = _load(application_id)
    try:
        services.set_checklist(application, set(request.form.getlist("items")), current_user)
    except services.ApplicationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Vérification enregistrée."), "success")
    return _back(application, "verification")


def _queue_filters() -> dict[str, str]:
    return {
        "state": query_arg("state"),
        "family": query_arg("family"),
        "epci": query_arg("epci"),
        "kind": query_arg("kind"),
        "q": query_arg("q", queries.SEARCH_LENGTH),
        "annee": query_arg("annee", 4),
        "decision": query_arg("decision", 10),
    }


@bp.get("/secretariat/candidatures")
@permission_required(can_review_applications)
def queue():
    filters = _queue_filters()
    page, counts = queries.queue(filters)
    return render_template(
        "applications/queue.html",
        page=page,
        filters=filters,
        counts=counts,
        states=list(State),
        kinds=list(Kind),
        years=year_choices(),
        decision_years=[(queries.ANY_YEAR, _("Toutes les années")), *year_choices()],
    )


@bp.get("/secretariat/candidatures.<any(csv, xlsx):fmt>")
@permission_required(can_review_applications)
def queue_export(fmt: str):
    """The queue as a spreadsheet, with the queue's filters."""
    header, rows = queries.queue_export(_queue_filters())
    return spreadsheet.answer(fmt, "candidatures", header, rows)
