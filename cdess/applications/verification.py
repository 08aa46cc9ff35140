"""Verifying a submitted file's answers against its evidence (DESIGN: « Self-assessed, then
verified »). The secretariat checks each answer during admissibility, then the rapporteur
while the file is on an agenda and its vote has not opened; each answer is confirmed, or
corrected with a new answer and a reason. After every check the verified result is scored
again by the pure rules (`charter.eligibility.verify`) and stored on the application; once
the council's vote opens nobody can change it."""

import math

from flask_babel import gettext as _

from cdess.accounts.models import User
from cdess.applications.models import AnswerCheck, Application, CheckStage, CheckStatus, State
from cdess.assessments import services as assessments
from cdess.audit import services as audit
from cdess.charter import eligibility, scoring
from cdess.charter import services as charter_services
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.web.messages import translate


class VerificationError(ValueError):
    """A refused check; `field` names the control the French message belongs to."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def agenda_item(application: Application):
    """The agenda item of a scheduled file, not yet decided, in a session not cancelled
    (None otherwise)."""
    if application.state is not State.scheduled:
        return None
    waiting = [
        item
        for item in application.agenda_items
        if item.result is None and not item.session.cancelled
    ]
    return waiting[-1] if waiting else None


def stage(application: Application) -> CheckStage | None:
    """Who verifies the file now: the secretariat while it is submitted, its rapporteur while
    it waits on an agenda for a vote not yet open; nobody otherwise."""
    if application.state is State.submitted:
        return CheckStage.secretariat
    item = agenda_item(application)
    if item is not None and item.vote_pending:
        return CheckStage.rapporteur
    return None


def charter_of(application: Application) -> scoring.Charter:
    """The charter version the file was assessed against (never the newest by default)."""
    return charter_services.scoring_charter(application.assessment.version)


def family_of(application: Application) -> str:
    return application.assessment.family.value


def applicant_answers(application: Application) -> dict[str, object]:
    """The answers frozen at submission."""
    answers = (application.snapshot or {}).get("answers")
    if answers is None:  # a file submitted before answers were frozen with it
        answers = assessments.answers_by_code(application.assessment)
    return answers


def checks_by_code(application: Application) -> dict[str, AnswerCheck]:
    return {c.criterion_code: c for c in application.checks}


def corrections(application: Application) -> dict[str, object]:
    return {
        c.criterion_code: c.value for c in application.checks if c.status is CheckStatus.corrected
    }


def to_check(application: Application) -> list[scoring.Criterion]:
    """The criteria whose answers are verified (scored and applicable)."""
    if application.assessment is None:  # a draft without assessment: nothing to verify
        return []
    return eligibility.checkable(charter_of(application), family_of(application))


def unverified(application: Application) -> list[str]:
    """Codes of the answers nobody has confirmed or corrected yet."""
    checked = checks_by_code(application)
    return [c.code for c in to_check(application) if c.code not in checked]


def recompute(application: Application) -> dict:
    """Score the verified result again and store it."""
    result = eligibility.verify(
        charter_of(application),
        family_of(application),
        applicant_answers(application),
        corrections(application),
    ).as_dict()
    result["checked"] = len(application.checks)
    result["to_check"] = len(to_check(application))
    application.verified_result = result
    db.session.flush()
    return result


def _require_stage(application: Application) -> CheckStage:
    current = stage(application)
    if current is None:
        raise VerificationError(_("Les réponses de ce dossier ne peuvent plus être vérifiées."))
    return current


def _record(application, code, actor, status, value=None, reason="") -> AnswerCheck:
    current = _require_stage(application)
    if code not in {c.code for c in to_check(application)}:
        raise VerificationError(_("Ce critère ne s'applique pas à cette structure."), "value")
    check = _write(application, code, actor, status, current, value, reason)
    recompute(application)
    audit.record(
        application,
        "answer_" + status.value,
        actor,
        reason=reason,
        detail={"criterion": code, "stage": current.value, "value": value},
    )
    return check


def _write(application, code, actor, status, current, value=None, reason="") -> AnswerCheck:
    """Store one check (the caller checked the stage and the criterion, and recomputes)."""
    fields = {
        "status": status,
        "stage": current,
        "value": value,
        "reason": reason,
        "checked_by_id": actor.id,
        "checked_by_name": actor.display_name,
        "checked_at": utcnow(),
    }
    check = checks_by_code(application).get(code)
    if check is None:
        check = AnswerCheck(criterion_code=code, **fields)
        application.checks.append(check)
    else:
        for name, field_value in fields.items():
            setattr(check, name, field_value)
    db.session.flush()
    return check


def confirm(application: Application, code: str, actor: User) -> AnswerCheck:
    """The evidence supports the applicant's answer."""
    return _record(application, code, actor, CheckStatus.confirmed)


def correct(application: Application, code: str, actor: User, raw: str, reason: str):
    """The evidence says otherwise: record the new answer (as typed in the form) and why."""
    _require_stage(application)
    reason = (reason or "").replace("\x00", "").strip()
    if len(reason) > 2000:
        raise VerificationError(_("Motif trop long : 2 000 caractères au plus."), "reason")
    try:
        value = eligibility.correction(
            charter_of(application),
            family_of(application),
            code,
            applicant_answers(application).get(code),
            (raw or "").replace("\x00", ""),
            reason,
        )
    except eligibility.CorrectionRefused as refused:
        raise VerificationError(translate(refused.args[0]), refused.field) from refused
    return _record(application, code, actor, CheckStatus.corrected, value, reason)


def confirm_remaining(application: Application, actor: User) -> int:
    """Confirm every answer not checked yet (the stage read and the result scored once);
    returns how many."""
    codes = unverified(application)
    if not codes:
        return 0
    current = _require_stage(application)
    for code in codes:
        _write(application, code, actor, CheckStatus.confirmed, current)
    recompute(application)
    audit.record(
        application,
        "answers_confirmed",
        actor,
        detail={"criteria": codes, "stage": current.value},
    )
    return len(codes)


def refresh_after_submission(application: Application, previous_answers: dict) -> None:
    """A (re)submitted file: the checks of answers the applicant changed no longer hold."""
    answers = applicant_answers(application)
    kept = {c.code for c in to_check(application)}
    for check in list(application.checks):
        code = check.criterion_code
        if code not in kept or previous_answers.get(code) != answers.get(code):
            application.checks.remove(check)
    db.session.flush()
    recompute(application)


def describe(charter: scoring.Charter, result: dict) -> list[str]:
    """Each obstacle to eligibility as a French sentence, with its recommendation."""
    from flask_babel import format_decimal

    lines = []
    for o in eligibility.obstacles(charter, result):
        if o.kind == eligibility.UNANSWERED:
            text = _("Question sans réponse — %(code)s : %(q)s", code=o.code, q=o.title)
        elif o.kind == eligibility.ELIMINATORY:
            text = _("Critère éliminatoire non atteint — %(code)s : %(q)s", code=o.code, q=o.title)
        elif o.kind == eligibility.FLOOR:
            text = _(
                "Principe « %(p)s » : %(s)s / 100, sous le plancher de %(f)s.",
                p=o.title,
                s=_below(o.score),
                f=format_decimal(o.limit),
            )
        else:
            text = _(
                "Score global : %(s)s / 100, sous le seuil d'éligibilité de %(t)s.",
                s=_below(o.score),
                t=format_decimal(o.limit),
            )
        if o.criteria:
            text += " " + _("Critères à améliorer : %(c)s.", c=", ".join(o.criteria))
        if o.recommendation:
            text += " " + _("Recommandation : %(r)s", r=o.recommendation)
        lines.append(text)
    return lines


def _below(score: float) -> str:
    """A score under a limit, never rounded up to it (59.96 reads 59,9, not 60)."""
    from flask_babel import format_decimal

    return format_decimal(math.floor(score * 10) / 10, format="0.#")


def self_assessed_obstacles(application: Application) -> list[str]:
    """Why the attached assessment does not allow submission (empty when it does)."""
    assessment = application.assessment
    if assessment is None or not assessment.finished or assessment.result.get("eligible"):
        return []
    return describe(charter_services.scoring_charter(assessment.version), assessment.result)


def verified_obstacles(application: Application) -> list[str]:
    """Why the verified result fails the charter (empty when eligible or not computed)."""
    result = application.verified_result
    if result is None or result.get("eligible"):
        return []
    return describe(charter_of(application), result)


def verified_eligible(application: Application) -> bool:
    result = application.verified_result
    return bool(result and result.get("eligible"))
