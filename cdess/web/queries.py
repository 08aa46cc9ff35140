"""Small query helpers shared by the list pages."""


def escape_like(text: str) -> str:
    """Make % and _ typed by a user match themselves in a LIKE pattern (escape character \\)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query_arg(name: str, max_length: int = 100) -> str:
    """A query-string value, trimmed, cut to a sane length, without NUL (PostgreSQL refuses it)."""
    from flask import request

    return request.args.get(name, "").replace("\x00", "").strip()[:max_length]
