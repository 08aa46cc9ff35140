"""The annual follow-up's pages: the structure files it; the secretariat's queue, a
follow-up's page and its decisions, the suspension proposal and the sample's draw."""

from datetime import date

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdess import territories
from cdess.applications import evidence
from cdess.audit.views import PAGES as journal_pages
from cdess.extensions import db
from cdess.followups import queries, services
from cdess.followups.forms import ActionForm, ComplementsForm, SuspensionForm, filing_from
from cdess.followups.models import FollowUp, FollowUpDocument, FollowUpState
from cdess.followups.permissions import (
    can_decide_followup,
    can_draw_sample,
    can_file_followup,
    can_list_followups,
    can_propose_suspension,
    can_view_followup,
)
from cdess.structures.models import Family
from cdess.web import spreadsheet
from cdess.web.files import send_stored
from cdess.web.formats import wallclock
from cdess.web.navigation import add_entry
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg, year_choices

bp = Blueprint("followups", __name__)
add_entry(bp, "followups.queue", _l("Suivis annuels"), can_list_followups, order=102)
bp.add_app_template_global(can_list_followups, "can_list_followups")
# The journal's entries about a follow-up link to its page.
journal_pages["followup"] = ("followups.show", "followup_id")


def _load(followup_id: int) -> FollowUp:
    followup = db.get_or_404(FollowUp, followup_id)
    require(can_view_followup(current_user, followup))
    return followup


# --- the secretariat's queue -----------------------------------------------------------------


def _filters() -> dict[str, str]:
    return {
        "etat": query_arg("etat", 20),
        "famille": query_arg("famille", 30),
        "epci": query_arg("epci", 9),
        "annee": query_arg("annee", 4),
    }


@bp.get("/secretariat/suivis")
@permission_required(can_list_followups)
def queue(code: int = 200, sample_error: str = ""):
    filters = _filters()
    year = date.today().year
    return render_template(
        "followups/queue.html",
        page=queries.queue_page(filters),
        counts=queries.counts(),
        flagged=queries.flagged_count(),
        filters=filters,
        states=list(FollowUpState),
        state_choices=[
            *({"value": s.value, "label": s.label} for s in FollowUpState),
            {"value": queries.ALL_STATES, "label": _("Tous les états")},
        ],
        years=year_choices(),
        families=list(Family),
        epcis=territories.epcis(),
        year=year,
        draw=services.sample_draw(year),
        rate=current_app.config["FOLLOWUP_SAMPLE_RATE"],
        sample_error=sample_error,
        can_draw=can_draw_sample(current_user),
    ), code


@bp.get("/secretariat/suivis.<any(csv, xlsx):fmt>")
@permission_required(can_list_followups)
def queue_export(fmt: str):
    """The queue as a spreadsheet, with the queue's filters."""
    header, rows = queries.queue_export(_filters())
    return spreadsheet.answer(fmt, "suivis-annuels", header, rows)


@bp.post("/secretariat/suivis/echantillon")
@permission_required(can_draw_sample)
def draw_sample():
    """The year's verification sample; a second draw the same year is refused."""
    if not ActionForm().validate():
        abort(400)
    try:
        draw = services.draw_sample(current_user)
        db.session.flush()
    except (services.FollowUpError, IntegrityError) as error:
        db.session.rollback()
        message = (
            str(error)
            if isinstance(error, services.FollowUpError)
            else _("L'échantillon %(y)s a déjà été tiré.", y=date.today().year)
        )
        return queue(code=400, sample_error=message)
    db.session.commit()  # the structures' emails leave with it
    flash(
        ngettext(
            "Échantillon %(y)s tiré : %(num)s structure sur %(t)s.",
            "Échantillon %(y)s tiré : %(num)s structures sur %(t)s.",
            len(draw.drawn),
            y=draw.year,
            t=len(draw.population),
        ),
        "success",
    )
    return redirect(url_for("followups.queue", etat=""))


# --- a follow-up's page ----------------------------------------------------------------------


def _page(followup: FollowUp, code: int = 200, **context):
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render_template(
        "followups/show.html",
        followup=followup,
        criteria=services.eliminatory_criteria(followup),
        objectives=services.objectives(followup),
        can_file=can_file_followup(current_user, followup),
        refusal=services.label_refusal(followup.certificate, date.today()),
        can_decide=can_decide_followup(current_user, followup),
        can_propose=can_propose_suspension(current_user, followup)
        and services.can_be_proposed(followup),
        complements_form=context.pop("complements_form", None) or ComplementsForm(formdata=None),
        suspension_form=context.pop("suspension_form", None) or SuspensionForm(formdata=None),
        session=services.next_session(),
        limit_mb=current_app.config["EVIDENCE_MAX_FILE_BYTES"] / (1024 * 1024),
        document_labels=evidence.GENERAL,
        **context,
    ), code


@bp.get("/suivis/<int:followup_id>")
@permission_required(authenticated)
def show(followup_id: int):
    return _page(_load(followup_id))


@bp.post("/suivis/<int:followup_id>")
@permission_required(authenticated)
def file(followup_id: int):
    """« Déposer le suivi »: refused with the form kept (answers and texts), each fault beside
    its field; the files, never kept by a browser, are chosen again."""
    followup = _load(followup_id)
    require(can_file_followup(current_user, followup, check_state=False))
    filing = filing_from(request.form, request.files, followup)
    try:
        replaced = services.file(followup, current_user, filing)
    except services.FollowUpError as error:
        db.session.rollback()
        if not error.errors:  # a refusal of the whole filing; a field's is shown beside it
            flash(str(error), "error")
        return _page(followup, error.status, errors=error.errors, values=request.form)
    db.session.commit()
    services.discard(replaced)
    flash(_("Suivi annuel déposé : le secrétariat va l'examiner."), "success")
    return redirect(url_for("followups.show", followup_id=followup.id))


@bp.get("/suivis/<int:followup_id>/pieces/<int:document_id>")
@permission_required(authenticated)
def download(followup_id: int, document_id: int):
    followup = _load(followup_id)
    document = db.get_or_404(FollowUpDocument, document_id)
    if document.followup_id != followup.id:
        abort(404)
    return send_stored(services.key_of(document), document.content_type, document.original_name)


@bp.post("/suivis/<int:followup_id>/acceptation")
@permission_required(can_decide_followup)
def accept(followup_id: int):
    followup = db.get_or_404(FollowUp, followup_id)
    if not ActionForm().validate():
        abort(400)
    try:
        services.accept(followup, current_user)
    except services.FollowUpError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _page(followup, 400)
    db.session.commit()  # the structure's email leaves with it
    flash(_("Suivi annuel accepté."), "success")
    return redirect(url_for("followups.show", followup_id=followup.id))


@bp.post("/suivis/<int:followup_id>/complements")
@permission_required(can_decide_followup)
def request_complements(followup_id: int):
    followup = db.get_or_404(FollowUp, followup_id)
    form = ComplementsForm()
    if not form.validate():
        return _page(followup, 400, complements_form=form)
    try:
        services.request_complements(followup, current_user, form.reason.data)
    except services.FollowUpError as error:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, str(error)]
        return _page(followup, 400, complements_form=form)
    db.session.commit()  # the structure's email leaves with it
    flash(_("Compléments demandés : la structure en est informée."), "success")
    return redirect(url_for("followups.show", followup_id=followup.id))


@bp.post("/suivis/<int:followup_id>/suspension")
@permission_required(can_propose_suspension)
def propose_suspension(followup_id: int):
    """« Proposer une suspension »: the proposal and its report on the next session's agenda."""
    followup = db.get_or_404(FollowUp, followup_id)
    form = SuspensionForm()
    if not form.validate():
        return _page(followup, 400, suspension_form=form)
    try:
        item = services.propose_suspension(followup, current_user, form.report.data)
    except services.FollowUpError as error:
        db.session.rollback()
        form.report.errors = [*form.report.errors, str(error)]
        return _page(followup, 400, suspension_form=form)
    db.session.commit()  # the structure's email leaves with it
    flash(
        _(
            "Proposition de suspension inscrite à l'ordre du jour de la séance du %(d)s.",
            d=wallclock(item.session.starts_at, "short"),
        ),
        "success",
    )
    return redirect(url_for("followups.show", followup_id=followup.id))
