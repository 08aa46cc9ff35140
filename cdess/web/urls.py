"""Addresses: absolute links for emails and PDFs, always on the configured BASE_URL (never
built from the request's Host header: a forged header must not end up in a password-reset
email), and the ids that routes accept.
"""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter


def external_url(endpoint: str, **values) -> str:
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


class RowId(IntegerConverter):
    """`<int:…>` in every route: a row's id, from 1 to the largest integer both databases
    store (PostgreSQL's `integer`). A larger number is a 404 like any unknown id, never an
    overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


MAX_ID = 2**31 - 1
