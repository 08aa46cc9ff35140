"""The annual follow-up's calendar, without the database (issue 17; DESIGN, « Annual
follow-up »): when a label's follow-ups fall, and which step of each is due on a given day.

- a label has a follow-up on each anniversary of its first day that falls within its validity
  (a two-year label: one, after its first year; the second year ends in the renewal); a label
  granted on 29 February has its anniversary on 28 February, one granted on 31 January on the
  31st (`clock.add_months`);
- a follow-up opens 60 days before its anniversary, with a first reminder; reminders follow 30
  days before and on the day; 30 days after the day, a follow-up still not filed flags the
  label for the secretariat;
- each step is taken once: a run finds the steps whose day has come and that were not taken,
  and after missed days sends one reminder only, the latest (the others are recorded as
  passed), so that running it twice a day, or after a week without it, never sends two;
- a follow-up filed stops the reminders and the flag.
"""

import enum
from datetime import date, timedelta
from typing import NamedTuple

from cdess.clock import add_months


class Step(enum.Enum):
    open = "open"
    reminder_60 = "reminder_60"
    reminder_30 = "reminder_30"
    reminder_0 = "reminder_0"
    flag = "flag"


# Each step and its day, counted from the anniversary.
OFFSETS = {
    Step.open: -60,
    Step.reminder_60: -60,
    Step.reminder_30: -30,
    Step.reminder_0: 0,
    Step.flag: 30,
}
REMINDERS = (Step.reminder_60, Step.reminder_30, Step.reminder_0)


def anniversaries(valid_from: date, valid_until: date) -> list[date]:
    """The days of a label's follow-ups: each anniversary of its first day up to its last."""
    days, years = [], 1
    while (day := add_months(valid_from, 12 * years)) <= valid_until:
        days.append(day)
        years += 1
    return days


def day_of(anniversary: date, step: Step) -> date:
    """The day a step of the follow-up due on `anniversary` comes."""
    return anniversary + timedelta(days=OFFSETS[step])


class Due(NamedTuple):
    """What a run does today for one follow-up: the steps to take now (open it, send one
    reminder, flag it) and those only to record as passed (reminders of missed days)."""

    take: tuple[Step, ...]
    passed: tuple[Step, ...]


def due(anniversary: date, today: date, taken: frozenset[Step], filed: bool = False) -> Due:
    """The steps of the follow-up due on `anniversary` that today's run takes, given those
    already `taken`; none once it is `filed`, but opening."""
    come = [step for step in Step if step not in taken and day_of(anniversary, step) <= today]
    if filed:
        come = [step for step in come if step is Step.open]
    latest = [step for step in come if step in REMINDERS][-1:]  # one reminder a run
    return Due(
        take=tuple(step for step in come if step not in REMINDERS or step in latest),
        passed=tuple(step for step in come if step in REMINDERS and step not in latest),
    )


class State(enum.Enum):
    upcoming = "upcoming"  # not open yet
    due = "due"  # open, its day not passed
    overdue = "overdue"  # its day passed, not filed
    submitted = "submitted"


def state(anniversary: date, today: date, filed: bool) -> State:
    """Where a follow-up stands on `today` by its calendar (the secretariat's decision on a
    filed one — accepted, incomplete — is the follow-up's own record)."""
    if filed:
        return State.submitted
    if today < day_of(anniversary, Step.open):
        return State.upcoming
    if today <= anniversary:
        return State.due
    return State.overdue
