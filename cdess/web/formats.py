"""Dates and times in the reader's locale, through Flask-Babel: the shapes the pages, emails
and PDFs use, named by what they show rather than by a French pattern, so that English reads
« December 2, 2026 at 2:05 PM » where French reads « 2 décembre 2026 à 14:05 ».

Decided here: a session's time is wall-clock time, stored without a zone and never shifted
(`rebase=False`); date and time are joined by the locale's own CLDR « at » pattern (« {1} 'à'
{0} »), which Babel keeps as `datetime_formats_relative`; the French patterns the templates
passed before keep working, each read as the shape it drew."""

from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_time, get_locale

from cdess.web.typography import first_of_month

# The language of legal texts (the certificate, the minutes): French, whatever the reader's.
LEGAL_LOCALE = "fr"

# shape → (date format, time format or None, how the two are joined)
SHAPES = {
    "date": ("long", None, None),
    "short": ("short", None, None),
    "datetime": ("long", "short", "at"),
    "short_datetime": ("short", "short", "at"),
    "stamp": ("long", "short", "comma"),
}
# The French patterns written in templates before the shapes, each the shape it drew in French.
PATTERNS = {
    "d MMMM y": "date",
    "dd/MM/y": "short",
    "d MMMM y 'à' HH:mm": "datetime",
    "d MMMM y, HH:mm": "stamp",
}


def wallclock(value: date | datetime, shape: str = "datetime") -> str:
    """`value` in the current locale as `shape` (a key of SHAPES, or a pattern of PATTERNS)."""
    date_format, time_format, joined = SHAPES[PATTERNS.get(shape, shape)]
    day = _first(format_date(value, date_format, rebase=False))
    if time_format is None or not isinstance(value, datetime):
        return day
    time = format_time(value, time_format, rebase=False)
    locale = get_locale()
    if joined == "at":
        pattern = locale._data["datetime_formats_relative"].get("long", "{1}, {0}")
    else:
        pattern = locale.datetime_formats["long"]
    # CLDR quotes literal text ('à'); Babel's own format_datetime drops the quotes the same way.
    return pattern.replace("'", "").replace("{1}", day).replace("{0}", time)


def _first(text: str) -> str:
    """French writes the first of a month « 1er juin »; CLDR's patterns write « 1 juin »."""
    return first_of_month(text) if str(get_locale()).startswith("fr") else text


def date_filter(value, format=None, rebase=True) -> str:
    """Flask-Babel's `dateformat` filter, with the French « 1er »."""
    return _first(format_date(value, format, rebase))


def datetime_filter(value, format=None, rebase=True) -> str:
    """Flask-Babel's `datetimeformat` filter, with the French « 1er »."""
    return _first(format_datetime(value, format, rebase))
