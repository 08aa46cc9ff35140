"""Eligibility explained and the verified result: tables on the default charter, properties
on random answers."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.charter import eligibility, scoring
from cdess.charter.eligibility import (
    ELIMINATORY,
    FLOOR,
    THRESHOLD,
    UNANSWERED,
    CorrectionRefused,
    Obstacle,
    checkable,
    correction,
    obstacles,
    verify,
)

CHARTER = scoring.load_default_charter()
FAMILIES = sorted(scoring.FAMILIES)


def best(criterion: scoring.Criterion) -> object:
    if criterion.answer_type == "yes_no":
        return True
    if criterion.answer_type == "choice":
        return max(criterion.options, key=lambda o: o.points).key
    if criterion.answer_type == "number":
        band = max(criterion.bands, key=lambda b: b.points)
        return float(band.min if band.min is not None else criterion.min_value or 0)
    return "Texte."


def worst(criterion: scoring.Criterion) -> object:
    if criterion.answer_type == "yes_no":
        return False
    if criterion.answer_type == "choice":
        return min(criterion.options, key=lambda o: o.points).key
    if criterion.answer_type == "number":
        band = min(criterion.bands, key=lambda b: b.points)
        low = band.min if band.min is not None else criterion.min_value or 0
        return float(low)
    return ""


BEST = {c.code: best(c) for c in CHARTER.criteria}
ELIMINATORY_CODES = [c.code for c in CHARTER.criteria if c.eliminatory]


def result(answers, family="association") -> dict:
    return scoring.score(CHARTER, family, answers).as_dict()


def test_the_best_answers_are_eligible_with_no_obstacle():
    for family in FAMILIES:
        assert result(BEST, family)["eligible"]
        assert obstacles(CHARTER, result(BEST, family)) == []


@pytest.mark.parametrize("code", ELIMINATORY_CODES)
def test_each_failed_eliminatory_criterion_is_named_with_its_recommendation(code):
    criterion = next(c for c in CHARTER.criteria if c.code == code)
    family = "entreprise_commerciale" if criterion.families else "association"
    found = obstacles(CHARTER, result({**BEST, code: worst(criterion)}, family))
    eliminatory = [o for o in found if o.kind == ELIMINATORY]
    assert eliminatory == [
        Obstacle(ELIMINATORY, code, criterion.question, recommendation=criterion.recommendation)
    ]
    assert criterion.recommendation  # the shipped charter says how to progress on each


def test_a_principle_below_the_floor_and_the_overall_below_the_threshold():
    # The non-eliminatory criteria of three principles at their worst: TER and UTI fall under
    # the floor (LUC keeps 47, its eliminatory criteria weigh much) and the overall to 56.
    answers = dict(BEST)
    for c in CHARTER.criteria:
        if c.principle_code in ("LUC", "TER", "UTI") and not c.eliminatory and c.scored:
            answers[c.code] = worst(c)
    data = result(answers)
    found = obstacles(CHARTER, data)
    floors = {o.code: o for o in found if o.kind == FLOOR}
    assert set(floors) == set(data["principles_below_floor"]) == {"TER", "UTI"}
    for o in floors.values():
        assert o.score < CHARTER.principle_floor and o.limit == CHARTER.principle_floor
        assert o.title
        # The criteria to work on: exactly the principle's ones not (fully) met.
        assert o.criteria == tuple(
            row["code"]
            for row in data["criteria"]
            if row["principle_code"] == o.code and row["status"] in ("not_met", "partly")
        )
        assert o.criteria and all(code.startswith(o.code) for code in o.criteria)
    overall = [o for o in found if o.kind == THRESHOLD]
    assert data["overall"] < CHARTER.threshold
    assert overall == [Obstacle(THRESHOLD, score=data["overall"], limit=CHARTER.threshold)]
    assert [o.kind for o in found] == [FLOOR, FLOOR, THRESHOLD]


def test_unanswered_questions_come_first():
    answers = {k: v for k, v in BEST.items() if k != "GOV-04"}
    answers["TER-01"] = False
    found = obstacles(CHARTER, result(answers))
    assert [(o.kind, o.code) for o in found][:2] == [
        (UNANSWERED, "GOV-04"),
        (ELIMINATORY, "TER-01"),
    ]


def test_a_principle_that_does_not_apply_is_never_below_the_floor():
    data = result(BEST, "fondation")
    data["principles"] = [dict(p, score=None) for p in data["principles"]]
    assert [o for o in obstacles(CHARTER, data) if o.kind == FLOOR] == []


# --- the verified result ---------------------------------------------------------------------


def test_confirming_every_answer_gives_the_self_assessed_result():
    assert verify(CHARTER, "association", BEST, {}).as_dict() == result(BEST)


def test_a_correction_replaces_the_answer_and_only_it():
    verified = verify(CHARTER, "association", BEST, {"TER-01": False})
    assert not verified.eligible and verified.failed_eliminatory == ["TER-01"]
    before = {row[0]: row for row in scoring.score(CHARTER, "association", BEST).criterion_rows}
    after = {row[0]: row for row in verified.criterion_rows}
    assert {code for code in before if before[code] != after[code]} == {"TER-01"}


@given(
    st.dictionaries(
        st.sampled_from([c.code for c in CHARTER.criteria if c.scored]),
        st.booleans(),
        max_size=8,
    ),
    st.sampled_from(FAMILIES),
)
def test_verified_equals_scoring_the_corrected_answers(flips, family):
    """Whatever is corrected, the verified result is the pure scoring of the corrected
    answers, and correcting to the applicant's own answers changes nothing."""
    criteria = {c.code: c for c in CHARTER.criteria}
    corrections = {code: (best if good else worst)(criteria[code]) for code, good in flips.items()}
    verified = verify(CHARTER, family, BEST, corrections)
    assert verified.as_dict() == scoring.score(CHARTER, family, {**BEST, **corrections}).as_dict()
    same = verify(CHARTER, family, BEST, {code: BEST[code] for code in flips})
    assert same.as_dict() == result(BEST, family)
    # A correction never makes a result better than the best answers.
    assert verified.overall <= result(BEST, family)["overall"] + 1e-9
    # Eligible exactly when there is no obstacle.
    assert verified.eligible == (obstacles(CHARTER, verified.as_dict()) == [])


@given(st.sampled_from(FAMILIES), st.data())
def test_eligible_exactly_when_no_obstacle_on_random_answers(family, data):
    answers = {}
    for c in CHARTER.criteria:
        if c.answer_type == "choice":
            answers[c.code] = data.draw(st.sampled_from([o.key for o in c.options]))
        elif c.answer_type == "yes_no":
            answers[c.code] = data.draw(st.booleans())
        elif c.answer_type == "number":
            low = c.min_value if c.min_value is not None else 0
            high = c.max_value if c.max_value is not None else 100
            answers[c.code] = data.draw(st.floats(low, high, allow_nan=False))
    scored = result(answers, family)
    found = obstacles(CHARTER, scored)
    assert scored["eligible"] == (found == [])
    assert {o.code for o in found if o.kind == ELIMINATORY} == set(scored["failed_eliminatory"])
    assert any(o.kind == THRESHOLD for o in found) == (scored["overall"] < CHARTER.threshold)


def test_checkable_criteria_are_the_scored_ones_that_apply():
    for family in FAMILIES:
        codes = {c.code for c in checkable(CHARTER, family)}
        expected = {c.code for c in CHARTER.criteria if c.scored and c.applies_to(family)}
        assert codes == expected
    assert "GOV-09" not in {c.code for c in checkable(CHARTER, "association")}  # free text
    assert "GOV-02" not in {c.code for c in checkable(CHARTER, "fondation")}  # no members


# --- a correction typed in a form ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "family", "applicant", "raw", "reason", "expected"),
    [
        ("TER-01", "association", True, "non", "SIRENE : siège à Lille.", False),
        ("GOV-07", "association", 45.0, "25", "3 femmes sur 12.", 25.0),
        ("GOV-07", "association", 45.0, "25,5", "Liste jointe.", 25.5),
        ("GOV-03", "association", "moins_12_mois", "plus_24_mois", "PV de 2022.", "plus_24_mois"),
    ],
)
def test_a_valid_correction_gives_the_stored_value(code, family, applicant, raw, reason, expected):
    value = correction(CHARTER, family, code, applicant, raw, reason)
    assert value == expected and type(value) is type(expected)


NOT_VERIFIED = "Ce critère n'est pas vérifié."
CONFIRM = "C'est la réponse de la structure : confirmez-la plutôt que la corriger."


@pytest.mark.parametrize(
    ("code", "family", "applicant", "raw", "reason", "field", "message"),
    [
        (
            "TER-01",
            "association",
            False,
            "oui",
            "  ",
            "reason",
            "Indiquez le motif de la correction.",
        ),
        ("TER-01", "association", True, "oui", "Vu.", "value", CONFIRM),
        ("GOV-07", "association", 25.0, "25", "Vu.", "value", CONFIRM),
        ("GOV-07", "association", 25, "25,0", "Vu.", "value", CONFIRM),
        (
            "TER-01",
            "association",
            True,
            "peut-être",
            "Vu.",
            "value",
            "Répondez par oui ou par non.",
        ),
        ("GOV-07", "association", 25.0, "80", "Vu.", "value", "Saisissez un nombre entre 0 et 50."),
        (
            "GOV-07",
            "association",
            25.0,
            "9" * 400,
            "Vu.",
            "value",
            "Saisissez un nombre entre 0 et 50.",
        ),
        (
            "GOV-03",
            "association",
            "moins_12_mois",
            "jamais",
            "Vu.",
            "value",
            "Choisissez une des réponses proposées.",
        ),
        (
            "GOV-02",
            "fondation",
            True,
            "non",
            "Vu.",
            "value",
            "Ce critère ne s'applique pas à cette structure.",
        ),
        ("GOV-09", "association", "Texte", "Autre", "Vu.", "value", NOT_VERIFIED),
        ("XXX-99", "association", None, "oui", "Vu.", "value", NOT_VERIFIED),
    ],
)
def test_a_bad_correction_is_refused_next_to_its_control(
    code, family, applicant, raw, reason, field, message
):
    with pytest.raises(CorrectionRefused) as refused:
        correction(CHARTER, family, code, applicant, raw, reason)
    assert refused.value.field == field
    assert str(refused.value) == message


def test_a_yes_is_not_the_number_one():
    # True == 1 in Python: an applicant's 1 corrected to « oui » is still a correction.
    assert correction(CHARTER, "association", "TER-01", 1, "oui", "Vu.") is True


# --- obstacles of a result written out by hand -------------------------------------------------


def test_a_principle_at_the_floor_and_an_overall_at_the_threshold_are_no_obstacle():
    data = {
        "unanswered": [],
        "failed_eliminatory": [],
        "criteria": [
            {"code": "TER-02", "principle_code": "TER", "status": "not_met"},
            {"code": "TER-03", "principle_code": "TER", "status": "partly"},
            {"code": "TER-04", "principle_code": "TER", "status": "met"},
            {"code": "TER-05", "principle_code": "TER", "status": "not_applicable"},
            {"code": "UTI-01", "principle_code": "UTI", "status": "not_met"},
        ],
        "principles": [
            {"code": "TER", "title": "Ancrage territorial", "score": 39.9},
            {"code": "UTI", "title": "Utilité sociale", "score": 40.0},
            {"code": "GOV", "title": "Gouvernance", "score": None},
            {"code": "LUC", "title": "Lucrativité limitée", "score": 0.0},
        ],
        "overall": 60.0,
    }
    assert (CHARTER.principle_floor, CHARTER.threshold) == (40.0, 60.0)
    assert obstacles(CHARTER, data) == [
        Obstacle(FLOOR, "TER", "Ancrage territorial", 39.9, 40.0, criteria=("TER-02", "TER-03")),
        Obstacle(FLOOR, "LUC", "Lucrativité limitée", 0.0, 40.0, criteria=()),
    ]
    assert obstacles(CHARTER, {**data, "overall": 59.9})[-1] == Obstacle(
        THRESHOLD, score=59.9, limit=60.0
    )


def test_a_result_missing_its_lists_has_only_the_threshold_to_meet():
    assert obstacles(CHARTER, {}) == [Obstacle(THRESHOLD, score=0, limit=60.0)]
    assert obstacles(CHARTER, {"overall": 60.0}) == []
    # A result without an overall score counts as 0, not as anything above it.
    low_bar = dataclasses.replace(CHARTER, threshold=1.0)
    assert obstacles(low_bar, {}) == [Obstacle(THRESHOLD, score=0, limit=1.0)]


def test_a_criterion_the_charter_no_longer_has_is_named_by_its_code_alone():
    data = {"unanswered": ["ZZZ-01"], "failed_eliminatory": ["ZZZ-02"], "overall": 75.0}
    assert obstacles(CHARTER, data) == [
        Obstacle(UNANSWERED, "ZZZ-01", "", recommendation=""),
        Obstacle(ELIMINATORY, "ZZZ-02", "", recommendation=""),
    ]


def test_apply_corrections_keeps_the_applicants_answers_untouched():
    answers = {"A": 1}
    merged = eligibility.apply_corrections(answers, {"A": 2, "B": 3})
    assert merged == {"A": 2, "B": 3} and answers == {"A": 1}


def test_obstacle_scores_are_never_rounded_up_to_the_limit():
    data = result(BEST)
    data["overall"], data["eligible"] = math.nextafter(CHARTER.threshold, 0), False
    (found,) = obstacles(CHARTER, data)
    assert found.kind == THRESHOLD and found.score < found.limit
