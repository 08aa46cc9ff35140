"""The public registry as visitors without an account see it: the same page for everyone, read
far more often than it changes. Each worker process keeps the last pages it built, under their
address, language, day and the certificates' last change (the "version"). The version is read
from the database at most once a second, and forgotten at once when this process commits a
change to a certificate: an issue, a suspension or a revocation shows at once in the process
that made it and within a second in the others; a structure's new name or commune within
REGISTRY_CACHE_SECONDS. People signed in, and visitors with a message waiting to be shown,
always get a fresh page."""

import time
from collections import OrderedDict
from datetime import date
from functools import wraps

from flask import current_app, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event, func
from sqlalchemy.orm import Session

from cdess.certificates.models import Certificate
from cdess.extensions import db

ENTRIES = 256  # addresses come from visitors: the oldest entry goes past this many
VERSION_SECONDS = 1.0
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def _state() -> dict:
    return current_app.extensions.setdefault(
        "registry_cache", {"pages": OrderedDict(), "version": None, "checked_until": 0.0}
    )


def _certificates_version(state: dict, now: float) -> tuple:
    """The last certificate issued and the last one changed (two lookups in indexes)."""
    if state["checked_until"] <= now:
        state["version"] = tuple(
            db.session.execute(
                db.select(func.max(Certificate.id), func.max(Certificate.updated_at))
            ).one()
        )
        state["checked_until"] = now + VERSION_SECONDS
    return state["version"]


@event.listens_for(Session, "after_flush")
def _note_certificate_changes(session, _context) -> None:
    if any(isinstance(o, Certificate) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["certificates_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_the_version(session) -> None:
    if session.info.pop("certificates_changed", False) and has_app_context():
        current_app.extensions.get("registry_cache", {})["checked_until"] = 0.0


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session) -> None:
    session.info.pop("certificates_changed", None)


def for_visitors(view):
    """Serve the view's 200 answers to visitors from the cache while they are current."""

    @wraps(view)
    def cached(*args, **kwargs):
        seconds = current_app.config["REGISTRY_CACHE_SECONDS"]
        if seconds <= 0 or current_user.is_authenticated or "_flashes" in session:
            return view(*args, **kwargs)
        state, now = _state(), time.monotonic()
        version = _certificates_version(state, now)
        key = (request.full_path, str(get_locale()), date.today(), version)
        pages = state["pages"]
        hit = pages.get(key)
        if hit is not None and hit[0] > now:
            _expires, body, headers = hit
            return current_app.response_class(body, headers=headers)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200:
            headers = [
                (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
            ]
            pages[key] = (now + seconds, response.get_data(), headers)
            pages.move_to_end(key)
            while len(pages) > ENTRIES:
                pages.popitem(last=False)
        return response

    return cached
