"""The public registry as visitors without an account see it: the same page for everyone, read
far more often than it changes. Each worker process keeps the last pages it built, under their
address, language, day and the certificates' last change: issuing, suspending or revoking a
certificate shows at once; a structure's new name or commune within REGISTRY_CACHE_SECONDS.
People signed in, and visitors with a message waiting to be shown, always get a fresh page."""

import time
from collections import OrderedDict
from datetime import date
from functools import wraps

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func

from cdess.certificates.models import Certificate
from cdess.extensions import db

ENTRIES = 256  # addresses come from visitors: the oldest entry goes past this many
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def _certificates_version() -> tuple:
    """The last certificate issued and the last one changed: two lookups in indexes."""
    return tuple(
        db.session.execute(
            db.select(func.max(Certificate.id), func.max(Certificate.updated_at))
        ).one()
    )


def for_visitors(view):
    """Serve the view's 200 answers to visitors from the cache while they are current."""

    @wraps(view)
    def cached(*args, **kwargs):
        seconds = current_app.config["REGISTRY_CACHE_SECONDS"]
        if seconds <= 0 or current_user.is_authenticated or "_flashes" in session:
            return view(*args, **kwargs)
        pages = current_app.extensions.setdefault("registry_cache", OrderedDict())
        key = (request.full_path, str(get_locale()), date.today(), _certificates_version())
        now = time.monotonic()
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
