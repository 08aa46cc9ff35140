"""The verification sample: its size, its reproducibility (pure), and the year's draw."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.applications.models import DocumentKind
from cdess.audit.models import AuditEntry
from cdess.certificates.followup import Step
from cdess.extensions import db
from cdess.followups import sample, services
from cdess.followups.models import FollowUp, SampleDraw
from cdess.followups.services import FollowUpError

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("population", "rate", "expected"),
    [
        (0, 0.1, 0),
        (1, 0.1, 1),  # at least one
        (9, 0.1, 1),
        (10, 0.1, 1),
        (11, 0.1, 2),  # rounded up
        (100, 0.1, 10),
        (3445, 0.1, 345),
        (5, 1.0, 5),
        (5, 0.5, 3),
        (7, 0.01, 1),
    ],
)
def test_size(population, rate, expected):
    assert sample.size(population, rate) == expected


populations = st.lists(st.integers(1, 10**6), min_size=1, max_size=200, unique=True)
rates = st.floats(0.01, 1.0)
seeds = st.text(min_size=1, max_size=32)


@given(populations, rates, seeds, st.randoms(use_true_random=False))
def test_the_same_seed_and_set_give_the_same_list_in_any_order(population, rate, seed, rng):
    shuffled = list(population)
    rng.shuffle(shuffled)
    assert sample.pick(population, rate, seed) == sample.pick(shuffled, rate, seed)


@given(populations, rates, seeds)
def test_a_draw_is_a_sorted_subset_of_its_size(population, rate, seed):
    drawn = sample.pick(population, rate, seed)
    assert drawn == sorted(set(drawn)) and set(drawn) <= set(population)
    assert len(drawn) == sample.size(len(population), rate) >= 1


def test_another_seed_draws_another_list():
    population = list(range(1, 201))
    lists = {tuple(sample.pick(population, 0.1, f"graine-{n}")) for n in range(20)}
    assert len(lists) > 1


def test_a_known_draw_stays_the_same():
    """Pinned: a seed published in the journal must give the same list on every later
    installation (a change of the picking would make old draws unverifiable)."""
    assert sample.pick(list(range(1, 21)), 0.1, "62") == [4, 15]
    assert sample.pick(list(range(1, 101)), 0.1, "cdess-2026") == [
        3, 24, 30, 39, 59, 61, 69, 75, 86, 95,
    ]  # fmt: skip


# --- the year's draw ----------------------------------------------------------------------------


@pytest.fixture
def labels(label):
    return [label(start=date(2025, 9, 1), name=f"Structure labellisée {n}") for n in range(12)]


def test_the_draw_records_seed_and_list_and_opens_sample_follow_ups(labels, people, outbox):
    draw = services.draw_sample(people["secretariat"], today=TODAY, seed="abc")
    db.session.commit()
    population = sorted(c.structure_id for c in labels)
    assert draw.population == population and draw.drawn == sample.pick(population, 0.1, "abc")
    assert len(draw.drawn) == 2  # 10 % of 12, rounded up
    entry = db.session.execute(
        db.select(AuditEntry).filter_by(subject_kind="sample_draw", subject_id=draw.id)
    ).scalar_one()
    assert entry.detail["seed"] == "abc" and entry.detail["drawn"] == draw.drawn
    followups = list(db.session.execute(db.select(FollowUp)).scalars())
    assert sorted(f.structure_id for f in followups) == draw.drawn
    assert all(f.sample and f.anniversary == TODAY + timedelta(days=60) for f in followups)
    assert all(
        f.kinds == (DocumentKind.statutes, DocumentKind.minutes, DocumentKind.accounts)
        for f in followups
    )
    assert all({s.step for s in f.steps} == {Step.open, Step.reminder_60} for f in followups)
    assert len(outbox()) == 2 and all("tiré au sort" in m["Subject"] for m in outbox())


def test_the_same_seed_and_labelled_set_draw_the_same_list(labels, people, app):
    first = services.draw_sample(people["secretariat"], today=TODAY, seed="graine")
    drawn = list(first.drawn)
    db.session.rollback()
    again = services.draw_sample(people["secretariat"], today=TODAY, seed="graine")
    assert again.drawn == drawn


def test_a_second_draw_the_same_year_is_refused(labels, people, outbox):
    services.draw_sample(people["secretariat"], today=TODAY)
    db.session.commit()
    with pytest.raises(FollowUpError, match="déjà été tiré"):
        services.draw_sample(people["secretariat"], today=TODAY + timedelta(days=100))
    assert db.session.execute(db.select(db.func.count(SampleDraw.id))).scalar_one() == 1
    services.draw_sample(people["secretariat"], today=date(2027, 1, 5))  # next year's


def test_at_least_one_structure_is_drawn(label, people):
    label(start=date(2025, 9, 1))
    assert len(services.draw_sample(people["secretariat"], today=TODAY).drawn) == 1


def test_no_draw_without_labelled_structures(app, people):
    with pytest.raises(FollowUpError, match="Aucune structure"):
        services.draw_sample(people["secretariat"], today=TODAY)


@pytest.mark.parametrize("rate", [0, -0.1, 1.5])
def test_a_wrong_rate_is_refused(labels, people, app, rate):
    app.config["FOLLOWUP_SAMPLE_RATE"] = rate
    with pytest.raises(FollowUpError, match="taux"):
        services.draw_sample(people["secretariat"], today=TODAY)


def test_the_sample_follow_up_is_reminded_then_flagged(labels, people, outbox):
    draw = services.draw_sample(people["secretariat"], today=TODAY, seed="abc")
    db.session.commit()
    due = TODAY + timedelta(days=60)
    assert services.run(TODAY).reminded == 0  # the draw's email was the first
    assert services.run(due - timedelta(days=30)).reminded == len(draw.drawn)
    assert services.run(due + timedelta(days=30)).flagged == len(draw.drawn)
