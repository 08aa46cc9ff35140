"""The charter: public reading, signatories, signing; the secretariat's editor and signatures."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess import signals
from cdess.charter import queries, services
from cdess.charter.forms import (
    ANSWER_TYPES,
    CharterSettingsForm,
    CriterionForm,
    PrincipleForm,
    PublishForm,
    ReasonForm,
    SignForm,
    WithdrawForm,
)
from cdess.charter.models import (
    CharterSignature,
    CharterStatus,
    CharterVersion,
    Criterion,
    Principle,
    VersionKind,
)
from cdess.charter.permissions import can_edit_charter, can_manage_signatures, can_sign_for
from cdess.charter.versions import Change
from cdess.extensions import db
from cdess.structures import queries as structures
from cdess.structures.models import Structure
from cdess.web import spreadsheet
from cdess.web.navigation import add_entry, everyone
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg
from cdess.web.typography import first_of_month

bp = Blueprint("charter", __name__)
add_entry(bp, "charter.show", _l("La charte"), everyone, order=20)
add_entry(bp, "charter.signatories", _l("Signataires"), everyone, order=30)
add_entry(bp, "charter.versions", _l("Édition de la charte"), can_edit_charter, order=130)
add_entry(bp, "charter.signatures", _l("Signatures"), can_manage_signatures, order=140)


# --- public ----------------------------------------------------------------------------------


@bp.get("/charte")
def show():
    version = services.published_version()
    if version is None:
        abort(404)
    return render_template("charter/show.html", version=version)


def _searched() -> str:
    """The text a signatures' list searches (`?q=`: a structure's name, SIRET, SIREN, RNA)."""
    return query_arg("q", structures.SEARCH_LENGTH)


def _back_to_signatures():
    """Back to the secretariat's signatures, on the page and search the form was sent from
    (its action carries them)."""
    kept = {k: request.args[k] for k in ("page", "q") if request.args.get(k)}
    return redirect(url_for("charter.signatures", **kept))


@bp.get("/charte/signataires")
def signatories():
    filters = {"q": _searched()}
    page, rows = queries.signatories(date.today(), filters["q"])
    return render_template("charter/signatories.html", page=page, rows=rows, filters=filters)


# --- signing ---------------------------------------------------------------------------------


@bp.route("/structures/<int:structure_id>/charte", methods=["GET", "POST"])
@permission_required(authenticated)
def sign(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_sign_for(current_user, structure))
    version = services.published_version()
    if version is None:
        abort(404)
    form = SignForm()
    if form.validate_on_submit():
        try:
            services.sign(structure, form.signer_name.data, form.signer_role.data, current_user)
        except services.CharterError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("La charte est signée au nom de « %(name)s ».", name=structure.name), "success")
            return redirect(url_for("structures.show", structure_id=structure.id))
    return render_template(
        "charter/sign.html",
        form=form,
        structure=structure,
        version=version,
        signature=(signature := services.active_signature(structure)),
        standing=_standing(signature),
        latest=services.latest_signature(structure),
        withdraw_form=WithdrawForm(),
    )


@bp.post("/structures/<int:structure_id>/charte/retrait")
@permission_required(authenticated)
def withdraw(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_sign_for(current_user, structure))
    signature = services.active_signature(structure)
    form = WithdrawForm()
    if signature is None or not form.validate_on_submit():
        flash(_("Aucune signature active à retirer."), "error")
    else:
        services.withdraw_signature(signature, form.reason.data, current_user)
        db.session.commit()
        flash(_("La signature de la charte est retirée."), "success")
    return redirect(url_for("charter.sign", structure_id=structure.id))


# --- secretariat: signatures -----------------------------------------------------------------


@bp.get("/secretariat/signatures")
@permission_required(can_manage_signatures)
def signatures():
    filters = {"q": _searched()}
    page, standings = queries.signatures(date.today(), filters["q"])
    return render_template(
        "charter/signatures.html",
        page=page,
        signatures=page.items,
        standings=standings,
        filters=filters,
        form=ReasonForm(),
    )


@bp.get("/secretariat/signatures.<any(csv, xlsx):fmt>")
@permission_required(can_manage_signatures)
def signatures_export(fmt: str):
    """Every signature the page's search finds (all of them without one), as a spreadsheet."""
    header, rows = queries.signatures_export(date.today(), _searched())
    return spreadsheet.answer(fmt, "signatures-charte", header, rows)


@bp.post("/secretariat/signatures/<int:signature_id>/suspendre")
@permission_required(can_manage_signatures)
def suspend(signature_id: int):
    signature = db.get_or_404(CharterSignature, signature_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Indiquez le motif de la suspension."), "error")
        return _back_to_signatures()
    try:
        services.suspend_signature(signature, form.reason.data, current_user)
    except services.CharterError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Signature de « %(name)s » suspendue.", name=signature.structure.name), "success")
    return _back_to_signatures()


@bp.post("/secretariat/signatures/<int:signature_id>/retablir")
@permission_required(can_manage_signatures)
def lift(signature_id: int):
    signature = db.get_or_404(CharterSignature, signature_id)
    try:
        services.lift_suspension(signature, current_user)
    except services.CharterError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Signature de « %(name)s » rétablie.", name=signature.structure.name), "success")
    return _back_to_signatures()


# --- secretariat: the editor -----------------------------------------------------------------


def _draft_or_403(version_id: int) -> CharterVersion:
    version = db.get_or_404(CharterVersion, version_id)
    if version.status is not CharterStatus.draft:
        abort(403)  # published and archived versions are read-only, whatever the request says
    return version


@bp.get("/secretariat/charte")
@permission_required(can_edit_charter)
def versions():
    return render_template("charter/versions.html", versions=queries.all_versions())


@bp.post("/secretariat/charte/brouillon")
@permission_required(can_edit_charter)
def start_draft():
    try:
        draft = services.start_draft(current_user)
    except services.CharterError as error:
        flash(str(error), "error")
        return redirect(url_for("charter.versions"))
    db.session.commit()
    return redirect(url_for("charter.edit", version_id=draft.id))


@bp.route("/secretariat/charte/<int:version_id>", methods=["GET", "POST"])
@permission_required(can_edit_charter)
def edit(version_id: int):
    version = db.get_or_404(CharterVersion, version_id)
    if request.method == "POST":
        _draft_or_403(version_id)
    form = CharterSettingsForm.from_version(version)
    if form.validate_on_submit():
        services.update_settings(version, **form.to_fields())
        db.session.commit()
        flash(_("Réglages de la charte enregistrés."), "success")
        return redirect(url_for("charter.edit", version_id=version.id))
    labels = {value: str(label) for value, label in ANSWER_TYPES}
    return render_template(
        "charter/edit.html", version=version, form=form, answer_type_labels=labels
    )


@bp.get("/secretariat/charte/<int:version_id>/apercu")
@permission_required(can_edit_charter)
def preview(version_id: int):
    version = db.get_or_404(CharterVersion, version_id)
    return render_template("charter/preview.html", version=version)


def _differences_page(version: CharterVersion, form: PublishForm, change: Change | None) -> str:
    return render_template(
        "charter/diff.html",
        version=version,
        change=change,
        form=form if version.editable else None,
        **queries.differences(version),
    )


def _publish_form(change: Change | None) -> PublishForm:
    form = PublishForm()
    if change is None:
        del form.kind  # a first version has no kind: nobody signed an older one
    return form


@bp.get("/secretariat/charte/<int:version_id>/differences")
@permission_required(can_edit_charter)
def differences(version_id: int):
    version = db.get_or_404(CharterVersion, version_id)
    change = services.classification(version)
    return _differences_page(version, _publish_form(change), change)


@bp.post("/secretariat/charte/<int:version_id>/publier")
@permission_required(can_edit_charter)
def publish(version_id: int):
    version = _draft_or_403(version_id)
    change = services.classification(version)
    form = _publish_form(change)
    if not form.validate_on_submit():
        return _differences_page(version, form, change), 400
    kind = form.kind.data if "kind" in form else None
    try:
        services.publish(version, current_user, kind=kind)
    except services.VersionKindError as error:
        db.session.rollback()
        form.kind.errors = [*form.kind.errors, *error.problems]
        return _differences_page(version, form, change), 400
    except services.CharterError as error:
        db.session.rollback()
        for problem in error.problems:
            flash(problem, "error")
        return redirect(url_for("charter.edit", version_id=version_id))
    db.session.commit()
    if version.kind is VersionKind.major:
        sent = services.send_resign_requests(version)
        flash(
            _(
                "Version %(n)s publiée, majeure : les signataires ont jusqu'au %(d)s pour la "
                "signer de nouveau (%(sent)s courriel(s) envoyé(s)).",
                n=version.number,
                d=first_of_month(format_date(version.resign_deadline, "long")),
                sent=sent,
            ),
            "success",
        )
    elif version.kind is VersionKind.minor:
        flash(
            _(
                "Version %(n)s publiée, mineure : les signatures et les demandes en cours "
                "continuent ; les nouvelles auto-évaluations l'utilisent.",
                n=version.number,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Version %(n)s publiée : les nouvelles auto-évaluations l'utilisent.",
                n=version.number,
            ),
            "success",
        )
    return redirect(url_for("charter.versions"))


@bp.route("/secretariat/charte/<int:version_id>/principes/nouveau", methods=["GET", "POST"])
@bp.route(
    "/secretariat/charte/<int:version_id>/principes/<int:principle_id>", methods=["GET", "POST"]
)
@permission_required(can_edit_charter)
def edit_principle(version_id: int, principle_id: int | None = None):
    version = _draft_or_403(version_id)
    principle = None
    if principle_id is not None:
        principle = db.get_or_404(Principle, principle_id)
        if principle.version_id != version.id:
            abort(404)
    form = PrincipleForm(obj=principle)
    if form.validate_on_submit():
        try:
            services.save_principle(version, principle, **form.to_fields())
        except services.CharterError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Principe enregistré."), "success")
            return redirect(url_for("charter.edit", version_id=version.id))
    return render_template(
        "charter/principle_form.html", version=version, principle=principle, form=form
    )


@bp.post("/secretariat/charte/<int:version_id>/principes/<int:principle_id>/supprimer")
@permission_required(can_edit_charter)
def delete_principle(version_id: int, principle_id: int):
    version = _draft_or_403(version_id)
    principle = db.get_or_404(Principle, principle_id)
    try:
        services.delete_principle(version, principle)
    except services.CharterError as error:
        abort(404, str(error))
    db.session.commit()
    flash(_("Principe supprimé, avec ses critères."), "success")
    return redirect(url_for("charter.edit", version_id=version.id))


@bp.route(
    "/secretariat/charte/<int:version_id>/principes/<int:principle_id>/criteres/nouveau",
    methods=["GET", "POST"],
)
@bp.route(
    "/secretariat/charte/<int:version_id>/criteres/<int:criterion_id>", methods=["GET", "POST"]
)
@permission_required(can_edit_charter)
def edit_criterion(
    version_id: int, principle_id: int | None = None, criterion_id: int | None = None
):
    version = _draft_or_403(version_id)
    criterion = db.get_or_404(Criterion, criterion_id) if criterion_id else None
    if criterion is not None and criterion.version_id != version.id:
        abort(404)
    principle = criterion.principle if criterion else db.get_or_404(Principle, principle_id)
    if principle.version_id != version.id:
        abort(404)
    form = CriterionForm.from_criterion(criterion)
    if form.validate_on_submit():
        fields = form.to_fields()
        try:
            services.save_criterion(version, principle, criterion, **fields)
        except services.CharterError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Critère %(code)s enregistré.", code=fields["code"]), "success")
            return redirect(url_for("charter.edit", version_id=version.id))
    return render_template(
        "charter/criterion_form.html",
        version=version,
        principle=principle,
        criterion=criterion,
        form=form,
    )


@bp.post("/secretariat/charte/<int:version_id>/criteres/<int:criterion_id>/supprimer")
@permission_required(can_edit_charter)
def delete_criterion(version_id: int, criterion_id: int):
    version = _draft_or_403(version_id)
    criterion = db.get_or_404(Criterion, criterion_id)
    try:
        services.delete_criterion(version, criterion)
    except services.CharterError as error:
        abort(404, str(error))
    db.session.commit()
    flash(_("Critère supprimé."), "success")
    return redirect(url_for("charter.edit", version_id=version.id))


def _standing(signature: CharterSignature | None):
    """Today's standing of a signature (`services.signature_standing`), for the pages that
    show one: `.renew_before` is the day before which to sign again, `.in_force` whether it
    still counts."""
    return services.signature_standing(signature, date.today()) if signature else None


@signals.structure_page.connect
def _structure_signature(structure: Structure, **_kwargs) -> dict:
    """A structure's page shows its charter signature and whether it still counts."""
    signature = services.active_signature(structure)
    return {"signature": signature, "standing": _standing(signature)}
