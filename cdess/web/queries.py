"""Small query helpers shared by the pages: text and whole numbers read from the request, bounded
(a number the database cannot hold never reaches it), and one page of a list."""

from datetime import date, datetime
from math import ceil

from flask import current_app, request
from sqlalchemy import DateTime, func, select
from sqlalchemy.orm import lazyload

from cdess.extensions import db
from cdess.web.urls import MAX_ID


def escape_like(text: str) -> str:
    """Make % and _ typed by a user match themselves in a LIKE pattern (escape character \\)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query_arg(name: str, max_length: int = 100) -> str:
    """A query-string value, trimmed, cut to a sane length, without NUL (PostgreSQL refuses it)."""
    return request.args.get(name, "").replace("\x00", "").strip()[:max_length]


def _whole(text: str | None) -> int | None:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # absent, a word, "1e9", more than 4300 digits
        return None


def _row_id(text: str | None) -> int | None:
    value = _whole(text)
    return value if value is not None and 1 <= value <= MAX_ID else None


def int_arg(name: str) -> int | None:
    """A query-string value as a row id or a count: None unless a whole number from 1 to
    MAX_ID (the largest both databases store)."""
    return _row_id(request.args.get(name))


def form_int(name: str) -> int | None:
    """A posted value as a row id or a count: None unless a whole number from 1 to MAX_ID."""
    return _row_id(request.form.get(name))


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a filter may name
COUNCIL_CREATED = 2013  # the years the lists offer start with the council


def year_choices() -> list[tuple[str, str]]:
    """The years a list's filter offers (value, text), from next year back to the council's."""
    return [(str(y), str(y)) for y in range(date.today().year + 1, COUNCIL_CREATED - 1, -1)]


def parse_year(text: str | None) -> int | None:
    """A year written in four digits, from FIRST_YEAR to LAST_YEAR; None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def parse_month(text: str | None) -> tuple[int, int] | None:
    """A month written `YYYY-MM` (the year as `parse_year` reads it); None for anything else."""
    year, dash, month = (text or "").strip().partition("-")
    if not (dash and parse_year(year) and month.isascii() and month.isdigit() and len(month) == 2):
        return None
    return (int(year), int(month)) if 1 <= int(month) <= 12 else None


def within_years(column, first: int | None, last: int | None = None) -> list:
    """Conditions keeping `column` (a date or a time) from the year `first` to `last` (both
    included; `last` defaults to `first`; None on either side: no bound)."""
    last = first if last is None else last
    # A day against a day, a time against a time: SQLite compares their text, and the day
    # « 2027-01-01 » sorts before the time « 2027-01-01 00:00:00 ».
    bound = datetime if isinstance(column.type, DateTime) else date
    conditions = []
    if first:
        conditions.append(column >= bound(first, 1, 1))
    if last:
        conditions.append(column < bound(last + 1, 1, 1))
    return conditions


# How far a list counts its rows: beyond, it says « more than » (a bounded read, whatever the
# table's size) and its last page is the one holding the COUNT_CAP-th row.
COUNT_CAP = 10_000


def paginate(stmt, per_page: int | None = None, count_cap: int | None = None, counted=None):
    """One page of the statement's rows (PER_PAGE of them), the page read from `?page=`: a
    missing, malformed, zero or negative page is the first, a page past the end (however large)
    the last — never an empty page, a 404 or an overflow in the database driver. Its `total`
    is a plain COUNT; with `count_cap`, the count stops there (`capped`: there are more), and
    `counted` may name a cheaper statement with as many rows (one table, not its joins)."""
    per_page = per_page or current_app.config["PER_PAGE"]
    asked = _whole(request.args.get("page")) or 1
    page = min(max(asked, 1), MAX_ID)
    if count_cap is not None:
        return _capped(stmt, page, per_page, count_cap, counted)
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    if page > max(result.pages, 1):  # past the end: read the last page instead (rare)
        result = db.paginate(stmt, page=max(result.pages, 1), per_page=per_page, error_out=False)
    result.capped = False
    return result


def _capped(stmt, page: int, per_page: int, cap: int, counted=None):
    """`paginate` counting no further than `cap` rows: the count first (of at most cap + 1
    rows, of `counted` when given), then the page, moved back within what was counted."""
    if counted is None:
        counted = stmt.options(lazyload("*")).order_by(None)
    counted = counted.limit(cap + 1).subquery()
    total = db.session.execute(select(func.count()).select_from(counted)).scalar_one()
    last = max(ceil(min(total, cap) / per_page), 1)
    result = db.paginate(
        stmt, page=min(page, last), per_page=per_page, error_out=False, count=False
    )
    result.total, result.capped = min(total, cap), total > cap
    return result
