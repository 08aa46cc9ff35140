"""Starting, answering, finishing and comparing self-assessments."""

from dataclasses import dataclass, field, replace

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from cdess.accounts.models import User
from cdess.assessments.models import Answer, Assessment, AssessmentStatus
from cdess.assessments.queries import in_progress, last_finished
from cdess.charter import scoring
from cdess.charter import services as charter_services
from cdess.charter.models import AnswerType, CharterVersion, Criterion
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.structures.models import Family, Structure
from cdess.web.messages import translate


class AssessmentError(ValueError):
    """A refused operation; the message is for the user."""


def start(
    structure: Structure,
    actor: User,
    copy_last: bool = False,
    initial_answers: dict[str, object] | None = None,
) -> Assessment:
    """A new assessment against the published charter; answers may come from the last one
    (copied criterion by criterion where the code still exists) or from the anonymous
    self-diagnostic."""
    if (current := in_progress(structure)) is not None:
        return current
    version = charter_services.published_version()
    if version is None:
        raise AssessmentError(_("Aucune charte n'est publiée : l'auto-évaluation est fermée."))
    assessment = Assessment(
        structure_id=structure.id,
        version_id=version.id,
        family=structure.family,
        started_by_id=actor.id,
    )
    db.session.add(assessment)
    db.session.flush()
    seed: dict[str, object] = dict(initial_answers or {})
    if copy_last and (last := last_finished(structure)) is not None:
        seed = {a.criterion.code: a.value for a in last.answers}
    by_code = {c.code: c for c in version.criteria}
    charter = charter_services.scoring_charter(version)
    pure = _criteria_by_code(charter)
    for code, value in seed.items():
        if code in by_code and _valid_value(pure[code], value):
            assessment.answers.append(Answer(criterion_id=by_code[code].id, value=value))
    db.session.flush()
    return assessment


def _criteria_by_code(charter: scoring.Charter) -> dict[str, scoring.Criterion]:
    return {c.code: c for p in charter.principles for c in p.criteria}


def _valid_value(criterion: scoring.Criterion, value: object) -> bool:
    """A stored value is still acceptable for this (maybe newer) criterion."""
    raw = _as_form_value(criterion.answer_type, value)
    return raw is not None and scoring.validate_answer(criterion, raw)[1] is None


def _as_form_value(answer_type: str, value: object) -> str | None:
    if value is None:
        return None
    if answer_type == "yes_no":
        return "oui" if value is True else "non" if value is False else None
    return str(value)


def form_value(criterion: Criterion, value: object) -> str:
    """An answer as the form shows it."""
    return _as_form_value(criterion.answer_type.value, value) or ""


def display_value(criterion: Criterion, value: object) -> str:
    """An answer as a reader sees it: « Oui », an option's label, « 12,5 % »."""
    if value is None:
        return ""
    kind = criterion.answer_type
    if kind is AnswerType.yes_no:
        return _("Oui") if value is True else _("Non")
    if kind is AnswerType.choice:
        return next((o.label for o in criterion.options if o.key == value), str(value))
    if kind is AnswerType.number:
        text = format_decimal(value)
        return f"{text} {criterion.unit}".strip()
    return str(value)


def save_answer(assessment: Assessment, criterion: Criterion, raw: str) -> str | None:
    """Validate and store one answer; an empty value clears it. Returns a French error or None."""
    error = _put_answer(assessment, criterion, raw)
    db.session.flush()
    return error


def fill(assessment: Assessment, submitted: list[tuple[Criterion, str]]) -> dict:
    """Validate and store several answers, written at once (flushed, not committed): for a
    batch no page races with (the demo). Returns {code: French error} for those refused."""
    errors = {}
    for criterion, raw in submitted:
        if error := _put_answer(assessment, criterion, raw):
            errors[criterion.code] = error
    db.session.flush()
    return errors


def _put_answer(assessment: Assessment, criterion: Criterion, raw: str) -> str | None:
    if assessment.finished:
        raise AssessmentError(_("Cette auto-évaluation est terminée : elle ne change plus."))
    if criterion.version_id != assessment.version_id:
        raise AssessmentError(_("Ce critère n'appartient pas à la charte de cette évaluation."))
    existing = next((a for a in assessment.answers if a.criterion_id == criterion.id), None)
    raw = (raw or "").replace("\x00", "").strip()
    if raw == "":
        if existing is not None:
            assessment.answers.remove(existing)
        return None
    pure = _criteria_by_code(charter_services.scoring_charter(assessment.version))[criterion.code]
    value, error = scoring.validate_answer(pure, raw)
    if error:
        return translate(error)
    if criterion.answer_type is AnswerType.number:
        value = float(value)
    if existing is None:
        assessment.answers.append(Answer(criterion_id=criterion.id, value=value))
    else:
        existing.value = value
    assessment.updated_at = utcnow()
    return None


def save_answers(assessment: Assessment, submitted: list[tuple[Criterion, str]]) -> dict:
    """Save several answers and commit; returns {code: French error} for those refused (the
    others are kept). The page's autosave may insert the same answer at the same moment: the
    loser of that race starts again once, and then updates the answer instead."""
    for attempt in range(2):
        errors = {}
        try:
            # One write per answer, as the autosave does: the first takes the database's
            # write lock early (SQLite), before the autosave of the same page can commit.
            errors = {}
            for criterion, raw in submitted:
                if error := save_answer(assessment, criterion, raw):
                    errors[criterion.code] = error
            db.session.commit()
            return errors
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
    return errors


def answers_by_code(assessment: Assessment) -> dict[str, object]:
    """The assessment's answers as stored, by criterion code."""
    codes = {c.id: c.code for c in assessment.version.criteria}
    return {codes[a.criterion_id]: a.value for a in assessment.answers}


def compute(assessment: Assessment) -> scoring.AssessmentResult:
    """Score the answers now against the assessment's charter version and its own family; writes
    nothing."""
    return scoring.score(
        charter_services.scoring_charter(assessment.version),
        assessment.family.value,
        answers_by_code(assessment),
    )


def result_data(assessment: Assessment) -> dict:
    """The result as plain data: frozen once finished, computed live before."""
    if assessment.finished:
        return assessment.result
    return to_data(compute(assessment))


def to_data(result: scoring.AssessmentResult) -> dict:
    """A scoring result as plain data (what a finished assessment keeps in `result`)."""
    return result.as_dict()


def missing(assessment: Assessment) -> list[Criterion]:
    """Applicable, scored criteria still without an answer."""
    answered = {a.criterion_id for a in assessment.answers}
    family = assessment.family.value
    return [
        c
        for c in assessment.version.criteria
        if c.answer_type is not AnswerType.text and c.applies_to(family) and c.id not in answered
    ]


def finish(assessment: Assessment) -> dict:
    """Freeze the result. Every applicable scored criterion must be answered."""
    if assessment.finished:
        raise AssessmentError(_("Cette auto-évaluation est déjà terminée."))
    if gaps := missing(assessment):
        raise AssessmentError(
            _(
                "Il reste %(n)s question(s) sans réponse : %(codes)s.",
                n=len(gaps),
                codes=", ".join(c.code for c in gaps),
            )
        )
    data = to_data(compute(assessment))
    assessment.result = data
    assessment.overall_score = data["overall"]
    assessment.eligible = data["eligible"]
    assessment.status = AssessmentStatus.finished
    assessment.finished_at = utcnow()
    db.session.flush()
    return data


def compare(
    before: dict,
    after: dict,
    before_answers: dict[str, object] | None = None,
    after_answers: dict[str, object] | None = None,
    *,
    before_version: CharterVersion | None = None,
    after_version: CharterVersion | None = None,
) -> list[dict]:
    """Criterion by criterion, how two results differ (codes present in either), for the
    renewal's « what changed since the last label ».

    With both answers (criterion code → stored value, `answers_by_code`), a row says whether
    the answer changed, and progress (« better ») or regress (« worse ») is read only where it
    did: by the status (not met < partly < met), then by the share of the criterion's points
    earned; an answer changed with neither moving is « changed ». A kept answer is « same »
    even when its points moved. Separately, `scale_changed` says that the charter's maximum
    for the criterion differs between the two versions (« barème modifié »). Without the
    answers (a caller that has only the results), answers are unknown (`answer_changed` is
    None) and points are compared only where the maximum did not change.

    Each row: code; before and after (the results' criterion rows, or None); change (new,
    removed, better, worse, changed, same); answer_changed; scale_changed; before_answer and
    after_answer, the answers as a reader sees them when the versions are given (else "")."""
    rank = {scoring.NOT_MET: 0, scoring.PARTLY: 1, scoring.MET: 2}
    known = before_answers is not None and after_answers is not None
    criteria = (
        {c.code: c for c in before_version.criteria} if before_version else {},
        {c.code: c for c in after_version.criteria} if after_version else {},
    )

    def same_answer(x: object, y: object) -> bool:
        if isinstance(x, bool) or isinstance(y, bool):
            return x is y  # True is no number
        if isinstance(x, int | float) and isinstance(y, int | float):
            return float(x) == float(y)
        return x == y

    def direction(a: dict, b: dict) -> str | None:
        ra, rb = rank.get(a["status"]), rank.get(b["status"])
        if ra is not None and rb is not None and ra != rb:
            return "better" if rb > ra else "worse"
        if a["max_points"] > 0 and b["max_points"] > 0:
            share_a, share_b = a["points"] / a["max_points"], b["points"] / b["max_points"]
            if share_a != share_b:
                return "better" if share_b > share_a else "worse"
        return None

    def shown(side: int, code: str, answers: dict | None) -> str:
        criterion = criteria[side].get(code)
        if criterion is None or answers is None or answers.get(code) is None:
            return ""
        return display_value(criterion, answers[code])

    old = {c["code"]: c for c in before["criteria"]}
    new = {c["code"]: c for c in after["criteria"]}
    rows = []
    for code in list(new) + [c for c in old if c not in new]:
        a, b = old.get(code), new.get(code)
        answer_changed: bool | None = None
        scale_changed = False
        if a is None or b is None:
            change = "new" if a is None else "removed"
        else:
            applicable = scoring.NOT_APPLICABLE not in (a["status"], b["status"])
            scale_changed = applicable and a["max_points"] != b["max_points"]
            if known:
                answer_changed = not same_answer(before_answers.get(code), after_answers.get(code))
                change = (direction(a, b) or "changed") if answer_changed else "same"
            elif scale_changed:
                change = "same"  # unknown answers under another scale: points tell nothing
            else:
                change = direction(a, b) or "same"
        rows.append(
            {
                "code": code,
                "before": a,
                "after": b,
                "change": change,
                "answer_changed": answer_changed,
                "scale_changed": scale_changed,
                "before_answer": shown(0, code, before_answers),
                "after_answer": shown(1, code, after_answers),
            }
        )
    return rows


# --- the anonymous quick self-diagnostic ------------------------------------------------------
#
# The quick set is a rule, not a mark in the charter data, so that every published version has
# one without its editor thinking of it: every eliminatory criterion that applies to the family
# (failing one refuses the label whatever the score), then each principle topped up to
# QUICK_PER_PRINCIPLE questions with its other scored criteria worth the most points (the
# charter's order on a tie). On the shipped charter: 10 questions for an association.
# Unanswered questions are refused (there are few); the score is read on the quick set alone
# and is an indication, never the label's result.


QUICK_FAMILY = Family.association.value  # what the page assumes until the visitor chooses
QUICK_PER_PRINCIPLE = 2
QUICK_STRONG = 75  # a principle at or above this looks strong; below the threshold, weak


@dataclass
class QuickDiagnostic:
    """One pass of the quick self-diagnostic: the values as typed (to show them again), the
    valid answers (to carry into a first assessment), the errors by criterion code, and the
    result as plain data (None until every question has a valid answer), with the principles
    that look strong and weak."""

    values: dict[str, str] = field(default_factory=dict)
    answers: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    result: dict | None = None
    strong: list[dict] = field(default_factory=list)
    weak: list[dict] = field(default_factory=list)


def quick_family(value: str | None) -> str:
    """The family the quick self-diagnostic scores for: the one asked when it exists, else
    « association »."""
    return value if value in {f.value for f in Family} else QUICK_FAMILY


def quick_codes(charter: scoring.Charter, family: str) -> list[str]:
    """The quick set's criterion codes for the family, in the charter's order (rule above)."""
    chosen: set[str] = set()
    for principle in charter.principles:
        applicable = [c for c in principle.criteria if c.scored and c.applies_to(family)]
        picked = [c for c in applicable if c.eliminatory]
        others = sorted(
            (c for c in applicable if not c.eliminatory),
            key=lambda c: -c.max_points,  # sorted() is stable: the charter's order on a tie
        )
        picked += others[: max(QUICK_PER_PRINCIPLE - len(picked), 0)]
        chosen |= {c.code for c in picked}
    return [c.code for p in charter.principles for c in p.criteria if c.code in chosen]


def quick_criteria(version: CharterVersion, family: str) -> list[Criterion]:
    """The version's criteria of the quick set for the family."""
    codes = set(quick_codes(charter_services.scoring_charter(version), family))
    return [c for c in version.criteria if c.code in codes]


def _quick_charter(charter: scoring.Charter, codes: set[str]) -> scoring.Charter:
    """The charter reduced to the quick set: scores read on those questions alone."""
    principles = tuple(
        replace(p, criteria=tuple(c for c in p.criteria if c.code in codes))
        for p in charter.principles
    )
    return scoring.Charter(charter.threshold, charter.principle_floor, principles)


def quick_diagnostic(version: CharterVersion, family: str, form) -> QuickDiagnostic:
    """Read the quick set's answers (`c-<code>` keys of `form`) and, when each has a valid
    one, score them on the quick set for the family; stores nothing."""
    charter = charter_services.scoring_charter(version)
    pure = _criteria_by_code(charter)
    codes = quick_codes(charter, family)
    quick = QuickDiagnostic()
    for code in codes:
        raw = form.get(f"c-{code}", "").replace("\x00", "").strip()
        quick.values[code] = raw
        if not raw:
            quick.errors[code] = _("Répondez à cette question.")
            continue
        value, error = scoring.validate_answer(pure[code], raw)
        if error:
            quick.errors[code] = translate(error)
        else:
            number = pure[code].answer_type == "number"
            quick.answers[code] = float(value) if number else value
    if not quick.errors:
        reduced = _quick_charter(charter, set(codes))
        quick.result = to_data(scoring.score(reduced, family, quick.answers))
        scored = [p for p in quick.result["principles"] if p["score"] is not None]
        quick.strong = [p for p in scored if p["score"] >= QUICK_STRONG]
        quick.weak = [p for p in scored if p["score"] < charter.threshold]
    return quick
