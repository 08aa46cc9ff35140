"""A certificate, the yearly counter that numbers certificates, and nothing else."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User, utcnow
from cdess.applications.models import Application
from cdess.extensions import db
from cdess.structures.models import Structure


class CertificateStatus(enum.Enum):
    valid = "valid"
    suspended = "suspended"
    revoked = "revoked"
    superseded = "superseded"
    expired = "expired"


class CertificateCounter(db.Model):
    """The last sequence number given in a year. Taken with one UPDATE inside the issuing
    transaction: a rolled-back issue gives its number back, two issues never share one."""

    __tablename__ = "certificate_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        # One standing certificate per decision: a re-issue supersedes the old one first.
        Index(
            "uq_certificate_current_per_application",
            "application_id",
            unique=True,
            sqlite_where=db.text("status != 'superseded'"),
            postgresql_where=db.text("status != 'superseded'"),
        ),
        Index("ix_certificate_status_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"), index=True)
    status: Mapped[CertificateStatus] = mapped_column(
        db.Enum(CertificateStatus, name="certificate_status", native_enum=False, length=20),
        default=CertificateStatus.valid,
    )
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Any change of the row: the public registry's cache knows from it that it is out of date.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Everything the PDF shows, as plain data: rendering it again gives the same PDF.
    # Loaded only when read: lists of certificates (the registry) never carry the documents.
    snapshot: Mapped[dict] = mapped_column(JSON, deferred=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The last change of status: suspension, revocation, reinstatement, supersession.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_date: Mapped[date | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="SET NULL")
    )
    # Expiry reminders, sent once each.
    reminded_90_at: Mapped[datetime | None]
    reminded_30_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    structure: Mapped[Structure] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    superseded_by: Mapped["Certificate | None"] = relationship(remote_side=[id])
