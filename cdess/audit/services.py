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
  since the last one published (so at most one per entry).

Personal data and the right to erasure (RGPD art. 17). Since scheme 3 an entry's hash covers
the names of people only through a salted digest (`seal`): the actor's name
(`actor_salt`, `actor_digest`) and each personal value of `detail` (`PERSONAL_KEYS`: names and
addresses the application writes there, in `personal`). Erasing a person (`erase_person`)
replaces those values by the account's pseudonym and drops their salts: the chain still
verifies from the digests, and the digest without its salt cannot be tried against a list of
names. Entries written before scheme 3 (schemes 1 and 2) hash the names themselves, and their
hashes are printed in minutes and certificates already issued (the anchors): changing them
would break those anchors, so they stay as they were, as legal records kept to comply with a
legal obligation and for the establishment and defence of legal claims (RGPD art. 17.3.b
and 17.3.e); the account itself, and every entry since scheme 3, carry only the pseudonym."""

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text

from cdess.audit.models import LEGACY_SCHEME, SCHEME, AuditAnchor, AuditEntry
from cdess.clock import utcnow
from cdess.extensions import db

GENESIS = "0" * 64
SYSTEM = "cdess"  # the actor of what the application does by itself (reminders, expiries)
# The keys of `detail` whose values name a person (a name, an address, or a list of names), as
# the application writes them: sealed in scheme 3, erasable.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "member",
        "members",
        "invited_by",
        "holder",
        "secretary",
        "rapporteur",
        "cast_by",
        "entered_by",
        "signer",
    }
)


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
    seal(entry)
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


def _digest(salt: str, value: str) -> str:
    return hashlib.sha256(f"{salt}\x00{value}".encode()).hexdigest()


def _seal_value(value):
    """{"salt", "digest"} of a personal value (a list: one each); None for what names nobody."""
    if isinstance(value, str):
        salt = secrets.token_hex(16)
        return {"salt": salt, "digest": _digest(salt, value)}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [_seal_value(v) for v in value]
    return None


def seal(entry: AuditEntry) -> dict:
    """Draw the salts of a scheme-3 entry and keep the digests of its actor's name and of the
    personal values of its detail (before `entry_hash`). Returns the columns set."""
    salt = secrets.token_hex(16)
    personal = {}
    for key, value in (entry.detail or {}).items():
        if key in PERSONAL_KEYS and (sealed := _seal_value(value)) is not None:
            personal[key] = sealed
    entry.actor_salt, entry.actor_digest = salt, _digest(salt, entry.actor_name)
    entry.personal = personal
    return {"actor_salt": salt, "actor_digest": entry.actor_digest, "personal": personal}


def _sealed_detail(entry: AuditEntry) -> dict:
    """The detail as a scheme-3 hash covers it: personal values by their digests."""
    detail = dict(entry.detail or {})
    for key, sealed in (entry.personal or {}).items():
        if isinstance(sealed, list):
            detail[key] = [part["digest"] for part in sealed]
        else:
            detail[key] = sealed["digest"]
    return detail


PSEUDONYM = "Compte supprimé n° "


def pseudonym(user_id: int | None) -> str:
    """The name an erased account keeps wherever it acted (stored data, so not translated)."""
    return f"{PSEUDONYM}{user_id}"


def _matches(value, part: dict) -> bool:
    """A sealed value still matches its digest; an erased one (no salt) is a pseudonym."""
    if not isinstance(value, str):
        return False
    if part.get("salt"):
        return _digest(part["salt"], value) == part.get("digest")
    return value.startswith(PSEUDONYM)


def seal_problems(entry: AuditEntry) -> list[str]:
    """What does not match its digest among a scheme-3 entry's personal values still held
    (an erased value, its salt dropped, must be a pseudonym)."""
    if entry.scheme < SCHEME:
        return []
    problems = []
    if entry.actor_salt:
        if _digest(entry.actor_salt, entry.actor_name) != entry.actor_digest:
            problems.append(f"entrée {entry.id} : contenu modifié après coup (nom de l'acteur)")
    elif entry.actor_name != pseudonym(entry.actor_id):
        problems.append(f"entrée {entry.id} : contenu modifié après coup (nom de l'acteur effacé)")
    detail = entry.detail or {}
    for key, sealed in (entry.personal or {}).items():
        value = detail.get(key)
        if isinstance(sealed, list):
            ok = (
                isinstance(value, list)
                and len(value) == len(sealed)
                and all(_matches(v, part) for v, part in zip(value, sealed, strict=True))
            )
        else:
            ok = _matches(value, sealed)
        if not ok:
            problems.append(f"entrée {entry.id} : contenu modifié après coup (« {key} »)")
    return problems


def erase_person(user_id: int, values: set[str], replacement: str) -> int:
    """Replace a person in the scheme-3 entries: their name as actor (entries with their id)
    and every personal value of a detail equal to one of `values` (their name, their address),
    by `replacement`, dropping the salts. The hashes stay as they were, and verify. Entries of
    earlier schemes are left as they were (module docstring). Returns how many changed.
    Flushes; the caller commits."""
    values = {v for v in values if v}
    changed = 0
    last = 0
    while True:
        batch = list(
            db.session.execute(
                db.select(AuditEntry)
                .filter(AuditEntry.scheme >= SCHEME, AuditEntry.id > last)
                .order_by(AuditEntry.id)
                .limit(1000)
            ).scalars()
        )
        if not batch:
            break
        last = batch[-1].id
        for entry in batch:
            if _erase_in(entry, user_id, values, replacement):
                changed += 1
    db.session.flush()
    return changed


def _erase_in(entry: AuditEntry, user_id: int, values: set[str], replacement: str) -> bool:
    touched = False
    if entry.actor_id == user_id and entry.actor_salt is not None:
        entry.actor_name, entry.actor_salt = replacement, None
        touched = True
    if not entry.personal:
        return touched
    detail = dict(entry.detail or {})
    personal = {k: (list(v) if isinstance(v, list) else v) for k, v in entry.personal.items()}
    for key, sealed in personal.items():
        value = detail.get(key)
        if isinstance(sealed, list) and isinstance(value, list):
            value = list(value)
            for i, (part, item) in enumerate(zip(sealed, value, strict=False)):
                if item in values and part.get("salt"):
                    value[i], sealed[i] = replacement, {"salt": None, "digest": part["digest"]}
                    touched = True
            detail[key] = value
        elif isinstance(sealed, dict) and value in values and sealed.get("salt"):
            detail[key] = replacement
            personal[key] = {"salt": None, "digest": sealed["digest"]}
            touched = True
    if touched:  # new objects: the JSON columns are not tracked in place
        entry.detail, entry.personal = detail, personal
    return touched


def _state(value: object) -> str:
    return str(getattr(value, "value", value) or "")


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry: its fields as its scheme hashes them (the legacy scheme fewer;
    scheme 3 the names of people by their digests, `seal`) with the previous entry's hash, as
    canonical JSON. Reads nothing else, writes nothing."""
    if entry.scheme >= SCHEME:
        fields = [
            entry.scheme,
            entry.subject_kind,
            entry.subject_id,
            entry.action,
            entry.from_state,
            entry.to_state,
            entry.actor_id,
            entry.actor_digest,
            entry.reason,
            _sealed_detail(entry),
            entry.at.isoformat(),
            entry.prev_hash,
        ]
    elif entry.scheme == LEGACY_SCHEME:
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
        report.problems.extend(seal_problems(entry))
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
