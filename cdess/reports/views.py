"""Reports: anyone files one from the registry or a certificate's verification page; the
secretariat handles them from its queue; the structure's people answer the question put to
them."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess.audit import labels
from cdess.audit import services as audit
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.extensions import db, limiter
from cdess.reports import queries, services
from cdess.reports.forms import AnswerForm, DismissForm, ProposalForm, QuestionForm, ReportForm
from cdess.reports.models import Report
from cdess.reports.permissions import can_answer_report, can_file_report, can_handle_reports
from cdess.reports.rules import ReportError, ReportState
from cdess.web.files import send_stored
from cdess.web.messages import translate
from cdess.web.navigation import add_entry
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.queries import query_arg

bp = Blueprint("reports", __name__)
add_entry(bp, "reports.queue", _l("Signalements"), can_handle_reports, order=105)

RECEIPT = "report_receipt"  # what the receipt page shows, kept in the visitor's session


def _refuse(form, error: ReportError) -> None:
    """Put a refusal next to its field, or above the form (a flash) when it is about no field."""
    field = getattr(error, "field", None)
    message = translate(str(error))  # the rules' refusals are in French (N_), the others not
    if field is not None and field in form:
        form[field].errors = [*form[field].errors, message]
    else:
        flash(message, "error")


# --- the public --------------------------------------------------------------------------------


def _certificate(number: str) -> Certificate:
    certificate = certificates.by_number(number)
    if certificate is None:
        abort(404)
    require(can_file_report(current_user, certificate))
    return certificate


@bp.get("/signalements/<number>")
def new(number: str, form: ReportForm | None = None, code: int = 200):
    certificate = _certificate(number)
    open_ = services.reportable(certificate)
    return render_template(
        "reports/new.html",
        certificate=certificate,
        form=form or ReportForm(formdata=None),
        open=open_,
        limit=current_app.config["REPORTS_PER_SENDER_PER_DAY"],
    ), (code if open_ else 409)


@bp.post("/signalements/<number>")
@limiter.limit(lambda: current_app.config["RATELIMIT_REPORT"])
def create(number: str):
    """File the report. A filled honeypot is answered as a success, and nothing is stored."""
    certificate = _certificate(number)
    form = ReportForm()
    if form.website.data:  # before any check: a robot learns nothing from the answer
        session[RECEIPT] = {"structure": certificate.snapshot["structure"], "reference": None}
        return redirect(url_for("reports.receipt"))
    if not form.validate():
        return new(number, form, 400)
    try:
        report = services.file_report(
            certificate,
            text=form.text.data,
            name=form.name.data or "",
            email=form.email.data or "",
            upload=request.files.get("file"),
            sender=request.remote_addr or "",
        )
    except ReportError as error:
        db.session.rollback()
        _refuse(form, error)
        return new(number, form, getattr(error, "status", 400))
    db.session.commit()  # the receipt's email leaves with it
    session[RECEIPT] = {
        "structure": certificate.snapshot["structure"],
        "reference": report.reference,
        "email": bool(report.reporter_email),
        "number": certificate.number,
    }
    return redirect(url_for("reports.receipt"))


@bp.get("/signalements/recu")
def receipt():
    """The receipt of the report this visitor just filed (their session's): nobody else's."""
    filed = session.get(RECEIPT)
    if not filed:
        abort(404)
    return render_template("reports/receipt.html", filed=filed)


# --- the secretariat ---------------------------------------------------------------------------


@bp.get("/secretariat/signalements")
@permission_required(can_handle_reports)
def queue():
    wanted = query_arg("etat", 20)
    state = next((s for s in ReportState if s.value == wanted), None)
    return render_template(
        "reports/queue.html",
        page=queries.queue_page(state),
        counts=queries.counts(),
        states=list(ReportState),
        filters={"etat": state.value} if state else {},
    )


def _report(report_id: int) -> Report:
    report = db.get_or_404(Report, report_id)
    require(can_handle_reports(current_user, report))
    return report


@bp.get("/secretariat/signalements/<int:report_id>")
@permission_required(can_handle_reports)
def show(report_id: int, code: int = 200, **forms):
    report = _report(report_id)
    return render_template(
        "reports/show.html",
        report=report,
        public=certificates.public_status(report.certificate),
        journal=audit.for_subject(report),
        action_label=labels.action_label,
        next_session=services.next_session(),
        question_form=forms.get("question_form") or QuestionForm(formdata=None),
        dismiss_form=forms.get("dismiss_form") or DismissForm(formdata=None),
        proposal_form=forms.get("proposal_form") or ProposalForm(formdata=None),
    ), code


@bp.get("/secretariat/signalements/<int:report_id>/piece")
@permission_required(can_handle_reports)
def download(report_id: int):
    report = _report(report_id)
    return send_stored(services.file_key(report), report.file_type, report.file_name)


def _apply(form, action, done: str, target: str):
    """Validate the form, call `action()` (one service), commit once (its emails leave with
    it) and redirect to `target`; or None, the refusal next to its field, for the caller to
    show its page again."""
    if form.validate():
        try:
            action()
        except ReportError as error:
            db.session.rollback()
            _refuse(form, error)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(target)
    return None


def _act(report_id: int, form_name: str, form, action, done: str):
    """The secretariat's action `action(report)` from the report's page (`_apply`)."""
    report = _report(report_id)
    target = url_for("reports.show", report_id=report_id)
    applied = _apply(form, lambda: action(report), done, target)
    return applied if applied is not None else show(report_id, code=400, **{form_name: form})


@bp.post("/secretariat/signalements/<int:report_id>/question")
@permission_required(can_handle_reports)
def ask(report_id: int):
    form = QuestionForm()
    return _act(
        report_id,
        "question_form",
        form,
        lambda report: services.ask(report, current_user, form.question.data),
        _("Question envoyée à la structure."),
    )


@bp.post("/secretariat/signalements/<int:report_id>/classement")
@permission_required(can_handle_reports)
def dismiss(report_id: int):
    form = DismissForm()
    return _act(
        report_id,
        "dismiss_form",
        form,
        lambda report: services.dismiss(report, current_user, form.reason.data),
        _("Signalement classé sans suite."),
    )


@bp.post("/secretariat/signalements/<int:report_id>/suspension")
@permission_required(can_handle_reports)
def propose(report_id: int):
    form = ProposalForm()
    return _act(
        report_id,
        "proposal_form",
        form,
        lambda report: services.propose(report, current_user, form.report.data),
        _("Suspension proposée : elle est inscrite à l'ordre du jour de la prochaine séance."),
    )


# --- the structure -----------------------------------------------------------------------------


def _answerable(report_id: int) -> Report:
    report = db.get_or_404(Report, report_id)
    require(can_answer_report(current_user, report))
    return report


@bp.get("/signalements/<int:report_id>/reponse")
@permission_required(authenticated)
def answer(report_id: int, form: AnswerForm | None = None, code: int = 200):
    """The structure's page: the secretariat's question, its answer form while one is asked."""
    report = _answerable(report_id)
    return render_template(
        "reports/answer.html",
        report=report,
        form=form or AnswerForm(formdata=None),
        open=can_answer_report(current_user, report, check_state=True),
    ), code


@bp.post("/signalements/<int:report_id>/reponse")
@permission_required(authenticated)
def send_answer(report_id: int):
    report = _answerable(report_id)
    form = AnswerForm()
    applied = _apply(
        form,
        lambda: services.answer(report, current_user, form.answer.data),
        _("Votre réponse est transmise au secrétariat du conseil."),
        url_for("reports.answer", report_id=report_id),
    )
    return applied if applied is not None else answer(report_id, form, 400)
