"""A report from the public on a labelled structure's certificate. Never published: only the
secretariat reads it; the structure reads the secretariat's question, never the report."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.audit.labels import name_actions, name_states, name_subjects
from cdess.certificates.models import Certificate, CertificateProposal
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
from cdess.reports.rules import ReportState

labelled(
    ReportState,
    {
        ReportState.received: _l("reçu"),
        ReportState.asked: _l("réponse demandée à la structure"),
        ReportState.answered: _l("la structure a répondu"),
        ReportState.dismissed: _l("classé sans suite"),
        ReportState.proposed: _l("suspension proposée au conseil"),
    },
)

# How the journal names a report and what is done to it (the journal stands below the
# domains: each names its own).
name_states("report", ReportState)
name_subjects(report=_l("Signalement"))
name_actions(
    report_received=_l("Signalement reçu"),
    report_asked=_l("Réponse demandée à la structure"),
    report_answered=_l("Réponse de la structure au signalement"),
    report_dismissed=_l("Signalement classé sans suite"),
    report_proposed=_l("Suspension proposée sur signalement"),
)


class Report(db.Model):
    """What a visitor reported, and what the secretariat made of it. The state and the fields
    each state needs are held together by the table's checks; the moves are in `rules`."""

    __audit_kind__ = "report"  # its name in the journal
    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint("length(text) > 0", name="text_given"),
        CheckConstraint(
            "(file_stored_name IS NULL AND file_size IS NULL)"
            " OR (file_stored_name IS NOT NULL AND file_size IS NOT NULL AND file_size > 0)",
            name="file_whole",
        ),
        CheckConstraint(
            "state NOT IN ('asked', 'answered') OR length(question) > 0", name="question_given"
        ),
        CheckConstraint("state != 'answered' OR length(answer) > 0", name="answer_given"),
        CheckConstraint("state != 'dismissed' OR length(outcome) > 0", name="reason_given"),
        CheckConstraint(
            "state != 'proposed' OR (length(outcome) > 0 AND proposal_id IS NOT NULL)",
            name="proposal_given",
        ),
        # The secretariat's queue (received first), the daily count per sender.
        Index("ix_report_state_received", "state", "received_at"),
        Index("ix_report_sender_received", "sender_key", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[ReportState] = mapped_column(
        db.Enum(ReportState, name="report_state", native_enum=False, length=20),
        default=ReportState.received,
    )
    # The reporter, as they chose to be known (both optional).
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_email: Mapped[str] = mapped_column(String(254), default="", index=True)
    text: Mapped[str] = mapped_column(Text)
    # An optional file, checked from its content as evidence is, stored under a random name.
    file_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_type: Mapped[str] = mapped_column(String(100), default="")
    file_size: Mapped[int | None]
    # HMAC of the sender's address (rules.sender_key): the daily limit, never the address.
    sender_key: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The secretariat's question to the structure, and its answer.
    question: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime | None]
    asked_by_name: Mapped[str] = mapped_column(String(200), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_name: Mapped[str] = mapped_column(String(200), default="")
    # The outcome: the reason for dismissing it, or the secretariat's report to the council.
    outcome: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    # The proposal it led to (a proposed report keeps it: no SET NULL against its check).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_proposal.id"))

    certificate: Mapped[Certificate] = relationship()
    proposal: Mapped[CertificateProposal | None] = relationship()

    @property
    def reference(self) -> str:
        """The number the reporter and the secretariat name it by."""
        return f"S-{self.received_at:%Y}-{self.id:05d}"
