"""Minor and major versions, the month helper and when an older signature counts: pure rules,
table by table and with properties."""

import copy
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.charter import loading, services
from cdess.charter.scoring import ANSWER_TYPES, FAMILIES
from cdess.charter.versions import (
    MAJOR,
    MINOR,
    Change,
    PublishedVersion,
    Standing,
    classify,
    standing,
)
from cdess.clock import add_months

SHIPPED = loading.read(services.DEFAULT_CHARTER)


def changed(data: dict, edit) -> dict:
    """A deep copy of the charter data, edited by `edit(copy, criteria_by_code)`."""
    new = copy.deepcopy(data)
    edit(new, {c["code"]: c for p in new["principles"] for c in p["criteria"]})
    return new


def principle(data: dict, code: str) -> dict:
    return next(p for p in data["principles"] if p["code"] == code)


def move_criterion(data, by_code):
    gov = principle(data, "GOV")
    gov["criteria"].remove(by_code["GOV-04"])
    principle(data, "LUC")["criteria"].append(by_code["GOV-04"])


def test_identical_versions_are_minor_with_nothing_to_say():
    assert classify(SHIPPED, copy.deepcopy(SHIPPED)) == Change(MINOR, (), ())


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        pytest.param(
            lambda d, c: principle(d, "GOV")["criteria"].append(
                {"code": "GOV-99", "question": "?", "type": "yes_no", "points": 1}
            ),
            "critère GOV-99 ajouté",
            id="criterion added",
        ),
        pytest.param(
            lambda d, c: principle(d, "UTI")["criteria"].pop(),
            "critère UTI-10 supprimé",
            id="criterion removed (even a free text one)",
        ),
        pytest.param(
            lambda d, c: c["GOV-04"].update(type="text"),
            "GOV-04 modifié : type de réponse",
            id="answer type",
        ),
        pytest.param(
            lambda d, c: c["GOV-04"].update(points=3),
            "GOV-04 modifié : points",
            id="points of a yes/no",
        ),
        pytest.param(
            lambda d, c: c["ADH-03"]["options"][2].update(points=1),
            "ADH-03 modifié : clés ou points des réponses",
            id="points of an option",
        ),
        pytest.param(
            lambda d, c: c["ADH-03"]["options"][3].update(key="plus_30_plein"),
            "ADH-03 modifié : clés ou points des réponses",
            id="key of an option",
        ),
        pytest.param(
            lambda d, c: c["ADH-03"]["options"].pop(),
            "ADH-03 modifié : clés ou points des réponses",
            id="option removed",
        ),
        pytest.param(
            lambda d, c: c["GOV-07"]["bands"][1].update(max=35),
            "GOV-07 modifié : tranches de points",
            id="band bound",
        ),
        pytest.param(
            lambda d, c: c["LUC-08"]["bands"][0].update(points=5),
            "LUC-08 modifié : tranches de points",
            id="band points",
        ),
        pytest.param(
            lambda d, c: c["GOV-07"].update(max=100),
            "GOV-07 modifié : valeur maximale admise",
            id="max",
        ),
        pytest.param(
            lambda d, c: c["LUC-08"].update(min=0),
            "LUC-08 modifié : valeur minimale admise",
            id="min",
        ),
        pytest.param(
            lambda d, c: c["GOV-02"].update(families=["association", "cooperative"]),
            "GOV-02 modifié : familles concernées",
            id="families",
        ),
        pytest.param(
            lambda d, c: c["GOV-04"].update(families=["association"]),
            "GOV-04 modifié : familles concernées",
            id="families, from every family",
        ),
        pytest.param(
            lambda d, c: c["GOV-04"].update(eliminatory=True),
            "GOV-04 modifié : caractère éliminatoire",
            id="eliminatory",
        ),
        pytest.param(
            lambda d, c: c["GOV-04"].update(evidence_required=True),
            "GOV-04 modifié : justificatif obligatoire",
            id="evidence required",
        ),
        pytest.param(move_criterion, "GOV-04 modifié : principe de rattachement", id="moved"),
        pytest.param(
            lambda d, c: principle(d, "TER").update(weight=2),
            "principe TER : poids modifié",
            id="weight",
        ),
        pytest.param(
            lambda d, c: d["principles"].append(
                {"code": "ENV", "title": "Environnement", "criteria": []}
            ),
            "principe ENV ajouté",
            id="principle added",
        ),
        pytest.param(
            lambda d, c: d["principles"].pop(3),
            "principe ADH supprimé",
            id="principle removed",
        ),
        pytest.param(
            lambda d, c: d.update(threshold=65),
            "seuil d'éligibilité modifié (60 → 65)",
            id="threshold",
        ),
        pytest.param(
            lambda d, c: d.update(principle_floor=37.5),
            "plancher modifié (40 → 37,5)",
            id="floor",
        ),
        pytest.param(
            lambda d, c: d["commitments"].append("Publier nos comptes."),
            "engagements ajoutés ou retirés (7 → 8)",
            id="commitment added",
        ),
    ],
)
def test_scoring_changes_are_major(edit, reason):
    new = changed(SHIPPED, edit)
    change = classify(SHIPPED, new)
    assert change.kind == MAJOR and change.major
    assert reason in change.reasons
    assert classify(new, SHIPPED).kind == MAJOR


@pytest.mark.parametrize(
    ("edit", "wording"),
    [
        (
            lambda d, c: c["GOV-01"].update(question="Vos statuts sont-ils démocratiques ?"),
            "GOV-01 reformulé : question",
        ),
        (lambda d, c: c["GOV-01"].update(help=""), "GOV-01 reformulé : aide"),
        (
            lambda d, c: c["GOV-01"].update(recommendation="Révisez vos statuts."),
            "GOV-01 reformulé : recommandation",
        ),
        (lambda d, c: c["GOV-07"].update(unit="pour cent"), "GOV-07 reformulé : unité"),
        (
            lambda d, c: c["ADH-03"]["options"][3].update(label="Plus de 30 €, sans réduction"),
            "ADH-03 reformulé : libellés des réponses",
        ),
        (lambda d, c: c["ADH-03"]["options"].reverse(), "ADH-03 reformulé : ordre des réponses"),
        (
            lambda d, c: principle(d, "GOV").update(title="Gouvernance partagée"),
            "principe GOV reformulé : intitulé",
        ),
        (
            lambda d, c: principle(d, "GOV").update(description="Une personne, une voix."),
            "principe GOV reformulé : description",
        ),
        (lambda d, c: principle(d, "GOV")["criteria"].reverse(), "ordre des critères"),
        (lambda d, c: d["principles"].reverse(), "ordre des principes"),
        (lambda d, c: d.update(title="Charte 2027"), "titre de la charte"),
        (
            lambda d, c: d["commitments"].__setitem__(0, "Poursuivre un but social."),
            "engagements reformulés",
        ),
    ],
)
def test_wording_changes_are_minor(edit, wording):
    new = changed(SHIPPED, edit)
    change = classify(SHIPPED, new)
    assert change.kind == MINOR and not change.major and change.reasons == ()
    assert wording in change.wording
    assert classify(new, SHIPPED).kind == MINOR


def test_a_version_label_and_equal_numbers_change_nothing():
    new = changed(SHIPPED, lambda d, c: d.update(version_label="2027"))
    c = {c["code"]: c for p in new["principles"] for c in p["criteria"]}
    c["GOV-04"]["points"] = 2.0  # 2 in the file
    c["GOV-02"]["families"] = list(reversed(c["GOV-02"]["families"]))
    assert classify(SHIPPED, new) == Change(MINOR, (), ())


def test_wording_and_scoring_changes_together_are_major_and_list_both():
    def edit(d, c):
        c["GOV-01"]["question"] = "Autre question ?"
        c["GOV-01"]["points"] = 5

    change = classify(SHIPPED, changed(SHIPPED, edit))
    assert change.reasons == ("GOV-01 modifié : points",)
    assert change.wording == ("GOV-01 reformulé : question",)


def test_the_database_shape_classifies_like_the_file(charter, create_user):
    """`version_to_dict` (what publish compares) says the same as the file's data."""
    from cdess.accounts.models import Role

    draft = services.start_draft(create_user(Role.secretariat))
    assert classify(services.version_to_dict(charter), services.version_to_dict(draft)) == (
        Change(MINOR, (), ())
    )
    assert services.classification(draft) == Change(MINOR, (), ())


# --- properties ------------------------------------------------------------------------------

words = st.text(alphabet="abcéè ,'", min_size=1, max_size=8)
amounts = st.integers(min_value=0, max_value=5).map(float)
FAMILY_LIST = sorted(FAMILIES)


@st.composite
def criteria(draw, code: str) -> dict:
    kind = draw(st.sampled_from(ANSWER_TYPES))
    data = {
        "code": code,
        "question": draw(words),
        "help": draw(words),
        "type": kind,
        "points": draw(amounts),
        "evidence_required": draw(st.booleans()),
        "eliminatory": draw(st.booleans()),
        "recommendation": draw(words),
    }
    if draw(st.booleans()):
        data["families"] = draw(st.lists(st.sampled_from(FAMILY_LIST), min_size=1, unique=True))
    if kind == "choice":
        keys = draw(st.lists(st.sampled_from("abcdef"), min_size=2, max_size=4, unique=True))
        data["options"] = [{"key": k, "label": draw(words), "points": draw(amounts)} for k in keys]
    if kind == "number":
        cuts = sorted(draw(st.sets(st.integers(0, 50), min_size=1, max_size=3)))
        bounds = [None, *cuts, None]
        data["bands"] = [
            {"min": low, "max": high, "points": draw(amounts)}
            for low, high in itertools.pairwise(bounds)
        ]
        data.update(unit=draw(words), min=draw(st.none() | st.just(0.0)), max=None)
    return data


@st.composite
def charters(draw) -> dict:
    principles = []
    for i in range(draw(st.integers(min_value=1, max_value=3))):
        code = f"P{i}"
        count = draw(st.integers(min_value=1, max_value=3))
        principles.append(
            {
                "code": code,
                "title": draw(words),
                "description": draw(words),
                "weight": float(draw(st.integers(min_value=1, max_value=3))),
                "criteria": [draw(criteria(f"{code}-{j}")) for j in range(count)],
            }
        )
    return {
        "title": draw(words),
        "version_label": "1",
        "threshold": float(draw(st.integers(0, 100))),
        "principle_floor": float(draw(st.integers(0, 100))),
        "commitments": draw(st.lists(words, max_size=3)),
        "principles": principles,
    }


def _flip_type(c):
    c["type"] = next(t for t in ANSWER_TYPES if t != c["type"])


def _families(c):
    c["families"] = None if c.get("families") else ["fondation"]


def _min(c):
    c["min"] = 1.0 if c.get("min") is None else None


def _option_points(c):
    if c["type"] != "choice":
        return False
    c["options"][0]["points"] += 1


def _option_key(c):
    if c["type"] != "choice":
        return False
    c["options"][0]["key"] = "zz"


def _band(c):
    if c["type"] != "number":
        return False
    c["bands"][-1]["points"] += 1


SCORING_EDITS = {
    "type": _flip_type,
    "points": lambda c: c.update(points=c["points"] + 1),
    "eliminatory": lambda c: c.update(eliminatory=not c["eliminatory"]),
    "evidence_required": lambda c: c.update(evidence_required=not c["evidence_required"]),
    "families": _families,
    "min": _min,
    "max": lambda c: c.update(max=99.0),
    "option points": _option_points,
    "option key": _option_key,
    "bands": _band,
}


def _label(c):
    if c["type"] != "choice":
        return False
    c["options"][0]["label"] += " bis"


def _option_order(c):
    if c["type"] != "choice":
        return False
    c["options"].reverse()


WORDING_EDITS = {
    "question": lambda c: c.update(question=c["question"] + " ?"),
    "help": lambda c: c.update(help=c["help"] + " (aide)"),
    "recommendation": lambda c: c.update(recommendation=c["recommendation"] + " !"),
    "unit": lambda c: c.update(unit=(c.get("unit") or "") + " €"),
    "option label": _label,
    "option order": _option_order,
}


def _pick(data: dict, draw) -> dict:
    every = [c for p in data["principles"] for c in p["criteria"]]
    return every[draw(st.integers(min_value=0, max_value=len(every) - 1))]


@given(charters())
def test_property_identical_is_minor_with_no_reasons(data):
    assert classify(data, copy.deepcopy(data)) == Change(MINOR, (), ())


@given(charters(), st.sampled_from(sorted(SCORING_EDITS)), st.data())
def test_property_any_scoring_field_of_any_criterion_makes_it_major(data, name, draw):
    new = copy.deepcopy(data)
    criterion = _pick(new, draw.draw)
    if SCORING_EDITS[name](criterion) is False:
        return  # this edit does not exist for this answer type
    assert classify(data, new).kind == MAJOR
    assert any(reason.startswith(criterion["code"]) for reason in classify(data, new).reasons)
    assert classify(new, data).kind == MAJOR


@given(charters(), st.sampled_from(sorted(WORDING_EDITS)), st.data())
def test_property_any_wording_field_keeps_it_minor(data, name, draw):
    new = copy.deepcopy(data)
    criterion = _pick(new, draw.draw)
    if WORDING_EDITS[name](criterion) is False or new == data:
        return  # reversing two equal labels changes nothing
    change = classify(data, new)
    assert change.kind == MINOR and change.reasons == () and change.wording
    assert classify(new, data).kind == MINOR


@given(charters(), charters())
def test_property_kind_is_symmetric_and_major_exactly_when_there_are_reasons(a, b):
    forward, backward = classify(a, b), classify(b, a)
    assert forward.kind == backward.kind
    assert forward.major == bool(forward.reasons)
    assert len(forward.reasons) == len(backward.reasons)


@given(charters(), st.data())
def test_property_reordering_criteria_and_principles_is_minor(data, draw):
    new = copy.deepcopy(data)
    new["principles"] = draw.draw(st.permutations(new["principles"]))
    for p in new["principles"]:
        p["criteria"] = draw.draw(st.permutations(p["criteria"]))
    assert classify(data, new).kind == MINOR


# --- months ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 1), 3, date(2027, 3, 1)),
        (date(2026, 5, 15), 12, date(2027, 5, 15)),
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 48))
def test_property_add_months_lands_in_the_right_month_never_later_in_it(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(1)).day == 1)


# --- whether an older signature counts -------------------------------------------------------

D = date(2027, 3, 1)
V1 = PublishedVersion(1, None)


@pytest.mark.parametrize(
    ("signed", "published", "today", "expected"),
    [
        (1, [V1], D, Standing(True)),
        (1, [V1, PublishedVersion(2, MINOR), PublishedVersion(3, MINOR)], D, Standing(True)),
        (1, [V1, PublishedVersion(2, MAJOR, D)], D - timedelta(1), Standing(True, 2, D)),
        (1, [V1, PublishedVersion(2, MAJOR, D)], D, Standing(False, 2, D)),
        (2, [V1, PublishedVersion(2, MAJOR, D)], D + timedelta(999), Standing(True)),
        (
            1,
            [V1, PublishedVersion(2, MINOR), PublishedVersion(3, MAJOR, D)],
            D - timedelta(1),
            Standing(True, 3, D),
        ),
        # the first major after the signed version decides, a later one does not revive it
        (
            1,
            [V1, PublishedVersion(2, MAJOR, D), PublishedVersion(3, MAJOR, D + timedelta(90))],
            D + timedelta(1),
            Standing(False, 2, D),
        ),
        (
            1,
            [V1, PublishedVersion(2, MAJOR, D), PublishedVersion(3, MAJOR, D + timedelta(90))],
            D - timedelta(1),
            Standing(True, 2, D),
        ),
        # published before kinds existed: a later version without kind has no grace period
        (1, [V1, PublishedVersion(2, None)], D, Standing(False, 2, None)),
    ],
)
def test_standing(signed, published, today, expected):
    assert standing(signed, published, today) == expected
    assert standing(signed, list(reversed(published)), today) == expected
    assert expected.renew_before == (expected.deadline if expected.in_force else None)


@given(
    st.lists(st.sampled_from([MINOR, MAJOR]), max_size=6),
    st.integers(min_value=1, max_value=7),
    st.integers(min_value=-200, max_value=200),
)
def test_property_a_signature_counts_while_no_major_deadline_after_it_has_passed(
    kinds, signed, offset
):
    published = [V1] + [
        PublishedVersion(n, kind, D + timedelta(30 * n) if kind == MAJOR else None)
        for n, kind in enumerate(kinds, start=2)
    ]
    signed = min(signed, len(published))
    today = D + timedelta(offset)
    result = standing(signed, published, today)
    later_majors = [v for v in published if v.number > signed and v.kind == MAJOR]
    if not later_majors:
        assert result == Standing(True)
    else:
        assert result.in_force == (today < later_majors[0].resign_deadline)
        assert result.major_number == later_majors[0].number
