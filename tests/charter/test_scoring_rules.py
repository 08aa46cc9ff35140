"""The scoring rules at their edges, with every expected value written out here (never read
from the module under test): range limits, bands, eliminatory criteria, families, floors,
parsing, messages and the charter file's fields."""

import math

import pytest

from cdess.charter.scoring import (
    Band,
    Charter,
    Criterion,
    Option,
    Principle,
    charter_from_dict,
    score,
    validate_answer,
    validate_charter,
)
from cdess.numbers import parse_number


def number(**fields) -> Criterion:
    values = {
        "code": "N-01",
        "principle_code": "P",
        "question": "Combien ?",
        "answer_type": "number",
        "bands": (Band(None, 10, 0), Band(10, 20, 2), Band(20, None, 4)),
        "min_value": 0,
        "max_value": 100,
    }
    return Criterion(**{**values, **fields})


def yes_no(code: str, points: float = 4, **fields) -> Criterion:
    values = {"question": f"{code} ?", "answer_type": "yes_no", "points": points}
    return Criterion(code=code, principle_code="P", **{**values, **fields})


def one_principle(*criteria, threshold=60, floor=40) -> Charter:
    return Charter(threshold, floor, (Principle("P", "Principe", 1, tuple(criteria)),))


# --- numbers: range and bands ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "points", "status"),
    [
        (0, 0, "not_met"),  # the minimum is allowed
        (9.99, 0, "not_met"),
        (10, 2, "partly"),  # a band includes its minimum...
        (19.99, 2, "partly"),
        (20, 4, "met"),  # ...and not its maximum
        (100, 4, "met"),  # the maximum is allowed, in the open-ended last band
    ],
)
def test_a_number_scores_by_its_band(value, points, status):
    (row,) = score(one_principle(number()), "association", {"N-01": value}).criteria
    assert (row.points, row.status) == (points, status)


@pytest.mark.parametrize("value", [-0.01, 100.01, math.inf, math.nan, "12", True])
def test_a_number_out_of_range_or_not_a_number_counts_as_unanswered(value):
    result = score(one_principle(number()), "association", {"N-01": value})
    assert result.unanswered == ["N-01"] and result.criteria[0].status == "unanswered"
    assert result.eligible is False


def test_an_open_band_below_takes_any_low_value():
    criterion = number(min_value=None, bands=(Band(None, 0, 1), Band(0, None, 3)))
    result = score(one_principle(criterion), "association", {"N-01": -1e12})
    assert result.criteria[0].points == 1


@pytest.mark.parametrize(
    ("fields", "raw", "message"),
    [
        ({}, "101", "Saisissez un nombre entre 0 et 100."),
        ({}, "-1", "Saisissez un nombre entre 0 et 100."),
        ({"max_value": None}, "-1", "Saisissez un nombre supérieur ou égal à 0."),
        ({"min_value": None}, "100,5", "Saisissez un nombre inférieur ou égal à 100."),
        ({"min_value": None, "max_value": None}, "douze", "Saisissez un nombre."),
        ({"min_value": 0.5, "max_value": 2.25}, "3", "Saisissez un nombre entre 0,5 et 2,25."),
    ],
)
def test_a_number_outside_its_range_is_refused_with_the_message_people_read(fields, raw, message):
    assert validate_answer(number(**fields), raw) == (None, message)


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("100", 100), (" 12,5 ", 12.5)])
def test_a_number_at_its_limits_is_accepted(raw, value):
    assert validate_answer(number(), raw) == (value, None)


# --- other answers' messages -----------------------------------------------------------------


def test_the_other_answers_messages_are_whole():
    choice = Criterion(
        "C-01", "P", "?", "choice", options=(Option("a", "A", 1), Option("b", "B", 0))
    )
    assert validate_answer(yes_no("Y-01"), "peut-être") == (None, "Répondez par oui ou par non.")
    assert validate_answer(yes_no("Y-01"), " oui ") == (True, None)
    assert validate_answer(yes_no("Y-01"), "non") == (False, None)
    assert validate_answer(choice, "z") == (None, "Choisissez une des réponses proposées.")
    text = Criterion("T-01", "P", "?", "text")
    assert validate_answer(text, "x" * 4001) == (
        None,
        "Réponse trop longue : 4000 caractères au plus.",
    )
    assert validate_answer(text, "x" * 4000) == ("x" * 4000, None)


# --- parsing numbers as people type them -----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3,5", 3.5),
        ("3.5", 3.5),
        ("1 200", 1200),
        ("1\u00a0200,5", 1200.5),  # non-breaking space
        ("1\u202f200", 1200),  # narrow non-breaking space (French thousands)
        ("-2", -2),
        ("1" * 30, float("1" * 30)),  # thirty characters: still a number
        ("1" * 31, None),  # longer is not something anyone types
        ("inf", None),
        ("-Infinity", None),
        ("nan", None),
        ("", None),
        ("   ", None),
        ("douze", None),
        ("1,2,3", None),
    ],
)
def test_parse_number(raw, value):
    assert parse_number(raw) == value


# --- eliminatory criteria, families, floors --------------------------------------------------


def test_an_eliminatory_criterion_partly_met_does_not_fail():
    criterion = number(eliminatory=True)
    partly = score(one_principle(criterion, threshold=0, floor=0), "association", {"N-01": 15})
    assert partly.failed_eliminatory == [] and partly.eligible is True
    none = score(one_principle(criterion, threshold=0, floor=0), "association", {"N-01": 5})
    assert none.failed_eliminatory == ["N-01"] and none.eligible is False


def test_an_unanswered_eliminatory_criterion_fails():
    result = score(one_principle(yes_no("E-01", eliminatory=True)), "association", {})
    assert result.failed_eliminatory == ["E-01"] and result.unanswered == ["E-01"]


def test_a_criterion_for_other_families_leaves_the_denominator():
    charter = one_principle(yes_no("A-01"), yes_no("C-01", families=frozenset({"cooperative"})))
    association = score(charter, "association", {"A-01": True})
    assert association.principles[0].available == 4 and association.overall == 100
    assert [r.status for r in association.criteria] == ["met", "not_applicable"]
    cooperative = score(charter, "cooperative", {"A-01": True, "C-01": False})
    assert cooperative.principles[0].available == 8 and cooperative.overall == 50


def test_an_unknown_family_is_scored_on_the_criteria_for_every_family():
    charter = one_principle(yes_no("A-01"), yes_no("C-01", families=frozenset({"cooperative"})))
    result = score(charter, "club", {"A-01": True})
    assert result.principles[0].available == 4 and result.overall == 100
    assert result.criteria[1].status == "not_applicable"


def test_a_principle_below_the_floor_makes_the_file_not_eligible():
    charter = Charter(
        threshold=50,
        principle_floor=40,
        principles=(
            Principle("P", "Fort", 3, (yes_no("P-01"),)),
            Principle("Q", "Faible", 1, (yes_no("Q-01"), yes_no("Q-02"), yes_no("Q-03"))),
        ),
    )
    answers = {"P-01": True, "Q-01": True, "Q-02": False, "Q-03": False}
    result = score(charter, "association", answers)
    assert [p.below_floor for p in result.principles] == [False, True]
    assert result.principles_below_floor == ["Q"]
    # (3 × 100 + 1 × 33.33…) / 4: above the threshold, yet not eligible
    assert result.overall == pytest.approx(83.333333, rel=1e-6)
    assert result.eligible is False
    at_floor = score(
        Charter(50, 50, charter.principles[1:]),
        "association",
        {"Q-01": True, "Q-02": True, "Q-03": False},
    )
    assert at_floor.principles[0].below_floor is False  # 66.7 ≥ 50


def test_eligible_exactly_at_the_threshold():
    charter = one_principle(yes_no("A-01"), yes_no("A-02"), threshold=50, floor=0)
    result = score(charter, "association", {"A-01": True, "A-02": False})
    assert result.overall == 50 and result.eligible is True


def test_the_stored_result_has_every_field():
    result = score(one_principle(yes_no("A-01", recommendation="Faites-le.")), "association", {})
    assert result.as_dict() == {
        "overall": 0.0,
        "eligible": False,
        "principles": [
            {
                "code": "P",
                "title": "Principe",
                "score": 0.0,
                "earned": 0.0,
                "available": 4.0,
                "below_floor": True,
            }
        ],
        "criteria": [
            {
                "code": "A-01",
                "principle_code": "P",
                "status": "unanswered",
                "points": 0,
                "max_points": 4,
                "recommendation": "Faites-le.",
            }
        ],
        "failed_eliminatory": [],
        "principles_below_floor": ["P"],
        "unanswered": ["A-01"],
    }


# --- a charter before publication ------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "floor"), [(0, 0), (100, 100)])
def test_threshold_and_floor_at_their_limits_can_be_published(threshold, floor):
    assert validate_charter(one_principle(yes_no("A-01"), threshold=threshold, floor=floor)) == []


def test_threshold_and_floor_outside_zero_to_a_hundred_are_refused():
    assert validate_charter(one_principle(yes_no("A-01"), threshold=100.5, floor=-1)) == [
        "Le seuil d'éligibilité doit être compris entre 0 et 100.",
        "Le plancher par principe doit être compris entre 0 et 100.",
    ]


@pytest.mark.parametrize(
    ("criterion", "problems"),
    [
        (yes_no("A-01", question=" "), ["A-01 : la question est vide."]),
        (
            Criterion("C-01", "P", "?", "choice", options=(Option("a", "A", 1),)),
            ["C-01 : un choix demande au moins deux réponses."],
        ),
        (
            Criterion(
                "C-01", "P", "?", "choice", options=(Option("a", "A", 1), Option("b", "B", -1))
            ),
            ["C-01 : une réponse a des points négatifs."],
        ),
        (
            Criterion(
                "C-01", "P", "?", "choice", options=(Option("a", "A", 1), Option("a", "B", 0))
            ),
            ["C-01 : deux réponses ont la même clé."],
        ),
        (
            number(bands=()),
            [
                "N-01 : un nombre demande au moins une tranche de points.",
                "N-01 : aucune réponse ne rapporte de points.",
            ],
        ),
        (
            number(bands=(Band(5, 5, 1),)),
            ["N-01 : une tranche a un minimum supérieur à son maximum."],
        ),
        (
            number(bands=(Band(6, 5, 1),)),
            ["N-01 : une tranche a un minimum supérieur à son maximum."],
        ),
        (
            number(bands=(Band(None, None, -1), Band(0, 1, 2))),
            ["N-01 : une tranche a des points négatifs."],
        ),
        (number(min_value=5, max_value=5), []),  # a single allowed value is fine
        (
            number(min_value=6, max_value=5),
            ["N-01 : la valeur minimale dépasse la valeur maximale."],
        ),
        (
            yes_no("A-01", points=0),
            [
                "A-01 : une question oui/non doit rapporter des points.",
                "A-01 : aucune réponse ne rapporte de points.",
            ],
        ),
        (
            yes_no("A-01", families=frozenset({"association", "club"})),
            ["A-01 : famille inconnue (club)."],
        ),
        (
            Criterion("T-01", "P", "?", "text", eliminatory=True),
            ["T-01 : une question libre ne peut pas être éliminatoire."],
        ),
        (Criterion("X-01", "P", "?", "date"), ["X-01 : type de réponse inconnu."]),
    ],
)
def test_each_problem_of_a_criterion_is_named(criterion, problems):
    charter = one_principle(yes_no("OK-01"), criterion)
    assert validate_charter(charter) == problems


def test_a_principle_without_scored_criteria_or_weight_is_refused():
    charter = Charter(
        60,
        40,
        (
            Principle("P", "Sans poids", 0, (yes_no("P-01"),)),
            Principle("Q", "Libre", 1, (Criterion("Q-01", "Q", "?", "text"),)),
            Principle("P", "Doublon", 1, (yes_no("P-01"),)),
        ),
    )
    assert validate_charter(charter) == [
        "Le poids du principe P doit être positif.",
        "Le principe Q n'a aucun critère noté.",
        "Le code de principe P est utilisé deux fois.",
        "Le code de critère P-01 est utilisé deux fois.",
    ]


# --- the charter file's fields reach the scoring model ---------------------------------------


def test_every_field_of_the_charter_file_is_read():
    charter = charter_from_dict(
        {
            "threshold": 55,
            "principle_floor": 35,
            "principles": [
                {
                    "code": "GOV",
                    "title": "Gouvernance",
                    "weight": 2.5,
                    "criteria": [
                        {
                            "code": "GOV-01",
                            "question": "Combien de salariés ?",
                            "type": "number",
                            "min": 1,
                            "max": 500,
                            "bands": [{"max": 10, "points": 1}, {"min": 10, "points": 3}],
                            "eliminatory": True,
                            "families": ["association", "fondation"],
                            "recommendation": "Recrutez.",
                            "help": "Au 31 décembre.",
                            "evidence_required": True,
                        },
                        {
                            "code": "GOV-02",
                            "question": "Quelle instance ?",
                            "type": "choice",
                            "options": [
                                {"key": "ag", "label": "Assemblée générale", "points": 2},
                                {"key": "ca", "label": "Conseil", "points": 1},
                            ],
                        },
                    ],
                }
            ],
        }
    )
    assert (charter.threshold, charter.principle_floor) == (55, 35)
    (principle,) = charter.principles
    assert (principle.code, principle.title, principle.weight) == ("GOV", "Gouvernance", 2.5)
    first, second = principle.criteria
    assert first == Criterion(
        code="GOV-01",
        principle_code="GOV",
        question="Combien de salariés ?",
        answer_type="number",
        eliminatory=True,
        families=frozenset({"association", "fondation"}),
        bands=(Band(None, 10, 1), Band(10, None, 3)),
        min_value=1,
        max_value=500,
        recommendation="Recrutez.",
        help="Au 31 décembre.",
        evidence_required=True,
    )
    assert second.options == (Option("ag", "Assemblée générale", 2), Option("ca", "Conseil", 1))
    assert second.evidence_required is False and second.families is None


def test_the_charter_file_defaults():
    charter = charter_from_dict({"principles": [{"code": "P", "criteria": [{"code": "P-01"}]}]})
    assert (charter.threshold, charter.principle_floor) == (60, 40)
    assert charter.principles[0].weight == 1
    assert charter.principles[0].criteria[0].answer_type == "yes_no"


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (0, 1_500_000, "Saisissez un nombre entre 0 et 1\u202f500\u202f000."),
        (-2500.5, 10, "Saisissez un nombre entre -2500,5 et 10."),
        (-12500, 0, "Saisissez un nombre entre -12\u202f500 et 0."),
        (0.125, 1e9, "Saisissez un nombre entre 0,125 et 1\u202f000\u202f000\u202f000."),
    ],
)
def test_large_limits_read_as_people_write_them(low, high, message):
    assert validate_answer(number(min_value=low, max_value=high), "x") == (None, message)


def test_a_zero_band_listed_before_a_wider_earning_band_is_a_failing_answer():
    """An answer of 15 to 19 earns nothing (the first band that holds a value scores it): the
    eliminatory criterion can fail, so the charter may be published."""
    criterion = number(eliminatory=True, max_value=99, bands=(Band(15, 20, 0), Band(0, 100, 1)))
    assert criterion.points_for(17) == 0
    assert validate_charter(one_principle(yes_no("OK-01"), criterion)) == []


@pytest.mark.parametrize(
    ("high", "shown"),
    [(9999, "9999"), (10_000, "10\u202f000"), (10_001, "10\u202f001"), (100, "100"), (2.5, "2,5")],
)
def test_thousands_are_set_apart_from_five_digits(high, shown):
    message = validate_answer(number(min_value=0, max_value=high), "x")[1]
    assert message == f"Saisissez un nombre entre 0 et {shown}."


@pytest.mark.parametrize(
    ("bands", "low", "high", "fails"),
    [
        ((Band(0, 10, 1), Band(10, None, 2)), 0, None, False),  # every value earns
        ((Band(0, 10, 1), Band(12, None, 2)), 0, None, True),  # 10 to 12 earns nothing
        ((Band(None, 10, 1),), None, None, True),  # above 10 earns nothing
        ((Band(5, None, 1),), None, None, True),  # below 5 earns nothing
        ((Band(5, None, 1),), 5, None, False),  # ... but nothing below 5 is allowed
        ((Band(0, 50, 1), Band(50, 60, 0), Band(60, None, 1)), 0, 100, True),  # a hole inside
        ((Band(0, 100, 1),), 0, 100, True),  # 100 itself falls outside the band [0, 100)
        ((Band(0, 100, 1),), 0, 99.5, False),
    ],
)
def test_an_eliminatory_number_needs_an_answer_that_fails(bands, low, high, fails):
    criterion = number(eliminatory=True, bands=bands, min_value=low, max_value=high)
    problems = validate_charter(one_principle(yes_no("OK-01"), criterion))
    refused = ["N-01 : un critère éliminatoire doit avoir une réponse qui échoue."]
    assert problems == ([] if fails else refused)


def test_limits_are_shown_to_six_decimals():
    criterion = number(min_value=0.1234567, max_value=1)
    assert validate_answer(criterion, "x")[1] == "Saisissez un nombre entre 0,123457 et 1."
