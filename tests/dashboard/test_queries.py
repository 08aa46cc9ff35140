"""Each aggregate of the dashboard against the small world of conftest.py (answers worked out by
hand there)."""

from datetime import date

import pytest

from cdess.dashboard import queries
from cdess.dashboard.queries import Filters, Population
from cdess.structures.models import Family
from tests.dashboard.conftest import ARRAS, CALAIS, LENS

ALL = Filters()


@pytest.fixture
def population(world):
    return Population.build(world.today)


def test_totals(world, population):
    assert queries.totals(ALL, population) == {
        "known": 6,
        "signatories": 4,  # the withdrawn signature does not count
        "labelled": 2,
        "applications": 6,
        "followups": 2,
        "overdue": 1,
        "ending": 1,  # S1's label ends in 60 days, S2's in 400
    }


def test_totals_of_a_family_and_a_period(world, population):
    cooperatives = Filters(family=Family.cooperative)
    totals = queries.totals(cooperatives, population)
    assert (totals["known"], totals["signatories"], totals["labelled"]) == (2, 2, 0)
    assert totals["applications"] == 2
    in_2025 = queries.totals(Filters(2025, 2025), population)
    assert in_2025["applications"] == 3  # S2, S3, S5
    assert in_2025["known"] == 6  # the stocks are today's


def test_by_family(world, population):
    rows = {r.key: r for r in queries.by_family(ALL, population)}
    assert list(rows) == [f.value for f in Family]  # every family, in order
    association = rows["association"]
    assert (association.known, association.signatories, association.labelled) == (3, 2, 2)
    assert (association.signed_only, association.others) == (0, 1)
    assert (association.applications, association.followups) == (3, 2)
    cooperative = rows["cooperative"]
    assert (cooperative.known, cooperative.signed_only, cooperative.labelled) == (2, 2, 0)
    assert rows["fondation"].known == 1 and rows["fondation"].applications == 1
    assert rows["mutuelle"].known == 0 and rows["mutuelle"].share is None


def test_by_epci_and_the_labelled_share(world, population):
    rows = {r.key: r for r in queries.by_epci(ALL, population)}
    assert len([k for k in rows if k]) == 20  # every EPCI of the territory, none twice
    assert (rows[ARRAS].known, rows[ARRAS].signatories, rows[ARRAS].labelled) == (3, 2, 1)
    assert rows[ARRAS].share == pytest.approx(100 / 3)
    assert rows[LENS].share == 50
    assert rows[CALAIS].share == 0
    only = queries.by_epci(Filters(epci=LENS), population)
    assert [r.key for r in only] == [LENS]


def test_per_year(world):
    years = {y["year"]: y for y in queries.per_year(ALL)}
    assert years[2024]["signatures"] == 2  # S1 and the withdrawn S5
    assert years[2025]["signatures"] == 3
    assert years[2024]["submissions"] == 2 and years[2025]["submissions"] == 3
    assert years[2024]["granted"] == 1 and years[2025]["granted"] == 1
    today = world.today.year
    assert years[today]["structures"] == 6
    assert sum(y["followups"] for y in years.values()) == 2
    assert [y["year"] for y in queries.per_year(Filters(2025, 2025))] == [2025]


def test_outcomes_per_session(world):
    rows = queries.outcomes_per_session(ALL)
    assert [r["day"].date() for r in rows] == [date(2024, 11, 20), date(2025, 11, 20)]
    a, b = rows
    assert (a["granted"], a["refused"], a["deferred"], a["not_admissible"]) == (1, 0, 1, 0)
    # S5, not admissible on 21 October 2025, counts at the session it was heading for.
    assert (b["granted"], b["refused"], b["deferred"], b["not_admissible"]) == (1, 1, 0, 1)
    assert [r["day"].year for r in queries.outcomes_per_session(Filters(2025))] == [2025]
    coops = queries.outcomes_per_session(Filters(family=Family.cooperative))
    assert [(r["deferred"], r["refused"]) for r in coops] == [(1, 0), (0, 1)]


def test_principle_scores(world):
    overall, yearly = queries.principle_scores(ALL)
    assert [(p["code"], p["files"]) for p in overall] == [("GOV", 3), ("LUC", 3)]
    assert overall[0]["average"] == pytest.approx(70)  # (80 + 90 + 40) / 3; S6 deferred
    assert overall[1]["average"] == pytest.approx(60)
    trend = {(y["year"], y["code"]): y["average"] for y in yearly}
    assert trend == pytest.approx(
        {(2024, "GOV"): 80, (2024, "LUC"): 60, (2025, "GOV"): 65, (2025, "LUC"): 60}
    )


def test_time_to_decision_quartiles(world):
    # Durations 20, 70, 75, 80 days: nearest rank.
    assert queries.time_to_decision(ALL) == {
        "files": 4,
        "q1": 20.0,
        "median": 70.0,
        "q3": 75.0,
        "shortest": 20.0,
        "longest": 80.0,
    }
    in_2025 = queries.time_to_decision(Filters(2025, 2025))
    assert (in_2025["files"], in_2025["median"]) == (3, 70.0)  # 20, 70, 80
    none = queries.time_to_decision(Filters(family=Family.fondation))
    assert none["files"] == 0 and none["median"] is None


def test_followups_and_labels_ending(world, population):
    rows = queries.followups_per_year(ALL)
    assert sum(r["overdue"] for r in rows) == 1 and sum(r["due"] for r in rows) == 1
    ending = queries.labels_ending(ALL, population)
    end = world.certificates[0].valid_until
    assert ending == [{"year": end.year, "month": end.month, "count": 1}]
    assert queries.labels_ending(Filters(epci=LENS), population) == []


def test_priorities(world, people):
    from cdess.applications.models import Application, State
    from cdess.extensions import db
    from cdess.sessions.models import AgendaItem, ItemKind
    from tests.factories import future_session

    session = future_session()
    granted = Application(structure_id=world.structures[3].id, state=State.granted)
    db.session.add(granted)
    db.session.flush()
    db.session.add(
        AgendaItem(
            session=session,
            application_id=world.applications[4].id,
            kind=ItemKind.application,
            rapporteur_id=people["member"].id,
            position=1,
        )
    )
    db.session.commit()
    assert queries.priorities() == {
        "admissibility": 1,
        "reports": 1,
        "overdue": 1,
        "certificates": 1,
    }
    assert queries.priorities(people["member"].id)["reports"] == 1
    assert queries.priorities(people["president"].id)["reports"] == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, Filters()),
        ({"debut": "2020", "fin": "2024"}, Filters(2020, 2024)),
        ({"debut": "2024", "fin": "2020"}, Filters(2020, 2024)),  # in order
        ({"debut": "abc", "fin": "1e3"}, Filters()),
        ({"debut": "9" * 5000, "fin": "-2020"}, Filters()),
        ({"debut": "1999", "fin": "2101"}, Filters()),
        ({"debut": "２０２４"}, Filters()),  # not ASCII digits
        ({"debut": " 2024 "}, Filters(2024)),
        ({"famille": "cooperative"}, Filters(family=Family.cooperative)),
        ({"famille": "coop\x00"}, Filters()),
        ({"epci": ARRAS}, Filters(epci=ARRAS)),
        ({"epci": "999999999"}, Filters()),
        ({"epci": "%00"}, Filters()),
    ],
)
def test_filters_are_read_leniently(args, expected):
    assert Filters.parse(args, {ARRAS: object()}) == expected


def test_filters_give_back_their_address():
    filters = Filters(2020, 2024, Family.fondation, ARRAS)
    assert filters.args() == {"debut": "2020", "fin": "2024", "famille": "fondation", "epci": ARRAS}
    assert Filters.parse(filters.args(), {ARRAS: 1}) == filters
    assert Filters().args() == {}
    assert filters.without_period() == Filters(family=Family.fondation, epci=ARRAS)
