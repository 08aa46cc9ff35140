"""The one clock and calendar every layer reads: naive UTC now, months added to a day, the
council's next session by its calendar, a label's period.

The lowest module of the application: it imports nothing from cdess, so models, services
and the demo can all stand on it."""

import calendar
from datetime import UTC, date, datetime, timedelta

from flask import current_app


def utcnow() -> datetime:
    """Now in UTC without a zone (the columns hold UTC without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def add_months(day: date, months: int) -> date:
    """The same day so many months later (or that month's last day when it has fewer)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def label_period(start: date, years: int) -> tuple[date, date]:
    """The first and last days of a label certified on `start` for `years` years: up to the
    eve of the same day (certified on 10 May 2026 for two years: valid to 9 May 2028)."""
    if years < 1:
        raise ValueError("Un label dure au moins un an.")
    return start, add_months(start, 12 * years) - timedelta(days=1)


def next_session(today: date, council_calendar=None) -> date:
    """The first session, by the council's calendar (`COUNCIL_CALENDAR`: pairs of « MM-DD »
    deadline and session days), whose submission deadline is today or later."""
    council_calendar = council_calendar or current_app.config["COUNCIL_CALENDAR"]
    candidates = []
    for year in (today.year, today.year + 1):
        for deadline, session in council_calendar:
            d = date.fromisoformat(f"{year}-{deadline}")
            s = date.fromisoformat(f"{year}-{session}")
            if s < d:  # a session early in the year whose deadline falls the year before
                d = d.replace(year=year - 1)
            candidates.append((d, s))
    return min(s for d, s in candidates if d >= today)
