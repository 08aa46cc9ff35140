"""Self-assessment: one page per principle, results, history, PDF report; the anonymous
quick self-diagnostic."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess import signals
from cdess.assessments import peers, queries, services
from cdess.assessments.models import Assessment
from cdess.assessments.permissions import (
    can_fill_assessment,
    can_start_assessment,
    can_take_quick_diagnostic,
    can_view_assessment,
)
from cdess.assessments.radar import radar_svg
from cdess.charter import services as charter_services
from cdess.extensions import db
from cdess.structures.models import Structure
from cdess.structures.permissions import can_view_structure
from cdess.web.navigation import add_entry
from cdess.web.pdf import render_pdf
from cdess.web.permissions import authenticated, permission_required, require

bp = Blueprint("assessments", __name__)
add_entry(bp, "assessments.quick", _l("Autodiagnostic"), can_take_quick_diagnostic, order=50)

QUICK_KEY = "quick_answers"


@signals.structure_page.connect
def _structure_assessments(structure: Structure, **_kwargs) -> dict:
    """A structure's page knows its last finished self-assessment and the one in progress (for
    the « Candidater au label » offer)."""
    return {
        "finished_assessment": queries.last_finished(structure),
        "assessment_in_progress": queries.in_progress(structure),
    }


def _load(assessment_id: int) -> Assessment:
    assessment = db.get_or_404(Assessment, assessment_id)
    require(can_view_assessment(current_user, assessment))
    return assessment


def _applicable(criteria, family: str):
    return [c for c in criteria if c.applies_to(family)]


@bp.get("/structures/<int:structure_id>/auto-evaluations")
@permission_required(authenticated)
def history(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_view_structure(current_user, structure))
    return render_template(
        "assessments/history.html",
        structure=structure,
        assessments=queries.history(structure),
        current=queries.in_progress(structure),
        can_start=can_start_assessment(current_user, structure),
    )


@bp.post("/structures/<int:structure_id>/auto-evaluations")
@permission_required(authenticated)
def start(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_start_assessment(current_user, structure))
    carried = session.pop(QUICK_KEY, None) if request.form.get("from_quick") else None
    try:
        assessment = services.start(
            structure,
            current_user,
            copy_last=bool(request.form.get("copy_last")),
            initial_answers=carried,
        )
    except services.AssessmentError as error:
        flash(str(error), "error")
        return redirect(url_for("assessments.history", structure_id=structure.id))
    db.session.commit()
    first = assessment.version.principles[0].code
    return redirect(url_for("assessments.principle", assessment_id=assessment.id, code=first))


@bp.route("/auto-evaluations/<int:assessment_id>/principes/<code>", methods=["GET", "POST"])
@permission_required(authenticated)
def principle(assessment_id: int, code: str):
    assessment = _load(assessment_id)
    principles = assessment.version.principles
    index = next((i for i, p in enumerate(principles) if p.code == code), None)
    if index is None:
        abort(404)
    current = principles[index]
    criteria = _applicable(current.criteria, assessment.family.value)
    errors: dict[str, str] = {}
    submitted: dict[str, str] = {}
    if request.method == "POST":
        require(can_fill_assessment(current_user, assessment))
        for criterion in criteria:
            submitted[criterion.code] = request.form.get(f"c-{criterion.code}", "")
        errors = services.save_answers(
            assessment, [(c, submitted[c.code]) for c in criteria]
        )  # the valid answers are kept; the others come back with a message
        if not errors:
            if request.form.get("next") and index + 1 < len(principles):
                return redirect(
                    url_for(
                        "assessments.principle",
                        assessment_id=assessment.id,
                        code=principles[index + 1].code,
                    )
                )
            if request.form.get("next"):
                return redirect(url_for("assessments.result", assessment_id=assessment.id))
            flash(_("Réponses enregistrées."), "success")
            return redirect(request.path)
    values = services.answers_by_code(assessment)
    shown = {
        c.code: submitted.get(c.code, services.form_value(c, values.get(c.code))) for c in criteria
    }
    return render_template(
        "assessments/principle.html",
        assessment=assessment,
        principles=principles,
        index=index,
        principle=current,
        criteria=criteria,
        values=shown,
        errors=errors,
        editable=can_fill_assessment(current_user, assessment),
        missing=services.missing(assessment),
    ), (422 if errors else 200)


@bp.post("/auto-evaluations/<int:assessment_id>/reponse")
@permission_required(authenticated)
def autosave(assessment_id: int):
    """One answer saved as it is typed (small script); the page works without it."""
    assessment = _load(assessment_id)
    require(can_fill_assessment(current_user, assessment))
    code = request.form.get("code", "")
    criterion = next((c for c in assessment.version.criteria if c.code == code), None)
    if criterion is None:
        abort(404)
    errors = services.save_answers(assessment, [(criterion, request.form.get("value", ""))])
    if errors:
        return jsonify(error=errors[criterion.code]), 422
    return jsonify(saved=True, missing=len(services.missing(assessment)))


def _radar(data: dict, previous: list[float | None] | None = None) -> str:
    """The result's principle scores drawn as a radar, with their text for screen readers."""
    titles = [(p["title"], p["score"]) for p in data["principles"]]
    description = "; ".join(
        f"{title} : {'—' if score is None else round(score)}" for title, score in titles
    )
    return radar_svg(
        titles,
        title=_("Scores par principe (sur 100)"),
        description=description,
        previous=previous,
        legend=(_("Cette auto-évaluation"), _("Auto-évaluation précédente (pointillés)")),
        scale_note=_("Cercles : 20, 40, 60, 80 et 100 points"),
    )


def _result_context(assessment: Assessment) -> dict:
    data = services.result_data(assessment)
    previous = queries.last_finished(assessment.structure, before=assessment)
    comparison = (
        services.compare(
            previous.result,
            data,
            services.answers_by_code(previous),
            services.answers_by_code(assessment),
            before_version=previous.version,
            after_version=assessment.version,
        )
        if previous
        else None
    )
    criteria = {c.code: c for c in assessment.version.criteria}
    before = (
        [
            next(
                (q["score"] for q in previous.result["principles"] if q["code"] == p["code"]), None
            )
            for p in data["principles"]
        ]
        if previous
        else None
    )
    return {
        "assessment": assessment,
        "data": data,
        "criteria": criteria,
        "previous": previous,
        "comparison": comparison,
        "radar": _radar(data, previous=before),
        "version": assessment.version,
    }


def _peers(assessment: Assessment, data: dict) -> list[peers.GroupComparison]:
    """The structure's principle scores beside the medians of its labelled peers, by family and
    by EPCI (the domains above send their scores; groups under 5 are only named)."""
    groups = signals.gathered(signals.assessment_result, assessment).get("peer_groups", [])
    principles = [(p["code"], p["title"], p["score"]) for p in data["principles"]]
    return [peers.compare_group(kind, name, principles, scores) for kind, name, scores in groups]


@bp.get("/auto-evaluations/<int:assessment_id>")
@permission_required(authenticated)
def result(assessment_id: int):
    assessment = _load(assessment_id)
    context = _result_context(assessment)
    return render_template(
        "assessments/result.html",
        editable=can_fill_assessment(current_user, assessment),
        missing=services.missing(assessment),
        peer_groups=_peers(assessment, context["data"]),
        peer_floor=peers.MIN_GROUP,
        **context,
    )


@bp.post("/auto-evaluations/<int:assessment_id>/terminer")
@permission_required(authenticated)
def finish(assessment_id: int):
    assessment = _load(assessment_id)
    require(can_fill_assessment(current_user, assessment))
    try:
        services.finish(assessment)
    except services.AssessmentError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Auto-évaluation terminée : son résultat est conservé."), "success")
    return redirect(url_for("assessments.result", assessment_id=assessment.id))


@bp.get("/auto-evaluations/<int:assessment_id>/rapport.pdf")
@permission_required(authenticated)
def report(assessment_id: int):
    assessment = _load(assessment_id)
    context = _result_context(assessment)
    answers = services.answers_by_code(assessment)
    context["answers"] = {
        code: services.display_value(context["criteria"][code], value)
        for code, value in answers.items()
    }
    pdf = render_pdf("assessments/report_pdf.html", **context)
    filename = f"auto-evaluation-{assessment.id}.pdf"
    return (
        pdf,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


# --- anonymous quick self-diagnostic ---------------------------------------------------------


@bp.route("/autodiagnostic", methods=["GET", "POST"])
def quick():
    """About ten questions (the quick set, services.quick_codes), a result that says what it
    means, and the full self-assessment offered with the answers carried over."""
    version = charter_services.published_version()
    if version is None:
        abort(404)
    family = services.quick_family(request.values.get("family"))
    quick = services.QuickDiagnostic()
    if request.method == "POST":
        quick = services.quick_diagnostic(version, family, request.form)
        if quick.result is not None:
            session[QUICK_KEY] = quick.answers  # carried into a first assessment after registering
    return render_template(
        "assessments/quick.html",
        version=version,
        family=family,
        criteria=services.quick_criteria(version, family),
        full_count=sum(1 for c in version.criteria if c.scored),
        quick=quick,
        values=quick.values,
        errors=quick.errors,
        result=quick.result,
        radar=_radar(quick.result) if quick.result else None,
    ), (422 if quick.errors else 200)
