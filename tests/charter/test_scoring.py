"""The scoring rules, on hand-made charters and on the default charter, with properties."""

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdess.charter import scoring
from cdess.charter.scoring import (
    Band,
    Charter,
    Criterion,
    Option,
    Principle,
    charter_from_dict,
    load_default_charter,
    score,
    validate_answer,
    validate_charter,
)

FAMILIES = sorted(scoring.FAMILIES)
DEFAULT = load_default_charter()


def yes_no(code, points=2, **kw):
    return Criterion(code, code[:3], f"Question {code} ?", "yes_no", points=points, **kw)


def small_charter(**kw) -> Charter:
    """GOV: two yes/no (one eliminatory) and a choice; ADH: one yes/no, not for fondations."""
    gov = Principle(
        "GOV",
        "Gouvernance",
        1,
        (
            yes_no("GOV-01", 4, eliminatory=True),
            yes_no("GOV-02", 2),
            Criterion(
                "GOV-03",
                "GOV",
                "Fréquence ?",
                "choice",
                options=(
                    Option("a", "Jamais", 0),
                    Option("b", "Parfois", 1),
                    Option("c", "Oui", 4),
                ),
            ),
        ),
    )
    adh = Principle(
        "ADH",
        "Adhésion",
        3,
        (yes_no("ADH-01", 3, families=frozenset({"association"})),),
    )
    values = {"threshold": 60, "principle_floor": 40, "principles": (gov, adh)}
    values.update(kw)
    return Charter(**values)


# --- the rules on a small charter ------------------------------------------------------------


def test_all_met_is_100_and_eligible():
    result = score(
        small_charter(),
        "association",
        {"GOV-01": True, "GOV-02": True, "GOV-03": "c", "ADH-01": True},
    )
    assert result.overall == 100 and result.eligible
    assert {c.status for c in result.criteria} == {"met"}
    assert [p.score for p in result.principles] == [100, 100]


def test_principle_score_is_points_over_available_and_overall_is_weighted():
    # GOV: 4 + 0 + 1 of 10 → 50; ADH: 0 of 3 → 0; overall (50×1 + 0×3) / 4 = 12.5
    result = score(
        small_charter(),
        "association",
        {"GOV-01": True, "GOV-02": False, "GOV-03": "b", "ADH-01": False},
    )
    gov, adh = result.principles
    assert (gov.earned, gov.available, gov.score) == (5, 10, 50)
    assert (adh.earned, adh.available, adh.score) == (0, 3, 0)
    assert result.overall == pytest.approx(12.5)
    statuses = {c.code: c.status for c in result.criteria}
    assert statuses == {
        "GOV-01": "met",
        "GOV-02": "not_met",
        "GOV-03": "partly",
        "ADH-01": "not_met",
    }
    assert not result.eligible and result.principles_below_floor == ["ADH"]


def test_not_applicable_leaves_the_denominator():
    result = score(small_charter(), "fondation", {"GOV-01": True, "GOV-02": True, "GOV-03": "c"})
    adh = result.principles[1]
    assert adh.score is None and adh.available == 0 and not adh.below_floor
    assert result.overall == 100 and result.eligible  # ADH's weight does not count
    assert next(c for c in result.criteria if c.code == "ADH-01").status == "not_applicable"


def test_failed_eliminatory_refuses_eligibility_whatever_the_score():
    charter = small_charter(threshold=0, principle_floor=0)
    result = score(
        charter, "association", {"GOV-01": False, "GOV-02": True, "GOV-03": "c", "ADH-01": True}
    )
    assert result.overall > 60 and not result.eligible
    assert result.failed_eliminatory == ["GOV-01"]


def test_unanswered_counts_zero_and_blocks_eligibility():
    result = score(
        small_charter(threshold=0, principle_floor=0),
        "association",
        {"GOV-01": True, "GOV-02": True, "GOV-03": "c"},
    )
    assert result.unanswered == ["ADH-01"] and not result.eligible
    assert result.principles[1].score == 0
    # An unanswered eliminatory criterion fails too.
    result = score(small_charter(), "association", {})
    assert result.failed_eliminatory == ["GOV-01"]


def test_threshold_and_floor_are_inclusive():
    # GOV 10/10 → 100 (weight 1), ADH 0/3 → 0 (weight 3): overall 25.
    answers = {"GOV-01": True, "GOV-02": True, "GOV-03": "c", "ADH-01": False}
    assert score(small_charter(threshold=25, principle_floor=0), "association", answers).eligible
    assert not score(
        small_charter(threshold=25.01, principle_floor=0), "association", answers
    ).eligible
    answers["GOV-03"] = "a"  # GOV 6/10 → 60
    equal_weights = small_charter(threshold=0, principle_floor=60)
    assert score(equal_weights, "fondation", answers).eligible
    assert not score(
        small_charter(threshold=0, principle_floor=60.5), "fondation", answers
    ).eligible


def test_invalid_stored_values_count_as_unanswered():
    result = score(
        small_charter(),
        "association",
        {"GOV-01": "oui", "GOV-02": 1, "GOV-03": "z", "ADH-01": None},
    )
    assert result.unanswered == ["ADH-01", "GOV-01", "GOV-02", "GOV-03"]


def test_number_bands_are_min_inclusive_max_exclusive():
    ratio = Criterion(
        "LUC-08",
        "LUC",
        "Écart ?",
        "number",
        min_value=1,
        max_value=1000,
        bands=(Band(1, 3, 4), Band(3, 5, 3), Band(5, 10, 1), Band(10, None, 0)),
    )
    charter = Charter(60, 40, (Principle("LUC", "Lucrativité", 1, (ratio,)),))

    def points(value):
        return score(charter, "association", {"LUC-08": value}).criteria[0].points

    assert [points(v) for v in (1, 2.99, 3, 4.5, 5, 9.99, 10, 1000)] == [4, 4, 3, 3, 1, 1, 0, 0]
    assert score(charter, "association", {"LUC-08": 0.5}).unanswered == ["LUC-08"]  # out of range


def test_text_criteria_are_never_scored():
    text = Criterion("GOV-09", "GOV", "Décrivez…", "text")
    charter = Charter(60, 40, (Principle("GOV", "G", 1, (yes_no("GOV-01"), text)),))
    result = score(charter, "association", {"GOV-01": True})
    assert result.overall == 100 and result.eligible
    assert [c.code for c in result.criteria] == ["GOV-01"]


def test_recommendation_only_when_not_met():
    charter = Charter(
        60, 40, (Principle("GOV", "G", 1, (yes_no("GOV-01", recommendation="Faites-le."),)),)
    )
    assert score(charter, "association", {"GOV-01": False}).criteria[0].recommendation
    assert not score(charter, "association", {"GOV-01": True}).criteria[0].recommendation


def test_no_applicable_principle_gives_zero_not_an_error():
    charter = small_charter(principles=(small_charter().principles[1],))
    result = score(charter, "fondation", {})
    assert result.overall == 0 and not result.eligible


# --- answers typed into forms ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("3", 3.0), ("3,5", 3.5), (" 2.25 ", 2.25), ("1 000", 1000.0), ("1\u202f000", 1000.0)],
)
def test_numbers_in_french_or_english(raw, value):
    criterion = Criterion(
        "X-01", "X", "?", "number", min_value=0, max_value=5000, bands=(Band(0, None, 1),)
    )
    assert validate_answer(criterion, raw) == (value, None)


@pytest.mark.parametrize("raw", ["", "abc", "nan", "inf", "-1", "5001", "1e400", "3,5,1"])
def test_bad_numbers_get_a_french_message(raw):
    criterion = Criterion(
        "X-01", "X", "?", "number", min_value=0, max_value=5000, bands=(Band(0, None, 1),)
    )
    value, error = validate_answer(criterion, raw)
    assert value is None and error == "Saisissez un nombre entre 0 et 5000."


def test_choice_and_yes_no_answers():
    choice = small_charter().principles[0].criteria[2]
    assert validate_answer(choice, "b") == ("b", None)
    assert validate_answer(choice, "z") == (None, "Choisissez une des réponses proposées.")
    assert validate_answer(yes_no("GOV-01"), "oui") == (True, None)
    assert validate_answer(yes_no("GOV-01"), "non") == (False, None)
    assert validate_answer(yes_no("GOV-01"), "peut-être")[1] == "Répondez par oui ou par non."
    text = Criterion("GOV-09", "GOV", "?", "text")
    assert validate_answer(text, "  Un texte  ") == ("Un texte", None)
    assert validate_answer(text, "x" * 5000)[1].startswith("Réponse trop longue")


# --- charter checks before publication -------------------------------------------------------


def test_default_charter_is_valid_and_grounded():
    assert validate_charter(DEFAULT) == []
    criteria = DEFAULT.criteria
    assert len(criteria) >= 30
    assert [p.code for p in DEFAULT.principles] == ["GOV", "LUC", "TER", "ADH", "UTI"]
    eliminatory = {c.code for c in criteria if c.eliminatory}
    assert {"GOV-01", "LUC-01", "LUC-02", "UTI-01"} <= eliminatory
    # The reserve fractions of the 2014 law only concern commercial companies.
    reserves = [c for c in criteria if c.code in {"LUC-03", "LUC-04", "LUC-05"}]
    assert reserves and all(c.families == {"entreprise_commerciale"} for c in reserves)
    assert all(c.families and "fondation" not in c.families for c in DEFAULT.principles[3].criteria)


def test_default_charter_family_outcomes():
    """Perfect answers make every family eligible; a fondation skips membership entirely."""
    for family in FAMILIES:
        answers = {c.code: best_answer(c) for c in DEFAULT.criteria}
        result = score(DEFAULT, family, answers)
        assert result.eligible and result.overall == 100, family
    fondation = score(DEFAULT, "fondation", {})
    assert next(p for p in fondation.principles if p.code == "ADH").score is None
    commercial = score(DEFAULT, "entreprise_commerciale", {})
    assert {"LUC-03", "LUC-04", "LUC-05"} <= set(commercial.failed_eliminatory)
    assert not {"LUC-03", "LUC-04", "LUC-05"} & set(
        score(DEFAULT, "association", {}).failed_eliminatory
    )


def test_validate_charter_finds_problems():
    bad = Charter(
        120,
        -1,
        (
            Principle(
                "GOV",
                "G",
                0,
                (
                    yes_no("GOV-01"),
                    yes_no("GOV-01"),
                    Criterion(
                        "GOV-02",
                        "GOV",
                        "?",
                        "choice",
                        eliminatory=True,
                        options=(Option("a", "A", 1), Option("a", "B", 2)),
                    ),
                    Criterion(
                        "GOV-03",
                        "GOV",
                        "?",
                        "number",
                        eliminatory=True,
                        min_value=0,
                        max_value=10,
                        bands=(Band(0, None, 2), Band(5, 1, -1)),
                    ),
                    Criterion("GOV-04", "GOV", "?", "text", eliminatory=True),
                    Criterion("GOV-05", "GOV", "?", "yes_no", families=frozenset({"sarl"})),
                ),
            ),
            Principle("GOV", "Vide", 1, ()),
        ),
    )
    problems = " | ".join(validate_charter(bad))
    for expected in [
        "seuil d'éligibilité",
        "plancher",
        "GOV est utilisé deux fois",
        "GOV-01 est utilisé deux fois",
        "poids du principe GOV",
        "n'a aucun critère noté",
        "GOV-02 : deux réponses ont la même clé",
        "GOV-02 : un critère éliminatoire doit avoir une réponse qui échoue",
        "GOV-03 : une tranche a un minimum supérieur",
        "GOV-03 : une tranche a des points négatifs",
        "GOV-03 : un critère éliminatoire doit avoir une réponse qui échoue",
        "GOV-04 : une question libre ne peut pas être éliminatoire",
        "GOV-05 : famille inconnue (sarl)",
        "GOV-05 : une question oui/non doit rapporter",
    ]:
        assert expected in problems


def test_eliminatory_number_with_an_uncovered_gap_can_fail():
    gap = Criterion(
        "LUC-03",
        "LUC",
        "?",
        "number",
        eliminatory=True,
        min_value=0,
        max_value=100,
        bands=(Band(20, None, 3),),
    )
    charter = Charter(60, 40, (Principle("LUC", "L", 1, (gap,)),))
    assert validate_charter(charter) == []


def test_charter_from_dict_reads_the_file_shape():
    charter = charter_from_dict(
        {
            "threshold": 55,
            "principles": [
                {
                    "code": "GOV",
                    "title": "G",
                    "criteria": [
                        {
                            "code": "GOV-01",
                            "question": "?",
                            "type": "number",
                            "min": 0,
                            "max": "10",
                            "bands": [{"min": 0, "max": 5, "points": 1}, {"min": 5, "points": 2}],
                        },
                    ],
                }
            ],
        }
    )
    criterion = charter.criteria[0]
    assert charter.threshold == 55 and charter.principle_floor == 40
    assert criterion.max_value == 10 and criterion.bands[1] == Band(5, None, 2)
    assert criterion.max_points == 2 and criterion.families is None


# --- properties ------------------------------------------------------------------------------


def best_answer(c: Criterion):
    if c.answer_type == "yes_no":
        return True
    if c.answer_type == "choice":
        return max(c.options, key=lambda o: o.points).key
    if c.answer_type == "number":
        band = max(c.bands, key=lambda b: b.points)
        return band.min if band.min is not None else band.max - 1
    return "texte"


def answer_strategy(c: Criterion):
    """Any valid answer of a criterion, or none."""
    if c.answer_type == "yes_no":
        values = st.booleans()
    elif c.answer_type == "choice":
        values = st.sampled_from([o.key for o in c.options])
    elif c.answer_type == "number":
        low = c.min_value if c.min_value is not None else -1e6
        high = c.max_value if c.max_value is not None else 1e6
        edges = [b.min for b in c.bands if b.min is not None] + [
            b.max for b in c.bands if b.max is not None
        ]
        values = st.one_of(
            st.floats(low, high, allow_nan=False),
            st.sampled_from([e for e in edges if low <= e <= high] or [low]),
        )
    else:
        values = st.text(max_size=20)
    return st.one_of(st.none(), values)


answers_st = st.fixed_dictionaries({c.code: answer_strategy(c) for c in DEFAULT.criteria}).map(
    lambda answers: {k: v for k, v in answers.items() if v is not None}
)
family_st = st.sampled_from(FAMILIES)


def all_scores(result):
    return [result.overall] + [p.score for p in result.principles if p.score is not None]


@settings(max_examples=100, deadline=None)
@given(answers=answers_st, family=family_st)
def test_scores_stay_within_0_and_100(answers, family):
    result = score(DEFAULT, family, answers)
    assert all(0 <= s <= 100 for s in all_scores(result))
    assert all(0 <= c.points <= c.max_points for c in result.criteria)


@settings(max_examples=100, deadline=None)
@given(answers=answers_st, other=answers_st, family=family_st)
def test_answers_to_not_applicable_criteria_change_nothing(answers, other, family):
    not_applicable = {c.code for c in DEFAULT.criteria if not c.applies_to(family) or not c.scored}
    changed = dict(answers)
    for code in not_applicable:
        changed.pop(code, None)
        if code in other:
            changed[code] = other[code]
    assert score(DEFAULT, family, changed) == score(DEFAULT, family, answers)


def worth(c: Criterion, value) -> float:
    """What an answer is worth by the charter's data, worked out here (not by points_for):
    none, « non » or a value outside every band is worth nothing."""
    if value is None:
        return 0
    if c.answer_type == "yes_no":
        return c.points if value is True else 0
    if c.answer_type == "choice":
        return next(o.points for o in c.options if o.key == value)
    low = [b for b in c.bands if (b.min is None or b.min <= value)]
    return next((b.points for b in low if b.max is None or value < b.max), 0)


def better_answers(c: Criterion):
    """Pairs (worse, better) of answers of a criterion: better earns at least as much."""
    return st.tuples(answer_strategy(c), answer_strategy(c)).map(
        lambda pair: tuple(sorted(pair, key=lambda v: worth(c, v)))
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data(), answers=answers_st, family=family_st)
def test_improving_one_answer_never_lowers_a_score(data, answers, family):
    criterion = data.draw(st.sampled_from([c for c in DEFAULT.criteria if c.scored]))
    worse, better = data.draw(better_answers(criterion))
    before = score(DEFAULT, family, {**answers, criterion.code: worse})
    after = score(DEFAULT, family, {**answers, criterion.code: better})
    assert after.overall >= before.overall
    for old, new in zip(before.principles, after.principles, strict=True):
        assert old.score is None or new.score >= old.score
    if before.eligible:
        assert after.eligible


ALL_FAMILIES = frozenset(FAMILIES)


def yes(value) -> bool:
    return value is True


def at_least(low):
    return lambda value: type(value) in (int, float) and low <= value <= 100


# The default charter's eliminatory criteria: where they apply and which answers pass them.
ELIMINATORY = {
    "GOV-01": (ALL_FAMILIES, yes),
    "GOV-02": (ALL_FAMILIES - {"fondation"}, yes),
    "LUC-01": (ALL_FAMILIES, yes),
    "LUC-02": (ALL_FAMILIES, yes),
    "LUC-03": ({"entreprise_commerciale"}, at_least(20)),
    "LUC-04": ({"entreprise_commerciale"}, at_least(50)),
    "LUC-05": ({"entreprise_commerciale"}, yes),
    "TER-01": (ALL_FAMILIES, yes),
    "UTI-01": (ALL_FAMILIES, yes),
}


def test_the_default_charters_eliminatory_criteria():
    assert [c.code for c in DEFAULT.criteria if c.eliminatory] == list(ELIMINATORY)


@settings(max_examples=100, deadline=None)
@given(answers=answers_st, family=family_st)
def test_any_failed_eliminatory_criterion_makes_the_result_ineligible(answers, family):
    result = score(DEFAULT, family, answers)
    failing = [
        code
        for code, (families, passes) in ELIMINATORY.items()
        if family in families and not passes(answers.get(code))
    ]
    assert sorted(failing) == result.failed_eliminatory
    if failing:
        assert not result.eligible


@settings(max_examples=100, deadline=None)
@given(answers=answers_st, family=family_st, seed=st.integers(0, 2**32))
def test_reordering_criteria_changes_nothing(answers, family, seed):
    rng = random.Random(seed)
    shuffled = Charter(
        DEFAULT.threshold,
        DEFAULT.principle_floor,
        tuple(
            dataclasses.replace(p, criteria=tuple(rng.sample(p.criteria, len(p.criteria))))
            for p in DEFAULT.principles
        ),
    )
    original, reordered = score(DEFAULT, family, answers), score(shuffled, family, answers)
    assert reordered.overall == original.overall
    assert reordered.principles == original.principles
    assert sorted(reordered.criteria, key=lambda c: c.code) == sorted(
        original.criteria, key=lambda c: c.code
    )
    assert reordered.eligible == original.eligible
    assert reordered.failed_eliminatory == original.failed_eliminatory


def test_a_result_as_stored():
    # GOV: 4 + 2 + 1 of 10 → 70; ADH: 3 of 3 → 100; overall (70×1 + 100×3) / 4 = 92.5
    answers = {"GOV-01": True, "GOV-02": True, "GOV-03": "b", "ADH-01": True}
    expected = {
        "overall": 92.5,
        "eligible": True,
        "principles": [
            {
                "code": "GOV",
                "title": "Gouvernance",
                "score": 70.0,
                "earned": 7,
                "available": 10,
                "below_floor": False,
            },
            {
                "code": "ADH",
                "title": "Adhésion",
                "score": 100.0,
                "earned": 3,
                "available": 3,
                "below_floor": False,
            },
        ],
        "criteria": [
            {
                "code": "GOV-01",
                "principle_code": "GOV",
                "status": "met",
                "points": 4,
                "max_points": 4,
                "recommendation": "",
            },
            {
                "code": "GOV-02",
                "principle_code": "GOV",
                "status": "met",
                "points": 2,
                "max_points": 2,
                "recommendation": "",
            },
            {
                "code": "GOV-03",
                "principle_code": "GOV",
                "status": "partly",
                "points": 1,
                "max_points": 4,
                "recommendation": "",
            },
            {
                "code": "ADH-01",
                "principle_code": "ADH",
                "status": "met",
                "points": 3,
                "max_points": 3,
                "recommendation": "",
            },
        ],
        "failed_eliminatory": [],
        "principles_below_floor": [],
        "unanswered": [],
    }
    # The same answers give the same result every time, the one worked out above.
    for _ in range(2):
        assert score(small_charter(), "association", answers).as_dict() == expected
