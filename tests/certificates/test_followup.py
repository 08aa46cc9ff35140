"""The annual follow-up's calendar over a whole label's life, expectations written out."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.certificates.followup import (
    Due,
    State,
    Step,
    anniversaries,
    day_of,
    due,
    state,
)

OPEN, R60, R30, R0, FLAG = Step.open, Step.reminder_60, Step.reminder_30, Step.reminder_0, Step.flag


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "expected"),
    [
        (date(2026, 5, 10), date(2028, 5, 9), [date(2027, 5, 10)]),  # two years: one
        (date(2026, 5, 10), date(2027, 5, 9), []),  # one year: the renewal, no follow-up
        (date(2026, 5, 10), date(2027, 5, 10), [date(2027, 5, 10)]),  # its last day counts
        (
            date(2026, 5, 10),
            date(2029, 5, 9),
            [date(2027, 5, 10), date(2028, 5, 10)],
        ),
        (date(2028, 2, 29), date(2030, 2, 27), [date(2029, 2, 28)]),  # a leap day
        (date(2027, 1, 31), date(2029, 1, 30), [date(2028, 1, 31)]),
        (date(2026, 5, 10), date(2026, 5, 10), []),
    ],
)
def test_anniversaries(valid_from, valid_until, expected):
    assert anniversaries(valid_from, valid_until) == expected


DAY = date(2027, 5, 10)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (OPEN, date(2027, 3, 11)),
        (R60, date(2027, 3, 11)),
        (R30, date(2027, 4, 10)),
        (R0, date(2027, 5, 10)),
        (FLAG, date(2027, 6, 9)),
    ],
)
def test_day_of(step, expected):
    assert day_of(DAY, step) == expected


@pytest.mark.parametrize(
    ("today", "taken", "filed", "take", "passed"),
    [
        (date(2027, 3, 10), set(), False, (), ()),  # the eve of opening: nothing
        (date(2027, 3, 11), set(), False, (OPEN, R60), ()),  # opened, first reminder
        (date(2027, 3, 11), {OPEN, R60}, False, (), ()),  # the second run that day
        (date(2027, 4, 9), {OPEN, R60}, False, (), ()),
        (date(2027, 4, 10), {OPEN, R60}, False, (R30,), ()),
        (date(2027, 5, 10), {OPEN, R60, R30}, False, (R0,), ()),
        (date(2027, 6, 8), {OPEN, R60, R30, R0}, False, (), ()),
        (date(2027, 6, 9), {OPEN, R60, R30, R0}, False, (FLAG,), ()),
        (date(2027, 6, 9), set(Step), False, (), ()),  # everything done: never again
        # Missed days: one reminder, the latest; the earlier ones recorded as passed.
        (date(2027, 4, 15), set(), False, (OPEN, R30), (R60,)),
        (date(2027, 5, 12), {OPEN, R60}, False, (R0,), (R30,)),
        (date(2027, 7, 1), set(), False, (OPEN, R0, FLAG), (R60, R30)),
        (date(2027, 7, 1), {OPEN, R60}, False, (R0, FLAG), (R30,)),
        # Filed: open only, never a reminder or a flag.
        (date(2027, 3, 20), set(), True, (OPEN,), ()),
        (date(2027, 6, 20), {OPEN, R60}, True, (), ()),
    ],
)
def test_due(today, taken, filed, take, passed):
    assert due(DAY, today, frozenset(taken), filed) == Due(take=take, passed=passed)


@given(st.lists(st.integers(0, 200), min_size=1, max_size=30))
def test_every_step_taken_once_whatever_the_runs(offsets):
    """Runs on any days, several a day or with gaps: each step is taken or passed once, at
    most one reminder a run, and by the end every step is done."""
    taken: set[Step] = set()
    start = DAY - timedelta(days=70)
    for day in [*sorted(start + timedelta(days=o) for o in offsets), DAY + timedelta(days=60)]:
        run = due(DAY, day, frozenset(taken))
        assert not taken & (set(run.take) | set(run.passed))
        assert sum(step.name.startswith("reminder") for step in run.take) <= 1
        taken |= set(run.take) | set(run.passed)
    assert taken == set(Step)


@pytest.mark.parametrize(
    ("today", "filed", "expected"),
    [
        (date(2027, 3, 10), False, State.upcoming),
        (date(2027, 3, 11), False, State.due),
        (DAY, False, State.due),  # its day: still due
        (date(2027, 5, 11), False, State.overdue),
        (date(2027, 5, 11), True, State.submitted),
        (date(2027, 1, 1), True, State.submitted),
    ],
)
def test_state(today, filed, expected):
    assert state(DAY, today, filed) is expected
