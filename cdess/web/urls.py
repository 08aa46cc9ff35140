"""Addresses: absolute links for emails and PDFs, always on the configured BASE_URL (never
built from the request's Host header: a forged header must not end up in a password-reset
email), and the ids that routes accept.
"""

from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter


def external_url(endpoint: str, **values) -> str:
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None) -> str:
    """Only a path on this site, else the home page: never send a user to another site after a
    login or a change of language. Browsers drop tabs and line breaks from an address
    (« /\t/evil.example » becomes « //evil.example »), so control characters are refused before
    the path is judged, as the browser will read it."""
    home = url_for("web.home")
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return target


class RowId(IntegerConverter):
    """`<int:…>` in every route: a row's id, from 1 to the largest integer both databases
    store (PostgreSQL's `integer`). A larger number is a 404 like any unknown id, never an
    overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


MAX_ID = 2**31 - 1
