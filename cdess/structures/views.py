"""Structures: the applicant's own, registering and editing one, inviting people to act for
it, the secretariat's list."""

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdess import signals
from cdess.extensions import db
from cdess.structures import invitations, queries, services
from cdess.structures.forms import AddMemberForm, StructureForm
from cdess.structures.identity import LEGAL_FORMS
from cdess.structures.models import Family, Structure
from cdess.structures.permissions import (
    can_act_for,
    can_create_structure,
    can_edit_structure,
    can_list_structures,
    can_view_structure,
)
from cdess.web import spreadsheet
from cdess.web.navigation import add_entry
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg

bp = Blueprint("structures", __name__, url_prefix="/structures")
add_entry(bp, "structures.mine", _l("Mes structures"), can_create_structure, order=60)
add_entry(bp, "structures.index", _l("Structures"), can_list_structures, order=70)
for _name, _value in {
    "Family": Family,
    "legal_forms": LEGAL_FORMS,
    "can_act_for": can_act_for,
    "can_create_structure": can_create_structure,
    "can_list_structures": can_list_structures,
}.items():
    bp.add_app_template_global(_value, _name)


def _list_filters() -> dict[str, str]:
    return {
        "q": query_arg("q"),
        "epci": query_arg("epci"),
        "family": query_arg("family"),
        "commune": query_arg("commune"),
    }


@bp.get("/")
@permission_required(can_list_structures)
def index():
    filters = _list_filters()
    page = queries.structures_page(filters)
    return render_template("structures/index.html", page=page, filters=filters)


@bp.get("/export.<any(csv, xlsx):fmt>")
@permission_required(can_list_structures)
def export(fmt: str):
    """The list as a spreadsheet, with the list's filters."""
    header, rows = queries.export(_list_filters())
    return spreadsheet.answer(fmt, "structures", header, rows)


@bp.get("/mes-structures")
@permission_required(authenticated)
def mine():
    return render_template("structures/mine.html", structures=queries.of_user(current_user.id))


@bp.route("/nouvelle", methods=["GET", "POST"])
@permission_required(can_create_structure)
def create():
    form = StructureForm()
    if form.validate_on_submit():
        try:
            structure = services.create_structure(form.identity_fields(), current_user)
        except services.StructureError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("La structure « %(name)s » est enregistrée.", name=structure.name), "success")
            return redirect(url_for("structures.show", structure_id=structure.id))
    return render_template("structures/form.html", form=form, structure=None)


@bp.get("/<int:structure_id>")
@permission_required(authenticated)
def show(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_view_structure(current_user, structure))
    return _page(structure, AddMemberForm())


@dataclass(frozen=True)
class ApplyOffer:
    """Whether « Candidater au label » is offered, and otherwise what comes first, in order:
    "running" (an application already runs: go to it), "sign" (sign the charter in force),
    "assess" (finish a self-assessment)."""

    offered: bool
    first: tuple[str, ...]


def apply_offer(*, signed: bool, finished: bool, running: bool) -> ApplyOffer:
    """The application rules as the structure's page offers them: one open application at a
    time (applications.services.create), and a file is submitted only with the charter in
    force signed and a finished self-assessment (applications.checks)."""
    if running:
        return ApplyOffer(False, ("running",))
    first = tuple(step for step, done in (("sign", signed), ("assess", finished)) if not done)
    return ApplyOffer(not first, first)


def _page(structure: Structure, member_form: AddMemberForm):
    # what the domains above show of it: its charter signature, assessments, applications
    shown = signals.gathered(signals.structure_page, structure)
    running = shown.get("open_application")  # given by the applications
    standing = shown.get("standing")
    offer = apply_offer(
        signed=shown.get("signature") is not None and bool(standing and standing.in_force),
        finished=shown.get("finished_assessment") is not None,
        running=running is not None,
    )
    return render_template(
        "structures/show.html",
        structure=structure,
        member_form=member_form,
        offer=offer,
        running=running,
        **shown,
    )


@bp.route("/<int:structure_id>/modifier", methods=["GET", "POST"])
@permission_required(authenticated)
def edit(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_edit_structure(current_user, structure))
    form = StructureForm(data=StructureForm.data_of(structure))
    if form.validate_on_submit():
        try:
            services.update_structure(structure, form.identity_fields(), current_user)
        except services.StructureError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Les informations de la structure sont enregistrées."), "success")
            return redirect(url_for("structures.show", structure_id=structure.id))
    return render_template("structures/form.html", form=form, structure=structure)


@bp.post("/<int:structure_id>/membres")
@permission_required(authenticated)
def add_member(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_edit_structure(current_user, structure))
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            invitations.invite(structure, form.email.data, current_user)
        except services.StructureError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            # The same answer whether or not the address has an account (no account probing).
            flash(
                _(
                    "Une invitation a été envoyée à %(email)s s'il existe un compte porteur de "
                    "projet à cette adresse. La personne agira pour la structure une fois "
                    "l'invitation acceptée.",
                    email=form.email.data,
                ),
                "success",
            )
            return redirect(url_for("structures.show", structure_id=structure.id))
    return _page(structure, form)


@bp.route("/rejoindre/<token>", methods=["GET", "POST"])
@permission_required(authenticated)
def join(token: str):
    """The invited person's page: what accepting means, then consent by a POST."""
    try:
        if request.method == "GET":
            invitation = invitations.read(token, current_user)
            return render_template("structures/join.html", invitation=invitation, token=token)
        membership = invitations.accept(token, current_user)
        db.session.commit()
    except invitations.InvitationRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("structures.mine"))
    except IntegrityError:  # a second click at the same moment: the first one joined
        db.session.rollback()
        flash(_("Cette invitation est déjà acceptée."), "success")
        return redirect(url_for("structures.mine"))
    flash(
        _(
            "Vous agissez maintenant pour la structure « %(name)s ».",
            name=membership.structure.name,
        ),
        "success",
    )
    return redirect(url_for("structures.show", structure_id=membership.structure_id))


@bp.post("/<int:structure_id>/membres/<int:user_id>/retirer")
@permission_required(authenticated)
def remove_member(structure_id: int, user_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_edit_structure(current_user, structure))
    member = next((m.user for m in structure.memberships if m.user_id == user_id), None)
    if member is None:
        return redirect(url_for("structures.show", structure_id=structure.id))
    try:
        services.remove_member(structure, member, current_user)
    except services.StructureError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s ne fait plus partie de la structure.", name=member.display_name), "success"
        )
    return redirect(url_for("structures.show", structure_id=structure.id))
