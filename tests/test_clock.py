"""The clock and the calendar: UTC now, months added to a day, the council's next session."""

import time
from datetime import date, datetime, timedelta

import pytest
from flask import Flask

from cdess.clock import add_months, label_period, next_session, utcnow

CALENDAR = (("03-31", "05-20"), ("09-30", "11-20"))


def test_utcnow_is_naive_utc(monkeypatch):
    # A machine whose local time is far from UTC: local time must not leak in.
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        now = utcnow()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert now.tzinfo is None
    from_epoch = datetime(1970, 1, 1) + timedelta(seconds=time.time())
    assert abs(now - from_epoch) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
        (date(2026, 5, 10), 1, date(2026, 6, 10)),
        (date(2026, 11, 15), 1, date(2026, 12, 15)),  # into December
        (date(2026, 12, 1), 1, date(2027, 1, 1)),  # into the next year
        (date(2026, 5, 10), 24, date(2028, 5, 10)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # February is shorter
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year's February
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 1, 30), 13, date(2027, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),  # back into the previous year
        (date(2026, 6, 30), -4, date(2026, 2, 28)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("today", "session"),
    [
        (date(2026, 1, 10), date(2026, 5, 20)),
        (date(2026, 3, 30), date(2026, 5, 20)),
        (date(2026, 3, 31), date(2026, 5, 20)),  # the deadline day still counts
        (date(2026, 4, 1), date(2026, 11, 20)),
        (date(2026, 9, 30), date(2026, 11, 20)),
        (date(2026, 10, 1), date(2027, 5, 20)),  # the next year's first session
        (date(2026, 12, 31), date(2027, 5, 20)),
    ],
)
def test_next_session_is_the_first_whose_deadline_has_not_passed(today, session):
    assert next_session(today, CALENDAR) == session


def test_a_deadline_late_in_the_year_before_a_session_early_in_the_next():
    calendar = (("12-15", "01-20"), ("06-15", "07-10"))
    assert next_session(date(2026, 12, 1), calendar) == date(2027, 1, 20)
    assert next_session(date(2026, 12, 15), calendar) == date(2027, 1, 20)
    assert next_session(date(2026, 12, 16), calendar) == date(2027, 7, 10)
    assert next_session(date(2027, 1, 10), calendar) == date(2027, 7, 10)


def test_a_session_on_its_own_deadline_day():
    assert next_session(date(2026, 5, 20), (("05-20", "05-20"),)) == date(2026, 5, 20)
    assert next_session(date(2026, 5, 21), (("05-20", "05-20"),)) == date(2027, 5, 20)


def test_without_a_calendar_the_councils_own_is_read():
    app = Flask(__name__)
    app.config["COUNCIL_CALENDAR"] = (("02-01", "03-01"),)
    with app.app_context():
        assert next_session(date(2026, 1, 5)) == date(2026, 3, 1)
        assert next_session(date(2026, 2, 2), ()) == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("start", "years", "until"),
    [
        (date(2026, 5, 10), 2, date(2028, 5, 9)),  # to the eve of the same day
        (date(2026, 5, 10), 1, date(2027, 5, 9)),
        (date(2026, 1, 1), 2, date(2027, 12, 31)),
        (date(2026, 3, 1), 2, date(2028, 2, 29)),  # the eve of 1 March in a leap year
        (date(2027, 3, 1), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 2, date(2030, 2, 27)),  # no 29 February: the 28th, minus a day
        (date(2026, 12, 31), 3, date(2029, 12, 30)),
    ],
)
def test_label_period(start, years, until):
    assert label_period(start, years) == (start, until)


@pytest.mark.parametrize("years", [0, -1])
def test_label_period_is_a_year_at_least(years):
    with pytest.raises(ValueError, match=r"^Un label dure au moins un an\.$"):
        label_period(date(2026, 5, 10), years)
