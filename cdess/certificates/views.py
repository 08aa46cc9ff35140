"""Certificates: the secretariat issues and manages them; anyone verifies one and reads the
registry of labelled structures and its open data."""

import io
import json
import zipfile
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
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdess import territories
from cdess.accounts.permissions import is_staff
from cdess.applications.models import Application, State
from cdess.applications.permissions import can_view_application
from cdess.applications.workflow import TransitionError
from cdess.certificates import cache, services
from cdess.certificates.forms import (
    AnswerForm,
    ProposalForm,
    ReissueForm,
    UrgentSuspensionForm,
    VerifyForm,
)
from cdess.certificates.models import Certificate, CertificateProposal, ProposalAction
from cdess.certificates.models import CertificateStatus as Status
from cdess.certificates.permissions import (
    can_answer_proposal,
    can_manage_certificates,
    can_propose,
    can_suspend_urgently,
)
from cdess.extensions import db, limiter
from cdess.sessions.models import CouncilSession, ItemKind
from cdess.structures.models import Family, Structure
from cdess.web import spreadsheet
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg
from cdess.web.urls import external_url

bp = Blueprint("certificates", __name__)

STATUS = services.STATUS


@bp.app_context_processor
def labels():
    return {
        "certificate_status": lambda status: STATUS[status],
        "certificate_status_value": lambda value: STATUS[Status(value)],
    }


def _certificate(number: str) -> Certificate:
    certificate = services.by_number(number)
    if certificate is None:
        abort(404)
    return certificate


def _pdf_response(certificate: Certificate):
    response = current_app.response_class(certificate.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


def _zip_response(certificates: list[Certificate], name: str):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            archive.writestr(f"{certificate.number}.pdf", certificate.pdf)
    response = current_app.response_class(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- secretariat ------------------------------------------------------------------------------


@bp.get("/certificats")
@permission_required(is_staff)
def index():
    status = query_arg("statut")
    stmt = db.select(Certificate).join(Structure).order_by(Certificate.id.desc())
    if status in {s.value for s in Status}:
        stmt = stmt.filter(Certificate.status == Status(status))
    stmt = services.search(stmt, query_arg("q"))
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    waiting = db.session.execute(
        db.select(Application)
        .filter(Application.state == State.granted)
        .order_by(Application.updated_at)
    ).scalars()
    sessions = db.session.execute(
        db.select(CouncilSession).order_by(CouncilSession.starts_at.desc()).limit(6)
    ).scalars()
    return render_template(
        "certificates/index.html",
        page=page,
        waiting=[(application, services.decision(application)[1]) for application in waiting],
        sessions=[
            s
            for s in sessions
            if any(
                i.kind is ItemKind.application and i.application.state is State.granted
                for i in s.items
            )
        ],
        filters={"statut": status, "q": query_arg("q")},
        statuses=list(Status),
    )


# Issuing refused: by the rules, or because another agent issued the same certificate first.
REFUSED = (services.CertificateError, TransitionError, IntegrityError)


def _refusal(error: Exception) -> str:
    if isinstance(error, services.CertificateError):
        return str(error)
    return _("Un autre agent vient de délivrer ce certificat : rechargez la page.")


@bp.post("/candidatures/<int:application_id>/certificat")
@permission_required(is_staff)
def issue(application_id: int):
    application = db.get_or_404(Application, application_id)
    try:
        certificate = services.issue(
            application,
            current_user,
            recommendations=request.form.get("recommendations", "")[:4000],
        )
    except REFUSED as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return redirect(url_for("applications.show", application_id=application.id))
    db.session.commit()  # its email leaves with it
    flash(_("Certificat %(n)s délivré.", n=certificate.number), "success")
    return redirect(url_for("certificates.show", number=certificate.number))


@bp.post("/seances/<int:session_id>/certificats")
@permission_required(is_staff)
def issue_session(session_id: int):
    session = db.get_or_404(CouncilSession, session_id)
    try:
        issued = services.issue_session(session, current_user)
    except REFUSED as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return redirect(url_for("certificates.index"))
    db.session.commit()  # their emails leave with them
    return _zip_response(issued, f"certificats-seance-{session.starts_at:%Y-%m-%d}.zip")


@bp.get("/seances/<int:session_id>/certificats.zip")
@permission_required(is_staff)
def session_zip(session_id: int):
    session = db.get_or_404(CouncilSession, session_id)
    ids = [item.application_id for item in session.items]
    certificates = (
        db.session.execute(
            db.select(Certificate)
            .filter(Certificate.application_id.in_(ids), Certificate.status != Status.superseded)
            .order_by(Certificate.sequence)
        )
        .scalars()
        .all()
    )
    if not certificates:
        abort(404)
    return _zip_response(certificates, f"certificats-seance-{session.starts_at:%Y-%m-%d}.zip")


@bp.get("/certificats/<number>")
@permission_required(can_manage_certificates)
def show(number: str, code: int = 200, **forms):
    certificate = _certificate(number)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        public=services.public_status(certificate),
        proposal=services.open_proposal(certificate),
        proposal_form=forms.get("proposal_form") or ProposalForm(formdata=None),
        urgent_form=forms.get("urgent_form") or UrgentSuspensionForm(formdata=None),
        reissue_form=forms.get("reissue_form") or ReissueForm(formdata=None),
        can_propose=can_propose(current_user, certificate),
        can_suspend=can_suspend_urgently(current_user, certificate),
        staff=is_staff(current_user),
    ), code


@bp.post("/certificats/<number>/proposition")
@permission_required(can_propose)
def propose(number: str):
    """The secretariat's proposal to the council; the structure is told once it is committed."""
    certificate = _certificate(number)
    form = ProposalForm()
    if not form.validate():
        return show(number, proposal_form=form, code=400)
    try:
        services.propose(
            certificate, ProposalAction(form.action.data), current_user, form.report.data
        )
    except services.CertificateError as error:
        db.session.rollback()
        form.action.errors.append(str(error))
        return show(number, proposal_form=form, code=400)
    db.session.commit()  # the structure's email leaves with it
    flash(
        _("Proposition enregistrée : inscrivez-la à l'ordre du jour d'une séance du conseil."),
        "success",
    )
    return redirect(url_for("certificates.show", number=number))


@bp.post("/certificats/<number>/suspension-urgente")
@permission_required(can_suspend_urgently)
def suspend_urgently(number: str):
    """The president's urgent suspension, to be confirmed by the next session."""
    certificate = _certificate(number)
    form = UrgentSuspensionForm()
    if not form.validate():
        return show(number, urgent_form=form, code=400)
    try:
        services.suspend_urgently(certificate, current_user, form.reason.data)
    except services.CertificateError as error:
        db.session.rollback()
        form.reason.errors.append(str(error))
        return show(number, urgent_form=form, code=400)
    db.session.commit()  # the structure's email leaves with it
    flash(
        _("Label suspendu d'urgence : la prochaine séance devra confirmer la suspension."),
        "success",
    )
    return redirect(url_for("certificates.show", number=number))


@bp.post("/propositions/<int:proposal_id>/reponse")
@permission_required(authenticated)
def answer_proposal(proposal_id: int):
    """The structure's written answer, read by the council with the proposal."""
    proposal = db.get_or_404(CertificateProposal, proposal_id)
    require(can_answer_proposal(current_user, proposal))
    form = AnswerForm()
    target = url_for(
        "applications.show",
        application_id=proposal.certificate.application_id,
        _anchor="proposition",
    )
    if form.validate():
        try:
            services.answer(proposal, current_user, form.answer.data)
        except services.CertificateError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Votre réponse est jointe à la proposition."), "success")
            return redirect(target)
    else:
        for message in form.answer.errors:
            flash(str(message), "error")
    return redirect(target)


@bp.post("/certificats/<number>/reedition")
@permission_required(is_staff)
def reissue(number: str):
    certificate = _certificate(number)
    form = ReissueForm()
    if not form.validate():
        return show(number, reissue_form=form, code=400)
    try:
        new = services.reissue(certificate, current_user, form.reason.data)
    except services.CertificateError as error:
        db.session.rollback()
        form.reason.errors.append(str(error))
        return show(number, reissue_form=form, code=400)
    db.session.commit()  # its email leaves with it
    flash(_("Nouvelle édition : certificat %(n)s.", n=new.number), "success")
    return redirect(url_for("certificates.show", number=new.number))


@bp.get("/certificats/<number>.pdf")
@permission_required(authenticated)
def download(number: str):
    """The PDF, for the secretariat and the structure's own people: always the stored bytes."""
    certificate = _certificate(number)
    require(is_staff(current_user) or can_view_application(current_user, certificate.application))
    return _pdf_response(certificate)


# --- public -----------------------------------------------------------------------------------


@bp.get("/verification")
def verify_form(form: VerifyForm | None = None, found=None, checked: bool = False, code=200):
    number = query_arg("numero", 60)
    if number:
        return redirect(url_for("certificates.verify", number=number))
    return render_template(
        "certificates/verify.html",
        form=form or VerifyForm(formdata=None),
        found=found,
        checked=checked,
        public=services.public_status(found) if found else None,
    ), code


@bp.post("/verification")
@limiter.limit("30 per minute")
def verify_upload():
    form = VerifyForm()
    if not form.validate():
        return verify_form(form, code=400)
    upload = form.pdf.data
    if upload is None or not getattr(upload, "filename", ""):
        form.pdf.errors.append(_("Choisissez le fichier PDF du certificat."))
        return verify_form(form, code=400)
    limit = current_app.config["VERIFY_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        form.pdf.errors.append(_("Ce fichier est bien trop grand pour être un certificat cdess."))
        return verify_form(form, code=400)
    if not content.startswith(b"%PDF-"):
        form.pdf.errors.append(_("Ce fichier n'est pas un PDF."))
        return verify_form(form, code=400)
    return verify_form(form, found=services.by_pdf(content), checked=True)


@bp.get("/verification/<path:number>")
def verify(number: str):
    certificate = services.by_number(number)
    if certificate is None:
        return render_template("certificates/status.html", certificate=None, number=number), 404
    return render_template(
        "certificates/status.html",
        certificate=certificate,
        number=certificate.number,
        public=services.public_status(certificate),
    )


def _registry_query():
    filters = {
        "q": query_arg("q"),
        "epci": query_arg("epci", 9),
        "commune": query_arg("commune", 5),
        "famille": query_arg("famille", 30),
    }
    family = Family(filters["famille"]) if filters["famille"] in {f.value for f in Family} else None
    stmt = services.search(
        services.labelled(), filters["q"], filters["epci"], filters["commune"], family
    ).order_by(Structure.name, Certificate.id)
    return stmt, filters


@bp.get("/registre")
@cache.for_visitors
def registry():
    stmt, filters = _registry_query()
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    communes = services.labelled_communes()
    return render_template(
        "certificates/registry.html",
        page=page,
        filters={k: v for k, v in filters.items() if v},
        values=filters,
        communes=sorted((c for c in map(territories.commune, communes) if c), key=lambda c: c.name),
        families=list(Family),
    )


def _open_data_rows():
    stmt, _filters = _registry_query()
    # Numbers are letters, digits and dashes: the address is built once, not once a row.
    verification = external_url("certificates.verify", number="N").removesuffix("N")
    for certificate in db.session.execute(stmt).scalars():
        structure = certificate.structure
        commune, epci = structure.commune, structure.epci
        yield {
            "numero": certificate.number,
            "structure": structure.name,
            "siren": structure.siren or "",
            "siret": structure.siret or "",
            "rna": structure.rna or "",
            "code_commune": structure.commune_code,
            "commune": commune.name if commune else "",
            "code_epci": structure.epci_code or "",
            "epci": epci.name if epci else "",
            "famille": structure.family.value,
            "date_debut": certificate.valid_from.isoformat(),
            "date_fin": certificate.valid_until.isoformat(),
            "statut": "valide",
            "url_verification": verification + certificate.number,
        }


FIELDS = (
    "numero",
    "structure",
    "siren",
    "siret",
    "rna",
    "code_commune",
    "commune",
    "code_epci",
    "epci",
    "famille",
    "date_debut",
    "date_fin",
    "statut",
    "url_verification",
)


@bp.get("/registre.csv")
@cache.for_visitors
def registry_csv():
    sheet = spreadsheet.Writer()
    sheet.row(FIELDS)
    for row in _open_data_rows():
        sheet.row(row[field] for field in FIELDS)
    response = current_app.response_class(sheet.take(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="registre-label-ess.csv"'
    return response


@bp.get("/registre.json")
@cache.for_visitors
def registry_json():
    body = json.dumps(
        {"generated_on": date.today().isoformat(), "data": list(_open_data_rows())},
        ensure_ascii=False,
        indent=1,
    )
    return current_app.response_class(body, mimetype="application/json")
