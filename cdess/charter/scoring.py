"""Scoring a self-assessment against a charter: pure code, no app and no database.

The rules (DESIGN.md, "The charter and its scoring"):

- a criterion applies to a structure unless its `families` exclude the structure's family;
  a criterion that does not apply leaves the denominator (it never scores zero);
- principle score = points earned / points available on applicable criteria × 100;
- overall score = mean of the principle scores weighted by the principles' weights;
- eligible when overall ≥ threshold, every principle ≥ floor, no eliminatory criterion
  fails and every applicable question has an answer.

Free-text criteria are asked but never scored. An eliminatory criterion fails when it
earns no point, or has no answer. Sums use `math.fsum`, so the order of the criteria
never changes a result, not even in the last decimal.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from cdess.labels import N_
from cdess.numbers import parse_number

FAMILIES = frozenset(
    {"association", "cooperative", "mutuelle", "fondation", "entreprise_commerciale"}
)
ANSWER_TYPES = ("yes_no", "choice", "number", "text")
TEXT_MAX_LENGTH = 4000

MET, PARTLY, NOT_MET, NOT_APPLICABLE, UNANSWERED = (
    "met",
    "partly",
    "not_met",
    "not_applicable",
    "unanswered",
)


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str
    points: float


@dataclass(frozen=True, slots=True)
class Band:
    """Values in [min, max) score `points`; a missing bound is open."""

    min: float | None
    max: float | None
    points: float

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    principle_code: str
    question: str
    answer_type: str
    points: float = 0
    eliminatory: bool = False
    families: frozenset[str] | None = None
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    recommendation: str = ""
    help: str = ""
    evidence_required: bool = False

    @property
    def scored(self) -> bool:
        return self.answer_type != "text"

    @property
    def max_points(self) -> float:
        if self.answer_type == "yes_no":
            return max(self.points, 0)
        if self.answer_type == "choice":
            return max((o.points for o in self.options), default=0)
        if self.answer_type == "number":
            return max((b.points for b in self.bands), default=0)
        return 0

    def applies_to(self, family: str) -> bool:
        return self.families is None or family in self.families

    def points_for(self, value: object) -> float | None:
        """Points for a stored answer; None when the value is not a valid answer."""
        if self.answer_type == "yes_no":
            if value is True:
                return max(self.points, 0)
            return 0 if value is False else None
        if self.answer_type == "choice":
            for option in self.options:
                if option.key == value:
                    return max(option.points, 0)
            return None
        if self.answer_type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            if not math.isfinite(value) or not self.in_range(value):
                return None
            for band in self.bands:
                if band.contains(value):
                    return max(band.points, 0)
            return 0
        return None

    def in_range(self, value: float) -> bool:
        return (self.min_value is None or value >= self.min_value) and (
            self.max_value is None or value <= self.max_value
        )


@dataclass(frozen=True, slots=True)
class Principle:
    code: str
    title: str
    weight: float
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Charter:
    threshold: float
    principle_floor: float
    principles: tuple[Principle, ...]
    # What `score` needs, worked out once (a charter never changes once built).
    _plan: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_plan", tuple(_principle_plan(p) for p in self.principles))

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for p in self.principles for c in p.criteria)


def _status(points: float, maximum: float) -> str:
    return MET if points >= maximum else PARTLY if points > 0 else NOT_MET


def _principle_plan(principle: Principle) -> tuple:
    """Per scored criterion: answer → (points, status) worked out in advance where possible."""
    steps = []
    for c in principle.criteria:
        if not c.scored:
            continue
        maximum = c.max_points
        if c.answer_type == "yes_no":
            kind, outcomes = bool, {True: max(c.points, 0), False: 0}
        elif c.answer_type == "choice":
            kind, outcomes = str, {o.key: max(o.points, 0) for o in c.options}
        else:  # numbers: (lowest, highest, bands) with open bounds as infinities
            low = -math.inf if c.min_value is None else c.min_value
            high = math.inf if c.max_value is None else c.max_value
            bands = tuple(
                (
                    -math.inf if b.min is None else b.min,
                    math.inf if b.max is None else b.max,
                    max(b.points, 0),
                )
                for b in c.bands
            )
            kind, outcomes = None, (low, high, bands)
        if kind is not None:
            outcomes = {value: (p, _status(p, maximum)) for value, p in outcomes.items()}
        skipped = (c.code, principle.code, NOT_APPLICABLE, 0, 0, "")
        steps.append((c, c.code, c.families, maximum, outcomes, kind, c.eliminatory, skipped))
    available = {
        family: math.fsum(
            c.max_points for c in principle.criteria if c.scored and c.applies_to(family)
        )
        for family in FAMILIES
    }
    return principle, tuple(steps), available


class CriterionResult(NamedTuple):
    code: str
    principle_code: str
    status: str
    points: float
    max_points: float
    recommendation: str


class PrincipleResult(NamedTuple):
    code: str
    title: str
    score: float | None  # None when no criterion of the principle applies
    earned: float
    available: float
    below_floor: bool


@dataclass(slots=True)
class AssessmentResult:
    overall: float
    eligible: bool
    principles: list[PrincipleResult]
    # One plain tuple per criterion, in CriterionResult's field order: tuples are much
    # cheaper to build than named ones, and most results are only stored or counted.
    criterion_rows: list[tuple] = field(repr=False)
    failed_eliminatory: list[str] = field(default_factory=list)
    principles_below_floor: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    @property
    def criteria(self) -> list[CriterionResult]:
        return [CriterionResult._make(row) for row in self.criterion_rows]

    def as_dict(self) -> dict:
        """Plain data (lists and dicts), as stored in JSON."""
        fields = CriterionResult._fields
        return {
            "overall": self.overall,
            "eligible": self.eligible,
            "principles": [p._asdict() for p in self.principles],
            "criteria": [dict(zip(fields, row, strict=True)) for row in self.criterion_rows],
            "failed_eliminatory": list(self.failed_eliminatory),
            "principles_below_floor": list(self.principles_below_floor),
            "unanswered": list(self.unanswered),
        }


# --- building a charter ----------------------------------------------------------------------


def _number(value) -> float | None:
    return None if value is None else float(value)


def charter_from_dict(data: dict) -> Charter:
    """The charter file's data (YAML shape, see default_charter.yaml) as a scoring model."""
    principles = []
    for p in data.get("principles", []):
        criteria = []
        for c in p.get("criteria", []):
            families = c.get("families")
            criteria.append(
                Criterion(
                    code=c["code"],
                    principle_code=p["code"],
                    question=c.get("question", ""),
                    answer_type=c.get("type", "yes_no"),
                    points=float(c.get("points") or 0),
                    eliminatory=bool(c.get("eliminatory")),
                    families=frozenset(families) if families else None,
                    options=tuple(
                        Option(str(o["key"]), o.get("label", ""), float(o.get("points") or 0))
                        for o in c.get("options") or ()
                    ),
                    bands=tuple(
                        Band(
                            _number(b.get("min")),
                            _number(b.get("max")),
                            float(b.get("points") or 0),
                        )
                        for b in c.get("bands") or ()
                    ),
                    min_value=_number(c.get("min")),
                    max_value=_number(c.get("max")),
                    recommendation=c.get("recommendation") or "",
                    help=c.get("help") or "",
                    evidence_required=bool(c.get("evidence_required")),
                )
            )
        principles.append(
            Principle(p["code"], p.get("title", ""), float(p.get("weight", 1)), tuple(criteria))
        )
    return Charter(
        threshold=float(data.get("threshold", 60)),
        principle_floor=float(data.get("principle_floor", 40)),
        principles=tuple(principles),
    )


def load_default_charter() -> Charter:
    """The shipped charter file, read strictly (charter/loading.py), as a scoring model."""
    from cdess.charter import loading  # only this helper reads files; loading reads us

    return charter_from_dict(loading.read(Path(__file__).with_name("default_charter.yaml")))


# --- scoring ---------------------------------------------------------------------------------


def score(charter: Charter, family: str, answers: dict[str, object]) -> AssessmentResult:
    """Score `answers` (criterion code → True/False, option key, number or text)."""
    principle_results = []
    criterion_results = []
    failed, unanswered, below = [], [], []
    weighted, weights = [], []
    floor = charter.principle_floor
    get = answers.get
    for principle, steps, available_by_family in charter._plan:
        code = principle.code
        earned = []
        for criterion, c_code, families, maximum, outcomes, kind, eliminatory, skipped in steps:
            if families is not None and family not in families:
                criterion_results.append(skipped)
                continue
            value = get(c_code)
            if kind is not None:  # exact type: 1 is not "oui", True is not an option key
                outcome = outcomes.get(value) if type(value) is kind else None
            elif (type(value) is float or type(value) is int) and (
                outcomes[0] <= value <= outcomes[1]
            ):
                points = next((p for lo, hi, p in outcomes[2] if lo <= value < hi), 0)
                outcome = points, _status(points, maximum)
            else:
                outcome = None  # not a number, NaN or out of range
            if outcome is None:
                points, status = 0, UNANSWERED
                unanswered.append(c_code)
            else:
                points, status = outcome
            if eliminatory and points <= 0:
                failed.append(c_code)
            earned.append(points)
            recommendation = "" if status is MET else criterion.recommendation
            criterion_results.append((c_code, code, status, points, maximum, recommendation))
        total_earned = math.fsum(earned)
        total_available = available_by_family.get(family)
        if total_available is None:  # a family the charter does not know: nothing excluded
            total_available = math.fsum(s[3] for s in steps if s[2] is None)
        principle_score = None
        is_below = False
        if total_available > 0:
            principle_score = min(100.0, max(0.0, total_earned / total_available * 100))
            weighted.append(principle.weight * principle_score)
            weights.append(principle.weight)
            if principle_score < floor:
                is_below = True
                below.append(code)
        principle_results.append(
            PrincipleResult(
                code, principle.title, principle_score, total_earned, total_available, is_below
            )
        )
    total_weight = math.fsum(weights)
    overall = math.fsum(weighted) / total_weight if total_weight > 0 else 0.0
    overall = min(100.0, max(0.0, overall))
    eligible = overall >= charter.threshold and not failed and not below and not unanswered
    failed.sort()
    unanswered.sort()
    return AssessmentResult(
        overall=overall,
        eligible=eligible,
        principles=principle_results,
        criterion_rows=criterion_results,
        failed_eliminatory=failed,
        principles_below_floor=below,
        unanswered=unanswered,
    )


# --- validating input ------------------------------------------------------------------------


def _format_number(value: float) -> str:
    """A limit as French readers write it: « 5000 », « 1 500 000 », « 0,5 » (never
    « 1,5e+06 »); thousands are set apart from five digits on."""
    exact = Decimal(repr(round(value, 6))).normalize()  # no trailing zero, no exponent below
    text = format(exact, ",f" if abs(value) >= 10_000 else "f")
    return text.replace(",", "\u202f").replace(".", ",")


def validate_answer(criterion: Criterion, raw: str) -> tuple[object, str | None]:
    """A submitted form value as a stored answer, or a French error message."""
    raw = (raw or "").strip()
    if criterion.answer_type == "yes_no":
        if raw in ("oui", "non"):
            return raw == "oui", None
        return None, N_("Répondez par oui ou par non.")
    if criterion.answer_type == "choice":
        if any(o.key == raw for o in criterion.options):
            return raw, None
        return None, N_("Choisissez une des réponses proposées.")
    if criterion.answer_type == "number":
        value = parse_number(raw)
        if value is not None and criterion.in_range(value):
            return value, None
        low, high = criterion.min_value, criterion.max_value
        if low is not None and high is not None:
            message = N_(
                "Saisissez un nombre entre %(low)s et %(high)s.",
                low=_format_number(low),
                high=_format_number(high),
            )
        elif low is not None:
            message = N_(
                "Saisissez un nombre supérieur ou égal à %(low)s.", low=_format_number(low)
            )
        elif high is not None:
            message = N_(
                "Saisissez un nombre inférieur ou égal à %(high)s.", high=_format_number(high)
            )
        else:
            message = N_("Saisissez un nombre.")
        return None, message
    if len(raw) > TEXT_MAX_LENGTH:
        return None, N_("Réponse trop longue : %(n)s caractères au plus.", n=TEXT_MAX_LENGTH)
    return raw, None


# --- validating a charter before publication -------------------------------------------------


def _has_failing_answer(criterion: Criterion) -> bool:
    if criterion.answer_type == "yes_no":
        return True  # "non" earns nothing
    if criterion.answer_type == "choice":
        return any(o.points <= 0 for o in criterion.options)
    if criterion.answer_type == "number":
        # Points are constant between consecutive limits (the range's and the bands'), on
        # pieces that hold their lower limit (a band is [min, max)): trying every limit tries
        # every piece, and a very low value the one below them all when nothing bounds it.
        candidates = {criterion.min_value, criterion.max_value}
        for band in criterion.bands:
            candidates.update((band.min, band.max))
        candidates.discard(None)
        if criterion.min_value is None:
            candidates.add(-1e18)
        return any(criterion.in_range(v) and criterion.points_for(v) == 0 for v in candidates)
    return False


def validate_charter(charter: Charter) -> list[str]:
    """What prevents publishing this charter, in French; empty when it can be published."""
    problems = []
    if not 0 <= charter.threshold <= 100:
        problems.append(N_("Le seuil d'éligibilité doit être compris entre 0 et 100."))
    if not 0 <= charter.principle_floor <= 100:
        problems.append(N_("Le plancher par principe doit être compris entre 0 et 100."))
    seen_principles, seen_criteria = set(), set()
    for principle in charter.principles:
        if principle.code in seen_principles:
            problems.append(
                N_("Le code de principe %(code)s est utilisé deux fois.", code=principle.code)
            )
        seen_principles.add(principle.code)
        if principle.weight <= 0:
            problems.append(
                N_("Le poids du principe %(code)s doit être positif.", code=principle.code)
            )
        if not any(c.scored for c in principle.criteria):
            problems.append(N_("Le principe %(code)s n'a aucun critère noté.", code=principle.code))
        for c in principle.criteria:
            if c.code in seen_criteria:
                problems.append(
                    N_("Le code de critère %(code)s est utilisé deux fois.", code=c.code)
                )
            seen_criteria.add(c.code)
            problems.extend(_criterion_problems(c))
    return problems


def _criterion_problems(c: Criterion) -> list[str]:
    problems = []
    if c.answer_type not in ANSWER_TYPES:
        return [N_("%(code)s : type de réponse inconnu.", code=c.code)]
    if not c.question.strip():
        problems.append(N_("%(code)s : la question est vide.", code=c.code))
    if c.families is not None and (unknown := c.families - FAMILIES):
        families = ", ".join(sorted(unknown))
        problems.append(
            N_("%(code)s : famille inconnue (%(families)s).", code=c.code, families=families)
        )
    if c.answer_type == "yes_no" and c.points <= 0:
        problems.append(
            N_("%(code)s : une question oui/non doit rapporter des points.", code=c.code)
        )
    if c.answer_type == "choice":
        keys = [o.key for o in c.options]
        if len(keys) < 2:
            problems.append(N_("%(code)s : un choix demande au moins deux réponses.", code=c.code))
        if len(set(keys)) != len(keys):
            problems.append(N_("%(code)s : deux réponses ont la même clé.", code=c.code))
        if any(o.points < 0 for o in c.options):
            problems.append(N_("%(code)s : une réponse a des points négatifs.", code=c.code))
    if c.answer_type == "number":
        if not c.bands:
            problems.append(
                N_("%(code)s : un nombre demande au moins une tranche de points.", code=c.code)
            )
        for band in c.bands:
            if band.min is not None and band.max is not None and band.min >= band.max:
                problems.append(
                    N_("%(code)s : une tranche a un minimum supérieur à son maximum.", code=c.code)
                )
            if band.points < 0:
                problems.append(N_("%(code)s : une tranche a des points négatifs.", code=c.code))
        if c.min_value is not None and c.max_value is not None and c.min_value > c.max_value:
            problems.append(
                N_("%(code)s : la valeur minimale dépasse la valeur maximale.", code=c.code)
            )
    if c.scored and c.max_points <= 0:
        problems.append(N_("%(code)s : aucune réponse ne rapporte de points.", code=c.code))
    if c.eliminatory and not c.scored:
        problems.append(
            N_("%(code)s : une question libre ne peut pas être éliminatoire.", code=c.code)
        )
    elif c.eliminatory and not _has_failing_answer(c):
        problems.append(
            N_("%(code)s : un critère éliminatoire doit avoir une réponse qui échoue.", code=c.code)
        )
    return problems
