"""Small query helpers shared by the pages: text and whole numbers read from the request, bounded
(a number the database cannot hold never reaches it), and one page of a list."""

from flask import current_app, request

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


def paginate(stmt, per_page: int | None = None):
    """One page of the statement's rows (PER_PAGE of them), the page read from `?page=`: a
    missing, malformed, zero or negative page is the first, a page past the end (however large)
    the last — never an empty page, a 404 or an overflow in the database driver."""
    per_page = per_page or current_app.config["PER_PAGE"]
    asked = _whole(request.args.get("page")) or 1
    page = min(max(asked, 1), MAX_ID)
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    if page > max(result.pages, 1):  # past the end: read the last page instead (rare)
        result = db.paginate(stmt, page=max(result.pages, 1), per_page=per_page, error_out=False)
    return result
