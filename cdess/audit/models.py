"""The journal's rows and the anchors of its head."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cdess.clock import utcnow
from cdess.extensions import db

# How an entry's hash is computed. 1: an application's transition written before the journal
# covered every subject (its hash is kept as it was, so the chain runs on unbroken); 2: every
# field hashed; 3 (since the right to erasure): every field hashed, but the names of people
# (the actor's, and the personal values of `detail`) through a salted digest, so that erasing
# a person (blanking the name and its salt) leaves the chain verifiable.
LEGACY_SCHEME, PLAIN_SCHEME, SCHEME = 1, 2, 3


class AuditEntry(db.Model):
    """One change. Never updated or deleted: each entry carries the hash of the one before
    it, so an edited, removed or inserted row breaks the chain, and the anchors (the head
    printed in minutes and certificates, published on /journal) show a cut end."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[int] = mapped_column(default=SCHEME, server_default="2")
    # What changed: a kind (application, session, agenda_item, certificate, charter_version,
    # signature, user, structure, document) and its id. No foreign key: the journal outlives
    # what it tells of.
    subject_kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40), index=True)
    from_state: Mapped[str] = mapped_column(String(30), default="", server_default="")
    to_state: Mapped[str] = mapped_column(String(30), default="", server_default="")
    # Who, as they were named at the time (no foreign key either: an erased account leaves
    # its entries, and their hashes, as they were).
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    # Scheme 3: the hash covers sha256(salt + name), not the name; an erasure replaces the name
    # by the account's pseudonym and drops the salt (the digest alone is no way back to it).
    actor_salt: Mapped[str | None] = mapped_column(String(32))
    actor_digest: Mapped[str | None] = mapped_column(String(64))
    # Scheme 3: the same for each personal value of `detail` (a name, an address, or a list of
    # them): {key: {"salt", "digest"}} or {key: [{"salt", "digest"}, …]}.
    personal: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Unique: two entries can never follow the same one, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(db.Model):
    """The journal's head at a moment, as it was printed or published outside the database:
    in a session's minutes, on a certificate, on the public /journal page."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # minutes (reference: the session's id), certificate (its number), published (the day)
    source: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(60), default="")
    count: Mapped[int]
    head: Mapped[str] = mapped_column(String(64))
