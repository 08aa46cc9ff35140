"""Certificates: the secretariat issues and manages them; anyone verifies one and reads the
registry of labelled structures and its open data."""

import hashlib
import io
import zipfile
from datetime import date
from json.encoder import encode_basestring as encode_text

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdess import signals
from cdess.applications.models import Application
from cdess.applications.workflow import TransitionError
from cdess.certificates import cache, document, queries, services
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
    can_browse_registry,
    can_download,
    can_issue_certificates,
    can_list_certificates,
    can_manage_certificates,
    can_propose,
    can_suspend_urgently,
)
from cdess.certificates.queries import FIELDS
from cdess.extensions import db, limiter
from cdess.jobs import services as jobs
from cdess.jobs.models import JobKind
from cdess.jobs.views import follow
from cdess.sessions.models import CouncilSession
from cdess.sessions.permissions import can_plan_sessions
from cdess.sessions.services import SessionError
from cdess.structures.models import Family
from cdess.web import spreadsheet
from cdess.web.navigation import add_entry
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg
from cdess.web.seal import SealError

bp = Blueprint("certificates", __name__)
add_entry(
    bp,
    "certificates.registry",
    _l("Registre des labellisés"),
    can_browse_registry,
    order=40,
)
add_entry(bp, "certificates.index", _l("Certificats"), can_list_certificates, order=100)


bp.add_app_template_global(can_manage_certificates, "can_manage_certificates")
# The public pages say « renouvellement en cours » with these.
bp.add_app_template_global(services.renewing, "label_renewing")
bp.add_app_template_global(services.renewals_in_time, "labels_renewing")


@signals.application_page.connect
def _application_certificate(application: Application, **_kwargs) -> dict:
    """An application's page shows its label's certificate, public status and open proposal."""
    certificate = services.current(application)
    return {
        "certificate": certificate,
        "certificate_public": services.public_status(certificate) if certificate else None,
        "proposal": services.open_proposal(certificate) if certificate else None,
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


def _list_filters() -> dict[str, str]:
    return {
        "statut": query_arg("statut"),
        "q": query_arg("q"),
        "echeance": query_arg("echeance", 7),
    }


@bp.get("/certificats")
@permission_required(can_list_certificates)
def index():
    filters = _list_filters()
    return render_template(
        "certificates/index.html",
        page=queries.certificates_page(filters),
        waiting=queries.awaiting_issue(),
        sessions=queries.sessions_to_issue(),
        filters=filters,
        statuses=list(Status),
    )


@bp.get("/certificats.<any(csv, xlsx):fmt>")
@permission_required(can_list_certificates)
def export(fmt: str):
    """The certificates as a spreadsheet, with the list's filters."""
    filters = _list_filters()
    header, rows = queries.certificates_export(filters)
    return spreadsheet.answer(fmt, "certificats", header, rows)


# Issuing refused: by the rules, or because another agent issued the same certificate first.
REFUSED = (services.CertificateError, TransitionError, IntegrityError, SealError)


def _refusal(error: Exception) -> str:
    if isinstance(error, services.CertificateError):
        return str(error)
    if isinstance(error, SealError):  # production without its seal: nothing leaves unsigned
        return _(
            "Le sceau électronique du Département n'est pas installé : aucun certificat ne "
            "peut être délivré. Prévenez l'administrateur du service."
        )
    return _("Un autre agent vient de délivrer ce certificat : rechargez la page.")


@bp.post("/candidatures/<int:application_id>/certificat")
@permission_required(can_issue_certificates)
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


def batch_key(session_id: int, application_ids: list[int]) -> str:
    """The idempotency key of a batch: the session and a digest of its files' ids (their list
    itself would outgrow the key's 200 characters from about 35 files)."""
    files = hashlib.sha256(",".join(map(str, sorted(application_ids))).encode()).hexdigest()
    return f"certificates:{session_id}:{files[:32]}"


@bp.post("/seances/<int:session_id>/certificats")
@permission_required(can_issue_certificates)
def issue_session(session_id: int):
    """Issue a session's certificates at once, then show them (post/redirect/get): reloading
    the page or clicking again cannot issue twice."""
    session = db.get_or_404(CouncilSession, session_id)
    target = url_for("certificates.session_certificates", session_id=session.id)
    waiting = services.awaiting_in(session)
    if not waiting:
        flash(_("Aucun dossier de cette séance n'attend son certificat."), "error")
        return redirect(target)
    # A job issues them one by one after the commit; asked twice for the same files, one job.
    job = jobs.enqueue(
        JobKind.certificates,
        {"session_id": session.id},
        current_user,
        batch_key(session.id, [application.id for application in waiting]),
    )
    db.session.commit()
    # Done: the page tells this batch from the session's earlier certificates by their ids.
    return follow(
        job,
        url_for(job.result_endpoint, **job.result_args) if job.result_endpoint else target,
        waiting=_("Les certificats de la séance sont en cours de délivrance."),
    )


@bp.get("/seances/<int:session_id>/certificats")
@permission_required(can_issue_certificates)
def session_certificates(session_id: int):
    """The certificates of a session, those of the batch just issued (`?lot=`) told apart,
    with their archive, and what still awaits issuing."""
    session = db.get_or_404(CouncilSession, session_id)
    certificates = queries.session_certificates(session)
    batch = set(query_arg("lot", 2000).split(","))
    return render_template(
        "certificates/session.html",
        session=session,
        certificates=certificates,
        batch=[c for c in certificates if str(c.id) in batch],
        waiting=queries.awaiting_issue(),
        sessions=queries.sessions_to_issue(),
    )


@bp.get("/seances/<int:session_id>/certificats.zip")
@permission_required(can_issue_certificates)
def session_zip(session_id: int):
    session = db.get_or_404(CouncilSession, session_id)
    certificates = queries.session_certificates(session)
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
        can_reissue=can_issue_certificates(current_user, certificate),
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
        _("Proposition enregistrée : inscrivez-la à l'ordre du jour d'une séance du conseil."),
        "success",
    )
    return redirect(url_for("certificates.show", number=number))


@bp.post("/seances/<int:session_id>/propositions/<int:proposal_id>")
@permission_required(can_plan_sessions)
def schedule(session_id: int, proposal_id: int):
    """The secretariat puts a proposal on the agenda of a session in preparation."""
    session = db.get_or_404(CouncilSession, session_id)
    proposal = db.get_or_404(CertificateProposal, proposal_id)
    target = url_for("sessions.show", session_id=session.id)
    try:
        item = services.schedule(session, proposal, current_user)
    except (SessionError, TransitionError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(target)
    db.session.commit()
    flash(_("« %(name)s » inscrit à l'ordre du jour.", name=item.subject), "success")
    return redirect(target + "#ordre-du-jour")


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
        _("Label suspendu d'urgence : la prochaine séance devra confirmer la suspension."),
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
@permission_required(can_issue_certificates)
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
    flash(_("Nouvelle édition : certificat %(n)s.", n=new.number), "success")
    return redirect(url_for("certificates.show", number=new.number))


@bp.get("/certificats/<number>.pdf")
@permission_required(authenticated)
def download(number: str):
    """The PDF, for the secretariat and the structure's own people: always the stored bytes."""
    certificate = _certificate(number)
    require(can_download(current_user, certificate))
    return _pdf_response(certificate)


@bp.get("/certificats/<number>/<lang>.pdf")
@permission_required(authenticated)
def download_translation(number: str, lang: str):
    """A translation of the certificate into another locale of the interface, drawn on demand
    from its snapshot: it says it has no legal value and names the French original, which
    stays the certificate (its bytes and SHA-256 untouched, the translation never stored)."""
    certificate = _certificate(number)
    require(can_download(current_user, certificate))
    if lang == document.LEGAL_LOCALE or lang not in current_app.config["LANGUAGES"]:
        abort(404)
    pdf = document.render_translation(certificate.snapshot, certificate.sha256, lang)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    disposition = f'attachment; filename="{certificate.number}-{lang}.pdf"'
    response.headers["Content-Disposition"] = disposition
    return response


# --- public -----------------------------------------------------------------------------------


@bp.get("/verification")
def verify_form(form: VerifyForm | None = None, checked=None, code=200):
    number = query_arg("numero", 60)
    if number:
        return redirect(url_for("certificates.verify", number=number))
    found = checked.certificate if checked else None
    return render_template(
        "certificates/verify.html",
        form=form or VerifyForm(formdata=None),
        found=found,
        checked=checked,
        signature=checked.signature if checked else None,
        public=services.public_status(found) if found else None,
    ), code


@bp.post("/verification")
@limiter.limit("30 per minute")
def verify_upload():
    form = VerifyForm()
    if not form.validate():
        return verify_form(form, code=400)
    return verify_form(form, checked=services.check_pdf(form.content))


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


def _registry_filters() -> dict[str, str]:
    return {
        "q": query_arg("q"),
        "epci": query_arg("epci", 9),
        "commune": query_arg("commune", 5),
        "famille": query_arg("famille", 30),
    }


@bp.get("/registre")
@cache.for_visitors
def registry():
    filters = _registry_filters()
    return render_template(
        "certificates/registry.html",
        page=queries.registry_page(filters),
        filters={k: v for k, v in filters.items() if v},
        values=filters,
        communes=queries.registry_communes(),
        families=list(Family),
    )


@bp.get("/registre.csv")
@cache.for_visitors
def registry_csv():
    rows = queries.open_data_rows(_registry_filters())
    response = current_app.response_class(
        stream_with_context(spreadsheet.csv_chunks(FIELDS, rows)), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="registre-label-ess.csv"'
    return response


@bp.get("/registre.json")
@cache.for_visitors
def registry_json():
    """The text of `json.dumps({"generated_on": …, "data": [row, …]}, ensure_ascii=False,
    indent=1)`, written `CSV_BATCH` rows at a time."""
    rows = queries.open_data_rows(_registry_filters())
    # Each row's keys and indents written once; its values by the encoder json.dumps uses.
    template = "{" + ",".join(f'\n   "{field}": %s' for field in FIELDS) + "\n  }"

    def chunks():
        parts = ['{\n "generated_on": "' + date.today().isoformat() + '",\n "data": [']
        separator = "\n  "
        for number, row in enumerate(rows, start=1):
            parts.append(separator + template % tuple(map(encode_text, row)))
            separator = ",\n  "
            if number % spreadsheet.CSV_BATCH == 0:
                yield "".join(parts)
                parts = []
        parts.append("]\n}" if separator == "\n  " else "\n ]\n}")
        yield "".join(parts)

    return current_app.response_class(stream_with_context(chunks()), mimetype="application/json")


# --- the badge for the structure's website (cdess.certificates.badge) -------------------------

BADGE_MAX_AGE = 60  # seconds: a suspension or a revocation shows on websites within a minute
BADGE_EDITIONS = 10  # how far a chain of new editions is followed


def _badge_headline(certificate: Certificate, public: Status) -> str:
    from cdess.web.formats import date_filter

    if public is Status.valid and certificate.valid_until < date.today():  # renewal running
        return _("Label ESS valide, renouvellement en cours")
    if public is Status.valid:
        return _("Label ESS valide jusqu'au %(d)s", d=date_filter(certificate.valid_until, "long"))
    return {
        Status.suspended: _("Label ESS suspendu"),
        Status.revoked: _("Label ESS retiré"),
        Status.expired: _("Label ESS expiré"),
        Status.superseded: _("Certificat remplacé par une nouvelle édition"),
    }[public]


@bp.get("/certificats/<number>/badge.svg")
@limiter.limit(lambda: current_app.config["RATELIMIT_API"])
def badge(number: str):
    """The label's badge, public: the status today of the certificate or of the edition that
    replaced it, cached a minute at most."""
    from cdess.certificates import badge as badges

    certificate = _certificate(number)
    for _edition in range(BADGE_EDITIONS):
        if certificate.superseded_by is None:
            break
        certificate = certificate.superseded_by
    public = services.public_status(certificate)
    headline = _badge_headline(certificate, public)
    name = certificate.snapshot.get("structure") or certificate.structure.name
    title = _(
        "%(headline)s — %(name)s (certificat %(n)s)",
        headline=headline,
        name=name,
        n=certificate.number,
    )
    response = current_app.response_class(
        badges.svg(public.value, headline, name, title), mimetype="image/svg+xml"
    )
    response.headers["Cache-Control"] = f"public, max-age={BADGE_MAX_AGE}"
    response.vary.add("Accept-Language")  # its words follow the reader's language
    return response


def _badge_snippet(certificate: Certificate) -> str:
    """The HTML that shows the certificate's badge on another website (« Mon label »)."""
    from cdess.certificates import badge as badges
    from cdess.web.urls import external_url

    name = certificate.snapshot.get("structure") or certificate.structure.name
    return badges.snippet(
        external_url("certificates.verify", number=certificate.number),
        external_url("certificates.badge", number=certificate.number),
        _("Label ESS : %(s)s — vérifier le certificat %(n)s", s=name, n=certificate.number),
    )


bp.add_app_template_global(_badge_snippet, "badge_snippet")
