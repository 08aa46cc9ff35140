"""Structures: the applicant's own, registering and editing one, the secretariat's list."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_

from cdess import territories
from cdess.accounts.models import Role
from cdess.accounts.services import find_user
from cdess.extensions import db
from cdess.structures import services
from cdess.structures.forms import AddMemberForm, StructureForm
from cdess.structures.models import Family, Structure
from cdess.structures.permissions import (
    can_create_structure,
    can_edit_structure,
    can_list_structures,
    can_view_structure,
)
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import escape_like, query_arg

bp = Blueprint("structures", __name__, url_prefix="/structures")


@bp.get("/")
@permission_required(can_list_structures)
def index():
    filters = {
        "q": query_arg("q"),
        "epci": query_arg("epci"),
        "family": query_arg("family"),
        "commune": query_arg("commune"),
    }
    stmt = db.select(Structure).order_by(func.lower(Structure.name), Structure.id)
    if filters["q"]:
        like = "%" + escape_like(filters["q"].lower()) + "%"
        ident = filters["q"].replace(" ", "").upper()
        stmt = stmt.where(
            or_(
                func.lower(Structure.name).like(like, escape="\\"),
                Structure.siret == ident,
                Structure.siren == ident,
                Structure.rna == ident,
            )
        )
    if territories.epci(filters["epci"]):
        stmt = stmt.where(Structure.epci_code == filters["epci"])
    if filters["family"] in {f.value for f in Family}:
        stmt = stmt.where(Structure.family == Family(filters["family"]))
    if territories.commune(filters["commune"]):
        stmt = stmt.where(Structure.commune_code == filters["commune"])
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("structures/index.html", page=page, filters=filters)


@bp.get("/mes-structures")
@permission_required(authenticated)
def mine():
    return render_template("structures/mine.html", structures=current_user.structures)


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
            flash(_("La structure « %(name)s » est enregistrée.", name=structure.name), "success")
            return redirect(url_for("structures.show", structure_id=structure.id))
    return render_template("structures/form.html", form=form, structure=None)


@bp.get("/<int:structure_id>")
@permission_required(authenticated)
def show(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_view_structure(current_user, structure))
    return render_template("structures/show.html", structure=structure, member_form=AddMemberForm())


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
        user = find_user(form.email.data)
        if user is None or not user.has_role(Role.applicant):
            form.email.errors.append(
                _(
                    "Aucun compte porteur de projet n'existe pour cette adresse : la personne doit "
                    "d'abord créer son compte."
                )
            )
        else:
            try:
                services.add_member(structure, user, current_user)
            except services.StructureError as error:
                form.email.errors.append(str(error))
            else:
                db.session.commit()
                flash(
                    _("%(name)s peut maintenant agir pour la structure.", name=user.display_name),
                    "success",
                )
                return redirect(url_for("structures.show", structure_id=structure.id))
    return render_template("structures/show.html", structure=structure, member_form=form)


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
