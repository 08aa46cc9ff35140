"""The pages of personal-data rights, on the accounts' blueprints: « Mes données » (the page
and its JSON download), « Supprimer mon compte », and the secretariat's export and erasure on
request from an account's administration page. No id in the person's own URLs: one gets only
one's own data, whatever the query says."""

import json

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from cdess.accounts.forms import DeleteAccountForm, EraseUserForm
from cdess.accounts.models import User
from cdess.accounts.permissions import can_erase_account, can_export_data, can_manage_users
from cdess.accounts.views import admin_bp, bp
from cdess.extensions import db
from cdess.privacy import services
from cdess.web.permissions import permission_required, require


def _download(user: User):
    body = json.dumps(services.export(user), ensure_ascii=False, indent=2, sort_keys=True)
    response = current_app.response_class(body, mimetype="application/json")
    name = f"cdess-donnees-{user.id}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/donnees")
@login_required
def my_data():
    return render_template("accounts/my_data.html", data=services.export(current_user))


@bp.get("/donnees.json")
@login_required
def my_data_json():
    return _download(current_user)


@bp.route("/supprimer", methods=["GET", "POST"])
@login_required
def delete_account():
    user = current_user._get_current_object()
    require(can_erase_account(user, user))
    form = DeleteAccountForm()
    refusals = services.refusals(user)
    if not refusals and form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append(_("Mot de passe incorrect."))
        else:
            try:
                services.erase(user, user, services.BY_PERSON)
            except services.ErasureRefused as refused:  # a session opened meanwhile
                db.session.rollback()
                refusals = refused.refusals
            else:
                db.session.commit()
                logout_user()
                flash(
                    _(
                        "Votre compte est supprimé : vos données personnelles sont effacées, "
                        "et les décisions auxquelles vous avez pris part ne vous nomment plus."
                    ),
                    "success",
                )
                return redirect(url_for("web.home"))
    status = 409 if refusals and form.is_submitted() else 200
    return render_template("accounts/delete_account.html", form=form, refusals=refusals), status


@admin_bp.get("/utilisateurs/<int:user_id>/donnees.json")
@permission_required(can_manage_users)
def user_data(user_id: int):
    user = db.get_or_404(User, user_id)
    require(can_export_data(current_user, user))
    return _download(user)


@admin_bp.post("/utilisateurs/<int:user_id>/supprimer")
@permission_required(can_manage_users)
def erase_user(user_id: int):
    user = db.get_or_404(User, user_id)
    require(can_erase_account(current_user, user))
    form = EraseUserForm(prefix="erase")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    try:
        services.erase(user, current_user, services.BY_SECRETARIAT, reason=form.reason.data)
    except services.ErasureRefused as refused:
        db.session.rollback()
        for refusal in refused.refusals:
            flash(refusal.message, "error")
    else:
        db.session.commit()
        flash(_("Le compte n° %(id)s est supprimé.", id=user.id), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
