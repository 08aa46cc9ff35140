"""A certificate, the yearly counter that numbers certificates, and nothing else."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User
from cdess.applications.models import Application
from cdess.audit.labels import name_states
from cdess.certificates.rules import CertificateStatus
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
from cdess.structures.models import Structure

# A status as the pages and the emails name it.
labelled(
    CertificateStatus,
    {
        CertificateStatus.valid: _l("valide"),
        CertificateStatus.suspended: _l("suspendu"),
        CertificateStatus.revoked: _l("révoqué"),
        CertificateStatus.superseded: _l("remplacé"),
        CertificateStatus.expired: _l("expiré"),
    },
)


name_states("certificate", CertificateStatus)


class CertificateCounter(db.Model):
    """The last sequence number given in a year. Taken with one UPDATE inside the issuing
    transaction: a rolled-back issue gives its number back, two issues never share one."""

    __tablename__ = "certificate_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    __audit_kind__ = "certificate"  # its name in the journal
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
    # Its bit in the published status lists (cdess.credentials.statuslist), drawn at issue.
    status_index: Mapped[int | None] = mapped_column(unique=True)

    application: Mapped[Application] = relationship(back_populates="certificates")
    structure: Mapped[Structure] = relationship(back_populates="certificates")
    # One-way: the person who acted.
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    # One-way: a superseded certificate points at the one that replaced it.
    superseded_by: Mapped["Certificate | None"] = relationship(remote_side=[id])
    history: Mapped[list["StatusChange"]] = relationship(
        back_populates="certificate", order_by="StatusChange.id", cascade="all, delete-orphan"
    )
    # The proposals on the label's status. No delete cascade: the database deletes them with
    # the certificate (ON DELETE CASCADE); passive_deletes="all" leaves them to it.
    proposals: Mapped[list["CertificateProposal"]] = relationship(
        back_populates="certificate", order_by="CertificateProposal.id", passive_deletes="all"
    )

    @property
    def is_valid(self) -> bool:
        """Valid: the label holds and may be suspended."""
        return self.status is CertificateStatus.valid

    @property
    def is_standing(self) -> bool:
        """Valid or suspended: the label has not ended (not revoked, superseded, expired)."""
        return self.status in (CertificateStatus.valid, CertificateStatus.suspended)


class ProposalAction(enum.Enum):
    suspend = "suspend"
    revoke = "revoke"
    reinstate = "reinstate"
    confirm = "confirm"  # confirm the president's urgent suspension

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {
            ProposalAction.suspend: _("Proposition de suspension du label"),
            ProposalAction.revoke: _("Proposition de retrait du label"),
            ProposalAction.reinstate: _("Proposition de rétablissement du label"),
            ProposalAction.confirm: _("Confirmation de la suspension d'urgence"),
        }[self]


class ProposalState(enum.Enum):
    open = "open"  # waiting for the structure's answer and the council
    decided = "decided"  # the council voted
    withdrawn = "withdrawn"  # the secretariat dropped it before a vote


class CertificateProposal(db.Model):
    """The secretariat's proposal that the council change a label's status: its report, sent
    to the structure, and the structure's written answer, both before the session."""

    __audit_kind__ = "proposal"  # its name in the journal

    __tablename__ = "certificate_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[ProposalAction] = mapped_column(
        db.Enum(ProposalAction, name="proposal_action", native_enum=False, length=20)
    )
    state: Mapped[ProposalState] = mapped_column(
        db.Enum(ProposalState, name="proposal_state", native_enum=False, length=20),
        default=ProposalState.open,
    )
    report: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_name: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[datetime | None]

    certificate: Mapped[Certificate] = relationship(back_populates="proposals")

    @property
    def action_label(self) -> str:
        return self.action.label


class StatusChange(db.Model):
    """One change of a certificate's status, never overwritten: who, when, why, on which
    decision (the council's vote, or the president's urgent suspension)."""

    __tablename__ = "certificate_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))
    # The council's vote that decided it; None for an urgent suspension or a system change.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    urgent: Mapped[bool] = mapped_column(default=False)

    certificate: Mapped[Certificate] = relationship(back_populates="history")

    @property
    def after(self) -> CertificateStatus:
        """The status it gave the certificate."""
        return CertificateStatus(self.to_status)
