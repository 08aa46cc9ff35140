"""Scoring edges with the expected values written out: what an answer is worth
(`points_for`), band limits, the published charter's defaults, the search for a failing answer
of an eliminatory criterion, and the clamps of the scores."""

import math

import pytest

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


def criterion(answer_type: str, code: str = "P-01", **fields) -> Criterion:
    return Criterion(code, "P", f"{code} ?", answer_type, **fields)


def one_principle(*criteria, weight=1) -> Charter:
    return Charter(60, 40, (Principle("P", "Principe", weight, tuple(criteria)),))


YES_NO = criterion("yes_no", points=0.5)
CHOICE = criterion(
    "choice", options=(Option("a", "A", 0.5), Option("b", "B", -2), Option("c", "C", 3))
)
NUMBER = criterion(
    "number",
    bands=(Band(10, 20, 0.5), Band(20, 50, -1), Band(60, None, 2)),
    min_value=0,
    max_value=100,
)


@pytest.mark.parametrize(
    ("crit", "value", "points"),
    [
        (YES_NO, True, 0.5),
        (YES_NO, False, 0),
        (YES_NO, None, None),
        (YES_NO, 1, None),
        (YES_NO, "oui", None),
        (criterion("yes_no", points=-3), True, 0),  # never negative
        (CHOICE, "a", 0.5),
        (CHOICE, "b", 0),  # never negative
        (CHOICE, "c", 3),
        (CHOICE, "z", None),
        (CHOICE, None, None),
        (NUMBER, 10, 0.5),
        (NUMBER, 19.5, 0.5),
        (NUMBER, 20, 0),  # a band with negative points gives nothing
        (NUMBER, 55, 0),  # in range, in no band
        (NUMBER, 5, 0),
        (NUMBER, 60, 2),
        (NUMBER, 100, 2),
        (NUMBER, 150, None),  # out of range, even inside an open band
        (NUMBER, -1, None),
        (NUMBER, True, None),  # a yes is not the number one
        (NUMBER, "15", None),
        (NUMBER, math.inf, None),
        (NUMBER, math.nan, None),
        (criterion("text"), "Texte", None),
    ],
)
def test_what_an_answer_is_worth(crit, value, points):
    assert crit.points_for(value) == points
    assert type(crit.points_for(value)) is type(points)  # 0, not False; None, not 0


def test_a_band_holds_its_minimum_and_not_its_maximum():
    band = Band(0, 10, 1)
    assert band.contains(0) and band.contains(9.99)
    assert not band.contains(10) and not band.contains(-0.01)
    assert Band(None, 10, 1).contains(-1e12) and Band(5, None, 1).contains(1e12)


# --- scoring --------------------------------------------------------------------------------


def test_a_fraction_of_a_point_is_kept():
    result = score(
        one_principle(YES_NO, criterion("yes_no", "P-02", points=1.5)),
        "association",
        {
            "P-01": True,
            "P-02": False,
        },
    )
    assert [(p.earned, p.available, p.score) for p in result.principles] == [(0.5, 2.0, 25.0)]


def test_a_number_in_no_band_earns_nothing_and_a_band_starts_at_its_minimum():
    crit = criterion("number", bands=(Band(10, None, 2),), min_value=0, max_value=None)
    for value, earned in ((5, 0), (10, 2), (1e9, 2)):
        (principle,) = score(one_principle(crit), "association", {"P-01": value}).principles
        assert principle.earned == earned


def test_an_eliminatory_criterion_earning_one_point_does_not_fail():
    crit = criterion("choice", eliminatory=True, options=(Option("a", "A", 0), Option("b", "B", 1)))
    assert score(one_principle(crit), "association", {"P-01": "b"}).failed_eliminatory == []
    assert score(one_principle(crit), "association", {"P-01": "a"}).failed_eliminatory == ["P-01"]


def test_a_principle_worth_one_point_has_a_score():
    result = score(one_principle(criterion("yes_no", points=1)), "association", {"P-01": True})
    assert [p.score for p in result.principles] == [100.0]


def test_an_unknown_family_counts_only_the_criteria_for_every_family():
    charter = one_principle(
        criterion("yes_no", "P-01", points=2),
        criterion("yes_no", "P-02", points=6, families=frozenset({"association"})),
    )
    (principle,) = score(charter, "inconnue", {"P-01": True}).principles
    assert (principle.earned, principle.available, principle.score) == (2, 2, 100.0)


def test_the_overall_score_never_exceeds_a_hundred():
    # Weights 0.1 and 0.7: (0.1×100 + 0.7×100) / 0.8 is 100.00000000000001 in floating point.
    charter = Charter(
        60,
        40,
        (
            Principle("A", "A", 0.1, (criterion("yes_no", "A-01", points=1),)),
            Principle("B", "B", 0.7, (criterion("yes_no", "B-01", points=1),)),
        ),
    )
    assert score(charter, "association", {"A-01": True, "B-01": True}).overall == 100.0


# --- validating answers and charters ----------------------------------------------------------


def test_a_missing_text_answer_is_empty():
    assert validate_answer(criterion("text"), None) == ("", None)


def eliminatory_number(*bands, min_value=None, max_value=None) -> Criterion:
    return criterion(
        "number", eliminatory=True, bands=bands, min_value=min_value, max_value=max_value
    )


NO_FAILING = "P-01 : un critère éliminatoire doit avoir une réponse qui échoue."


@pytest.mark.parametrize(
    ("crit", "can_fail"),
    [
        # A choice fails on an option worth nothing, not only on a negative one.
        (
            criterion(
                "choice", eliminatory=True, options=(Option("a", "A", 0), Option("b", "B", 2))
            ),
            True,
        ),
        (
            criterion(
                "choice", eliminatory=True, options=(Option("a", "A", 1), Option("b", "B", 2))
            ),
            False,
        ),
        # [10, 20) earns nothing: found at the first band's maximum.
        (
            eliminatory_number(
                Band(0, 10, 1), Band(10, 20, 0), Band(None, None, 1), min_value=0, max_value=100
            ),
            True,
        ),
        # [10, 15) earns nothing: found just below the first band's minimum.
        (
            eliminatory_number(
                Band(15, None, 1), Band(10, 20, 0), Band(0, 100, 1), min_value=0, max_value=99
            ),
            True,
        ),
        # Below -5 earns nothing, with no lower limit: found far below.
        (eliminatory_number(Band(None, -5, 0), Band(None, None, 1)), True),
        # From 5 up earns nothing, with no upper limit: found far above.
        (eliminatory_number(Band(5, None, 0), Band(None, None, 1)), True),
        (eliminatory_number(Band(None, None, 1)), False),
        (eliminatory_number(Band(0, 50, 1), Band(50, None, 2), min_value=0), False),
    ],
)
def test_an_eliminatory_criterion_must_have_a_failing_answer(crit, can_fail):
    problems = validate_charter(one_principle(crit))
    assert problems == ([] if can_fail else [NO_FAILING])


def test_a_single_failing_value_just_below_a_band_is_found():
    # Only 10 itself fails: the first band starts one step of a float above it.
    above_ten = math.nextafter(10, math.inf)
    crit = eliminatory_number(
        Band(above_ten, None, 1), Band(10, 20, 0), Band(None, None, 1), min_value=0, max_value=99
    )
    assert crit.points_for(10) == 0 and crit.points_for(above_ten) == 1
    assert validate_charter(one_principle(crit)) == []


def test_a_yes_no_worth_one_point_is_valid():
    assert validate_charter(one_principle(criterion("yes_no", points=1))) == []


def test_unknown_families_are_all_named():
    crit = criterion("yes_no", points=1, families=frozenset({"zeta", "alpha", "association"}))
    assert validate_charter(one_principle(crit)) == ["P-01 : famille inconnue (alpha, zeta)."]


def test_a_floor_just_above_a_hundred_is_refused():
    charter = Charter(60, 100.5, one_principle(criterion("yes_no", points=1)).principles)
    assert validate_charter(charter) == [
        "Le plancher par principe doit être compris entre 0 et 100."
    ]


# --- the charter file -----------------------------------------------------------------------


def test_an_empty_charter_file_is_an_empty_charter_with_the_default_limits():
    assert charter_from_dict({}) == Charter(60.0, 40.0, ())
    assert charter_from_dict({"principles": [{"code": "P"}]}) == Charter(
        60.0, 40.0, (Principle("P", "", 1.0, ()),)
    )


def test_a_criterion_reduced_to_its_code_takes_every_default():
    data = {
        "principles": [
            {
                "code": "P",
                "criteria": [
                    {"code": "P-01"},
                    {
                        "code": "P-02",
                        "type": "choice",
                        "points": 3,
                        "options": [{"key": "a"}, {"key": 2, "label": "Deux", "points": 1}],
                    },
                    {
                        "code": "P-03",
                        "type": "number",
                        "bands": [{"min": 1}, {"max": 5, "points": 2}],
                    },
                ],
            }
        ]
    }
    (principle,) = charter_from_dict(data).principles
    assert principle.criteria == (
        Criterion("P-01", "P", "", "yes_no"),
        Criterion(
            "P-02",
            "P",
            "",
            "choice",
            points=3.0,
            options=(Option("a", "", 0.0), Option("2", "Deux", 1.0)),
        ),
        Criterion("P-03", "P", "", "number", bands=(Band(1.0, None, 0.0), Band(None, 5.0, 2.0))),
    )


def test_the_shipped_charter():
    charter = load_default_charter()
    assert (charter.threshold, charter.principle_floor) == (60.0, 40.0)
    assert [p.code for p in charter.principles] == ["GOV", "LUC", "TER", "ADH", "UTI"]
    assert len(charter.criteria) == 41
