"""Dates, numbers, percentages and money in the reader's locale, through Flask-Babel's template
filters and `cdess.web.formats.wallclock` (a session's wall-clock time, never shifted)."""

from datetime import date, datetime

import pytest
from flask import render_template_string

from cdess.notifications.services import lazy_date

DAY = date(2026, 12, 2)
MOMENT = datetime(2026, 12, 2, 23, 5)  # late: a shift to another zone would change the day

# (template, French, English)
TABLE = [
    ("{{ day|dateformat('long') }}", "2 décembre 2026", "December 2, 2026"),
    ("{{ day|dateformat('short') }}", "02/12/2026", "12/2/26"),
    ("{{ 1234.5|decimalformat }}", "1\u202f234,5", "1,234.5"),
    ("{{ 1234567|numberformat }}", "1\u202f234\u202f567", "1,234,567"),
    ("{{ 0.25|percentformat }}", "25\u00a0%", "25%"),
    ("{{ 1234.5|currencyformat('EUR') }}", "1\u202f234,50\u00a0€", "€1,234.50"),
    ("{{ moment|wallclock }}", "2 décembre 2026 à 23:05", "December 2, 2026 at 11:05\u202fPM"),
    ("{{ moment|wallclock('date') }}", "2 décembre 2026", "December 2, 2026"),
    ("{{ moment|wallclock('short') }}", "02/12/2026", "12/2/26"),
    ("{{ moment|wallclock('short_datetime') }}", "02/12/2026 à 23:05", "12/2/26 at 11:05\u202fPM"),
    (
        "{{ moment|wallclock('stamp') }}",
        "2 décembre 2026, 23:05",
        "December 2, 2026, 11:05\u202fPM",
    ),
    # The French patterns templates passed before keep drawing the same French.
    ("{{ moment|wallclock(\"d MMMM y 'à' HH:mm\") }}", "2 décembre 2026 à 23:05", None),
    ("{{ moment|wallclock('d MMMM y') }}", "2 décembre 2026", "December 2, 2026"),
    ("{{ moment|wallclock('dd/MM/y') }}", "02/12/2026", "12/2/26"),
    ("{{ moment|wallclock('d MMMM y, HH:mm') }}", "2 décembre 2026, 23:05", None),
    ("{{ day|wallclock }}", "2 décembre 2026", "December 2, 2026"),  # a date has no time
]


CASES = [
    (template, locale, expected)
    for template, french, english in TABLE
    for locale, expected in (("fr", french), ("en", english))
    if expected is not None  # a former French pattern: its English is its named shape's
]


@pytest.mark.parametrize(("template", "locale", "expected"), CASES)
def test_formats_follow_the_locale(app, template, locale, expected):
    with app.test_request_context(headers={"Accept-Language": locale}):
        assert render_template_string(template, day=DAY, moment=MOMENT) == expected


def test_a_lazy_date_takes_the_locale_it_is_read_in(app):
    from flask_babel import force_locale

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        day = lazy_date(MOMENT)
        with force_locale("en"):
            assert str(day) == "12/2/26"
        assert str(day) == "02/12/2026"
        assert str(lazy_date(MOMENT, "short_datetime")) == "02/12/2026 à 23:05"
