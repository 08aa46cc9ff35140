"""An application for the label, and the append-only, hash-chained audit trail of its states."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User, utcnow
from cdess.assessments.models import Assessment
from cdess.extensions import db
from cdess.structures.models import Structure


class State(enum.Enum):
    draft = "draft"
    submitted = "submitted"
    incomplete = "incomplete"
    admissible = "admissible"
    scheduled = "scheduled"
    granted = "granted"
    refused = "refused"
    deferred = "deferred"
    certified = "certified"
    withdrawn = "withdrawn"


class Kind(enum.Enum):
    new = "new"
    renewal = "renewal"


class Application(db.Model):
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[Kind] = mapped_column(
        db.Enum(Kind, name="application_kind", native_enum=False, length=20), default=Kind.new
    )
    state: Mapped[State] = mapped_column(
        db.Enum(State, name="application_state", native_enum=False, length=20),
        default=State.draft,
        index=True,
    )
    # Bumped by every transition: two concurrent transitions cannot both apply.
    revision: Mapped[int] = mapped_column(default=1)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL")
    )
    # The assessment's result frozen at submission (scores, eligibility, charter version).
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # The council session the file is attached to at submission (next deadline not passed).
    session_date: Mapped[date | None]

    structure: Mapped[Structure] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    audit: Mapped[list["AuditEntry"]] = relationship(
        back_populates="application", order_by="AuditEntry.id"
    )


class AuditEntry(db.Model):
    """One transition. Never updated or deleted: each entry carries the hash of the previous
    one (of any application), so an edited or removed row breaks the chain."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Unique: two entries can never follow the same one, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    application: Mapped[Application] = relationship(back_populates="audit")
