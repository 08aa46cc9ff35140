"""The figures of the dashboard and of the statistics, computed once for each state of the data.

Every change the figures count — a file's state, a vote, a certificate, a signature, a
follow-up, a structure — is written to the journal in its own transaction, so the journal's last
entry names the state of the data (one lookup in its primary key). With the day (who is
labelled, the labels ending within six months), the language and the filters, it keys the
figures: the next change, or midnight, computes them afresh. Each worker process keeps the last
ENTRIES pages (filters come from the address). `DASHBOARD_CACHE = False` turns it off (the
tests that insert rows behind the journal's back)."""

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func

from cdess.audit.models import AuditEntry
from cdess.extensions import db

ENTRIES = 64
_LOCK = threading.Lock()


def data_version() -> int:
    """The journal's last entry: it moves with every change the figures count."""
    return db.session.scalar(db.select(func.max(AuditEntry.id))) or 0


def figures(page: str, filters, compute: Callable[[], object]):
    """`compute()`'s result for this page and these filters, kept until the data changes."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return compute()
    pages = current_app.extensions.setdefault("dashboard_cache", OrderedDict())
    key = (page, filters, date.today(), str(get_locale()), data_version())
    with _LOCK:
        if key in pages:
            pages.move_to_end(key)
            return pages[key]
    value = compute()
    with _LOCK:
        pages[key] = value
        while len(pages) > ENTRIES:
            pages.popitem(last=False)
    return value
