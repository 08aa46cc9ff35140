"""Eligibility of a result and the verified result: pure code, no app and no database.

The rules (DESIGN.md, "The charter and its scoring", « Self-assessed, then verified »):

- a result is eligible when its overall score reaches the charter's threshold, every
  principle reaches the floor, no eliminatory criterion fails and every applicable scored
  question has an answer (`scoring.score` decides it; this module explains it);
- the verified result is the self-assessed answers with the reviewers' corrections applied,
  scored by the very same `scoring.score`: a confirmed answer keeps its value, a corrected
  one takes the new value;
- a correction names a scored criterion that applies to the structure's family, carries a
  valid answer for that criterion that differs from the applicant's, and a reason.

Where DESIGN is silent, decided here:
- free-text criteria are never scored, so they are neither confirmed nor corrected;
- obstacles are listed in a fixed order — unanswered questions, failed eliminatory
  criteria, principles below the floor, then the overall score — so that the applicant
  reads the blocking criteria first;
- a principle with no applicable criterion (score None) is never an obstacle;
- a principle under its floor names its criteria not (fully) met, the ones to work on.
"""

from dataclasses import dataclass

from cdess.charter import scoring
from cdess.labels import N_

UNANSWERED, ELIMINATORY, FLOOR, THRESHOLD = "unanswered", "eliminatory", "floor", "threshold"


@dataclass(frozen=True, slots=True)
class Obstacle:
    """One thing that keeps a result from being eligible."""

    kind: str  # UNANSWERED, ELIMINATORY, FLOOR or THRESHOLD
    code: str = ""  # the criterion's or the principle's code ("" for the overall score)
    title: str = ""  # the criterion's question or the principle's title
    score: float | None = None  # the principle's or the overall score
    limit: float | None = None  # the floor or the threshold it misses
    recommendation: str = ""
    # For a principle under its floor: its applicable criteria not (fully) met.
    criteria: tuple[str, ...] = ()


def obstacles(charter: scoring.Charter, result: dict) -> list[Obstacle]:
    """What stands between a result (as stored: `AssessmentResult.as_dict()`) and
    eligibility; empty when the result is eligible."""
    criteria = {c.code: c for c in charter.criteria}
    found = []
    for kind, codes in (
        (UNANSWERED, result.get("unanswered", ())),
        (ELIMINATORY, result.get("failed_eliminatory", ())),
    ):
        for code in codes:
            criterion = criteria.get(code)
            found.append(
                Obstacle(
                    kind,
                    code,
                    criterion.question if criterion else "",
                    recommendation=criterion.recommendation if criterion else "",
                )
            )
    unmet: dict[str, list[str]] = {}
    for row in result.get("criteria", ()):
        if row["status"] in (scoring.NOT_MET, scoring.PARTLY):
            unmet.setdefault(row["principle_code"], []).append(row["code"])
    for principle in result.get("principles", ()):
        score = principle["score"]
        if score is not None and score < charter.principle_floor:
            found.append(
                Obstacle(
                    FLOOR,
                    principle["code"],
                    principle["title"],
                    score,
                    charter.principle_floor,
                    criteria=tuple(unmet.get(principle["code"], ())),
                )
            )
    if result.get("overall", 0) < charter.threshold:
        found.append(Obstacle(THRESHOLD, score=result.get("overall", 0), limit=charter.threshold))
    return found


def apply_corrections(answers: dict[str, object], corrections: dict[str, object]) -> dict:
    """The answers the verified result is scored on: the applicant's, corrected."""
    return {**answers, **corrections}


def verify(
    charter: scoring.Charter,
    family: str,
    answers: dict[str, object],
    corrections: dict[str, object],
) -> scoring.AssessmentResult:
    """The verified result: the same scoring on the corrected answers."""
    return scoring.score(charter, family, apply_corrections(answers, corrections))


def checkable(charter: scoring.Charter, family: str) -> list[scoring.Criterion]:
    """The criteria a reviewer confirms or corrects for a structure of this family."""
    return [c for c in charter.criteria if c.scored and c.applies_to(family)]


class CorrectionRefused(ValueError):
    """A correction that cannot be recorded; `field` is the control the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def correction(
    charter: scoring.Charter,
    family: str,
    code: str,
    applicant_value: object,
    raw: str,
    reason: str,
) -> object:
    """The stored value of a correction typed in a form, or CorrectionRefused (in French)."""
    criterion = next((c for c in charter.criteria if c.code == code), None)
    if criterion is None or not criterion.scored:
        raise CorrectionRefused("value", N_("Ce critère n'est pas vérifié."))
    if not criterion.applies_to(family):
        raise CorrectionRefused("value", N_("Ce critère ne s'applique pas à cette structure."))
    value, error = scoring.validate_answer(criterion, raw)
    if error:
        raise CorrectionRefused("value", error)
    if criterion.answer_type == "number":
        value = float(value)
    if value == applicant_value and isinstance(value, bool) == isinstance(applicant_value, bool):
        raise CorrectionRefused(
            "value", N_("C'est la réponse de la structure : confirmez-la plutôt que la corriger.")
        )
    if not reason.strip():
        raise CorrectionRefused("reason", N_("Indiquez le motif de la correction."))
    return value
