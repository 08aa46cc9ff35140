"""classify on small charters written out by hand: a field left out reads as its default,
and several changes to one principle or criterion are listed together, in a fixed order."""

import copy

import pytest

from cdess.charter.versions import MAJOR, MINOR, Change, classify


def criterion(code="GOV-01", **fields) -> dict:
    return {"code": code, **fields}


def charter(criteria=None, principle=None, **top) -> dict:
    """One principle GOV holding `criteria` (one bare criterion by default)."""
    return {
        **top,
        "principles": [
            {"code": "GOV", **(principle or {}), "criteria": criteria or [criterion()]},
        ],
    }


MINOR_NOTHING = Change(MINOR, (), ())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(charter(), charter(threshold=0), id="threshold"),
        pytest.param(charter(threshold=0), charter(), id="threshold, the other way"),
        pytest.param(charter(), charter(principle_floor=0), id="floor"),
        pytest.param(charter(principle_floor=0), charter(), id="floor, the other way"),
        pytest.param(charter(), charter(title=""), id="title"),
        pytest.param(charter(title=None), charter(), id="title, the other way"),
        pytest.param(charter(), charter(principle={"weight": 1}), id="weight"),
        pytest.param(charter(principle={"weight": 1}), charter(), id="weight, the other way"),
        pytest.param(charter(), charter(principle={"title": "", "description": ""}), id="texts"),
        pytest.param(
            charter(principle={"title": None, "description": None}), charter(), id="texts back"
        ),
        pytest.param(
            charter([criterion()]),
            charter([criterion(type="yes_no", points=0)]),
            id="a criterion's type and points",
        ),
        pytest.param(
            charter([criterion(options=[{"key": "a"}])]),
            charter([criterion(options=[{"key": "a", "points": 0, "label": ""}])]),
            id="an option's points and label",
        ),
        pytest.param(
            charter([criterion(options=[{"key": "a", "label": None}])]),
            charter([criterion(options=[{"key": "a"}])]),
            id="an option's label, the other way",
        ),
        pytest.param(
            charter([criterion()]),
            charter([criterion(question="", help="", recommendation="", unit="")]),
            id="a criterion's texts",
        ),
        pytest.param(
            charter([criterion(question=None, help=None, recommendation=None, unit=None)]),
            charter([criterion()]),
            id="a criterion's texts, the other way",
        ),
    ],
)
def test_a_field_left_out_is_its_default(old, new):
    assert classify(old, new) == MINOR_NOTHING


def test_the_threshold_left_out_is_zero_not_one():
    assert classify(charter(), charter(threshold=1)) == Change(
        MAJOR, ("seuil d'éligibilité modifié (0 → 1)",), ()
    )
    assert classify(charter(principle_floor=1), charter()) == Change(
        MAJOR, ("plancher modifié (1 → 0)",), ()
    )


def test_a_weight_left_out_is_one_not_two():
    assert classify(charter(principle={"weight": 2}), charter()) == Change(
        MAJOR, ("principe GOV : poids modifié",), ()
    )
    assert classify(charter(), charter(principle={"weight": 2})) == Change(
        MAJOR, ("principe GOV : poids modifié",), ()
    )


def test_a_bands_lower_bound_counts():
    old = charter([criterion(type="number", bands=[{"min": 0, "max": 10, "points": 1}])])
    new = charter([criterion(type="number", bands=[{"min": 5, "max": 10, "points": 1}])])
    assert classify(old, new) == Change(MAJOR, ("GOV-01 modifié : tranches de points",), ())


def test_an_option_without_points_scores_nothing_not_one():
    old = charter([criterion(options=[{"key": "a"}])])
    new = charter([criterion(options=[{"key": "a", "points": 1}])])
    assert classify(old, new) == Change(
        MAJOR, ("GOV-01 modifié : clés ou points des réponses",), ()
    )


def test_several_changes_to_one_principle_or_criterion_are_listed_together():
    old = charter(
        [criterion(question="Q ?", help="Aide.", points=1)],
        principle={"title": "Gouvernance", "description": "D."},
    )
    new = charter(
        [criterion(question="Q2 ?", help="Aide 2.", points=2, eliminatory=True)],
        principle={"title": "Gouvernance partagée", "description": "D2."},
    )
    assert classify(old, new) == Change(
        MAJOR,
        ("GOV-01 modifié : points, caractère éliminatoire",),
        (
            "principe GOV reformulé : intitulé, description",
            "GOV-01 reformulé : question, aide",
        ),
    )


def test_a_criterion_added_first_does_not_reorder_the_others():
    old = charter([criterion("GOV-01"), criterion("GOV-02")])
    new = copy.deepcopy(old)
    new["principles"][0]["criteria"].insert(0, criterion("GOV-00"))
    assert classify(old, new) == Change(MAJOR, ("critère GOV-00 ajouté",), ())
    new["principles"][0]["criteria"].reverse()
    assert classify(old, new) == Change(MAJOR, ("critère GOV-00 ajouté",), ("ordre des critères",))
