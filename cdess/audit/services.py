"""Writing the journal and checking it.

`record` is called by every service that changes state, in the same transaction as the
change, after the change (so that a refused change leaves no entry). `verify` walks the
chain: an edited row no longer matches its hash, a removed or inserted row breaks the link
to the one before, and an anchor — the head printed in a session's minutes or on a
certificate, or published on /journal — that names more entries than the journal holds, or
another hash at its position, shows a cut end or a rewritten tail.

Where DESIGN is silent, decided here:
- the journal names no choice of a secret ballot: callers pass only that a member voted;
- an anchor is taken before the entry of the certificate that prints it (the certificate's
  entry holds the PDF's hash, which holds the anchor), and after the close of the session
  whose minutes print it;
- /journal publishes the head as it reads it: a new anchor each time the journal has grown
  since the last one published (so at most one per entry)."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text

from cdess.audit.models import LEGACY_SCHEME, SCHEME, AuditAnchor, AuditEntry
from cdess.clock import utcnow
from cdess.extensions import db

GENESIS = "0" * 64
SYSTEM = "cdess"  # the actor of what the application does by itself (reminders, expiries)


def subject_key(subject) -> tuple[str, int]:
    """(kind, id) of a journalled object: its model names its kind in `__audit_kind__`."""
    if subject.id is None:
        db.session.flush()
    return subject.__audit_kind__, subject.id


def _lock() -> None:
    """One writer at a time on the chain. SQLite already holds its single write lock (the
    change was written first); PostgreSQL takes a transaction-level advisory lock, keyed by
    the schema (advisory locks are database-wide: two installations, or two test runs, in
    schemas of one database must not wait for each other)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(6201, hashtext(current_schema()))"))


def record(
    subject,
    action: str,
    actor=None,
    *,
    reason: str = "",
    from_state: object = "",
    to_state: object = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry for a change just made to `subject` by `actor` (None: the
    application itself). Flushes; the caller commits the change and its entry together."""
    kind, subject_id = subject_key(subject)
    _lock()
    last = db.session.execute(
        db.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar()
    entry = AuditEntry(
        scheme=SCHEME,
        subject_kind=kind,
        subject_id=subject_id,
        action=action,
        from_state=_state(from_state),
        to_state=_state(to_state),
        actor_id=getattr(actor, "id", None),
        actor_name=actor.display_name if actor is not None else SYSTEM,
        reason=(reason or "").replace("\x00", "").strip(),
        detail=detail or {},
        at=utcnow(),
        prev_hash=last or GENESIS,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def _state(value: object) -> str:
    return str(getattr(value, "value", value) or "")


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry: its fields as its scheme hashes them (the legacy scheme fewer)
    with the previous entry's hash, as canonical JSON. Reads nothing else, writes nothing."""
    if entry.scheme == LEGACY_SCHEME:
        fields = [
            entry.subject_id,
            entry.actor_id,
            entry.actor_name,
            entry.at.isoformat(),
            entry.from_state,
            entry.to_state,
            entry.reason,
            entry.prev_hash,
        ]
    else:
        fields = [
            entry.scheme,
            entry.subject_kind,
            entry.subject_id,
            entry.action,
            entry.from_state,
            entry.to_state,
            entry.actor_id,
            entry.actor_name,
            entry.reason,
            entry.detail or {},
            entry.at.isoformat(),
            entry.prev_hash,
        ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# --- the head and its anchors -----------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    count: int
    hash: str


def head() -> Head:
    """The number of entries and the last one's hash (GENESIS for an empty journal)."""
    count, last = db.session.execute(
        db.select(db.func.count(AuditEntry.id), db.func.max(AuditEntry.id))
    ).one()
    if not count:
        return Head(0, GENESIS)
    return Head(count, db.session.get(AuditEntry, last).hash)


def anchor(
    source: str, reference: str = "", count: int | None = None, hash_: str | None = None
) -> AuditAnchor:
    """Keep the head as printed or published by `source` (the current head unless given)."""
    if count is None:
        current = head()
        count, hash_ = current.count, current.hash
    kept = AuditAnchor(source=source, reference=reference, count=count, head=hash_)
    db.session.add(kept)
    db.session.flush()
    return kept


def publish() -> AuditAnchor:
    """The head as /journal publishes it: a new anchor whenever the journal has grown since
    the last one published, so that every head anyone has read can be checked later."""
    last = db.session.execute(
        db.select(AuditAnchor)
        .filter_by(source="published")
        .order_by(AuditAnchor.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    current = head()
    if last is not None and last.count == current.count and last.head == current.hash:
        return last
    return anchor("published", date.today().isoformat(), current.count, current.hash)


def anchors(limit: int | None = None) -> list[AuditAnchor]:
    """The kept anchors, newest first (only the `limit` latest when given)."""
    query = db.select(AuditAnchor).order_by(AuditAnchor.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


# --- checking ---------------------------------------------------------------------------------


@dataclass
class Verification:
    count: int = 0
    head: str = GENESIS
    anchors_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """No problem found: every link, every hash and every anchor holds."""
        return not self.problems


def verify(extra: list[tuple[int, str]] = ()) -> Verification:
    """Walk the whole chain and check it against every anchor (and `extra` ones, (count,
    head) pairs held outside the database). Never raises on a damaged journal."""
    expected: dict[int, list[tuple[str, str]]] = {}
    for kept in anchors():
        label = _anchor_label(kept.source, kept.reference)
        expected.setdefault(kept.count, []).append((kept.head, label))
    for count, hash_ in extra:
        expected.setdefault(count, []).append((hash_, f"ancre fournie ({count} entrées)"))

    report = Verification()
    previous = GENESIS
    rows = db.session.execute(
        db.select(AuditEntry)
        .order_by(AuditEntry.id)
        .execution_options(populate_existing=True, yield_per=1000)
    ).scalars()
    for position, entry in enumerate(rows, start=1):
        if entry.prev_hash != previous:
            report.problems.append(
                f"entrée {entry.id} : ne suit pas l'entrée précédente "
                "(une entrée a été supprimée ou insérée)"
            )
        if entry_hash(entry) != entry.hash:
            report.problems.append(f"entrée {entry.id} : contenu modifié après coup")
        for hash_, label in expected.pop(position, []):
            report.anchors_checked += 1
            if hash_ != entry.hash:
                report.problems.append(
                    f"{label} : l'entrée n° {position} n'est plus celle qui a été ancrée "
                    "(journal réécrit)"
                )
        previous = entry.hash
        report.count = position
    report.head = previous
    for count, kept in sorted(expected.items()):
        if count == 0:
            report.anchors_checked += len(kept)
            continue
        for _hash, label in kept:
            report.anchors_checked += 1
            report.problems.append(
                f"{label} : le journal comptait {count} entrées, il n'en a plus que "
                f"{report.count} (fin du journal coupée)"
            )
    return report


def _anchor_label(source: str, reference: str) -> str:
    names = {
        "minutes": "procès-verbal de la séance n° %s",
        "certificate": "certificat %s",
        "published": "tête publiée le %s",
    }
    return names.get(source, source + " %s") % reference


# --- reading ----------------------------------------------------------------------------------


def for_subject(subject) -> list[AuditEntry]:
    """The journal's entries on one subject (any model with an `__audit_kind__`), oldest first."""
    kind, subject_id = subject.__audit_kind__, subject.id
    return list(
        db.session.execute(
            db.select(AuditEntry)
            .filter_by(subject_kind=kind, subject_id=subject_id)
            .order_by(AuditEntry.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Filters:
    subject_kind: str = ""
    subject_id: int | None = None
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


def search(filters: Filters):
    """The select of the journal's page and export, newest first."""
    query = db.select(AuditEntry)
    if filters.subject_kind:
        query = query.filter(AuditEntry.subject_kind == filters.subject_kind)
    if filters.subject_id is not None:
        query = query.filter(AuditEntry.subject_id == filters.subject_id)
    if filters.actor:
        pattern = "%" + filters.actor.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.filter(AuditEntry.actor_name.ilike(pattern))
    if filters.action:
        query = query.filter(AuditEntry.action == filters.action)
    if filters.since:
        query = query.filter(AuditEntry.at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        query = query.filter(AuditEntry.at <= datetime.combine(filters.until, datetime.max.time()))
    return query.order_by(AuditEntry.id.desc())


def each(filters: Filters, batch: int = 500):
    """The entries of `search`, newest first, read a batch at a time (by id: no cursor stays
    open while a response streams them)."""
    last = None
    while True:
        query = search(filters).limit(batch)
        if last is not None:
            query = query.filter(AuditEntry.id < last)
        rows = list(db.session.execute(query).scalars())
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id
