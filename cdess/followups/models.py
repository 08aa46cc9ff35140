"""An annual follow-up of a label, the steps of its calendar taken, its documents, and the
yearly draws of the verification sample."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User
from cdess.applications.models import DocumentKind
from cdess.audit import labels as journal
from cdess.audit.labels import name_states
from cdess.certificates.followup import Step
from cdess.certificates.models import Certificate, CertificateProposal
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
from cdess.structures.models import Structure


class FollowUpState(enum.Enum):
    due = "due"  # open, waiting for the structure
    overdue = "overdue"  # its day passed, not filed
    submitted = "submitted"  # filed, waiting for the secretariat
    incomplete = "incomplete"  # the secretariat asked for complements
    accepted = "accepted"


labelled(
    FollowUpState,
    {
        FollowUpState.due: _l("à déposer"),
        FollowUpState.overdue: _l("en retard"),
        FollowUpState.submitted: _l("déposé"),
        FollowUpState.incomplete: _l("à compléter"),
        FollowUpState.accepted: _l("accepté"),
    },
)
name_states("followup", FollowUpState)

# The journal names this domain's subjects and actions (it stands below and imports none).
journal.name_subjects(
    followup=_l("Suivi annuel"),
    followup_document=_l("Pièce du suivi annuel"),
    sample_draw=_l("Échantillon de vérification"),
)
journal.name_actions(
    followup_opened=_l("Suivi annuel ouvert"),
    followup_reminded=_l("Rappel du suivi annuel"),
    followup_overdue=_l("Suivi annuel en retard"),
    followup_flagged=_l("Suivi annuel signalé au secrétariat"),
    followup_submitted=_l("Suivi annuel déposé"),
    followup_resubmitted=_l("Compléments du suivi déposés"),
    followup_accepted=_l("Suivi annuel accepté"),
    followup_incomplete=_l("Compléments du suivi demandés"),
    followup_suspension_proposed=_l("Suspension proposée après le suivi"),
    sample_drawn=_l("Échantillon de vérification tiré"),
)

# The documents a follow-up asks for; the sample asks the statutes too.
YEARLY = (DocumentKind.minutes, DocumentKind.accounts)
SAMPLE = (DocumentKind.statutes, *YEARLY)

# Filed (the structure has answered at least once) in these states.
FILED = (FollowUpState.submitted, FollowUpState.incomplete, FollowUpState.accepted)


def _states(*states: FollowUpState) -> str:
    return ", ".join(f"'{s.name}'" for s in states)


class FollowUp(db.Model):
    """One year's follow-up of a label: due on an anniversary of its first day (or, for the
    verification sample, on the day the draw set)."""

    __audit_kind__ = "followup"  # its name in the journal
    __tablename__ = "followup"
    __table_args__ = (
        UniqueConstraint("certificate_id", "anniversary"),
        # Filed: a submission's day and author; never filed: neither.
        CheckConstraint(
            f"(state IN ({_states(*FILED)})) = (submitted_at IS NOT NULL)",
            name="submitted_when_filed",
        ),
        # A decision of the secretariat has its day; complements, their reason.
        CheckConstraint(
            f"state NOT IN ({_states(FollowUpState.accepted, FollowUpState.incomplete)}) "
            "OR decided_at IS NOT NULL",
            name="decided_when_judged",
        ),
        CheckConstraint(
            f"state != '{FollowUpState.incomplete.name}' OR reason != ''",
            name="incomplete_has_reason",
        ),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    anniversary: Mapped[date] = mapped_column(index=True)
    state: Mapped[FollowUpState] = mapped_column(
        db.Enum(FollowUpState, name="followup_state", native_enum=False, length=20),
        default=FollowUpState.due,
        index=True,
    )
    # Bumped by every transition: two concurrent transitions cannot both apply.
    revision: Mapped[int] = mapped_column(default=1)
    # Drawn for the verification sample: more documents asked.
    sample: Mapped[bool] = mapped_column(default=False)
    # 30 days overdue: shown first in the secretariat's queue.
    flagged_at: Mapped[datetime | None]
    # Eliminatory criterion code → {"holds": bool, "explanation": str}.
    confirmations: Mapped[dict] = mapped_column(JSON, default=dict)
    # Objective id (as text) → what the structure reports of its progress.
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The secretariat's reason when it asks for complements (shown to the structure).
    reason: Mapped[str] = mapped_column(Text, default="")
    # The suspension proposal the secretariat made from this follow-up.
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_proposal.id", ondelete="SET NULL")
    )

    certificate: Mapped[Certificate] = relationship()
    structure: Mapped[Structure] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    proposal: Mapped[CertificateProposal | None] = relationship()
    steps: Mapped[list["FollowUpStep"]] = relationship(
        back_populates="followup", order_by="FollowUpStep.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list["FollowUpDocument"]] = relationship(
        back_populates="followup", order_by="FollowUpDocument.id", cascade="all, delete-orphan"
    )

    @property
    def kinds(self) -> tuple[DocumentKind, ...]:
        """The documents it asks for."""
        return SAMPLE if self.sample else YEARLY

    @property
    def is_filed(self) -> bool:
        return self.state in FILED

    @property
    def failing(self) -> list[str]:
        """The codes of the eliminatory criteria the structure declared no longer met."""
        return sorted(code for code, c in (self.confirmations or {}).items() if not c["holds"])

    def document(self, kind: DocumentKind) -> "FollowUpDocument | None":
        return next((d for d in self.documents if d.kind is kind), None)


class FollowUpStep(db.Model):
    """A step of the follow-up's calendar taken (opened, a reminder, the flag), or recorded as
    passed when missed days made it moot. Unique: a reminder is never sent twice, whatever
    runs at once."""

    __tablename__ = "followup_step"
    __table_args__ = (UniqueConstraint("followup_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followup.id", ondelete="CASCADE"))
    step: Mapped[Step] = mapped_column(
        db.Enum(Step, name="followup_step_name", native_enum=False, length=20)
    )
    day: Mapped[date]
    passed: Mapped[bool] = mapped_column(default=False)  # not sent: a later one was
    at: Mapped[datetime] = mapped_column(default=utcnow)

    followup: Mapped[FollowUp] = relationship(back_populates="steps")


class FollowUpDocument(db.Model):
    """A document of a follow-up, stored as applications' evidence is (checked from its
    content, under a random name, outside `static/`)."""

    __audit_kind__ = "followup_document"  # its name in the journal
    __tablename__ = "followup_document"
    __table_args__ = (
        UniqueConstraint("followup_id", "kind"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followup.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(
        db.Enum(DocumentKind, name="document_kind", native_enum=False, length=20)
    )
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    followup: Mapped[FollowUp] = relationship(back_populates="documents")


class SampleDraw(db.Model):
    """The year's draw of the verification sample: once a year, its seed and list kept (and
    journalled) so that anyone may draw it again and find the same structures."""

    __audit_kind__ = "sample_draw"  # its name in the journal
    __tablename__ = "followup_sample_draw"
    __table_args__ = (CheckConstraint("rate > 0 AND rate <= 1", name="rate_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    seed: Mapped[str] = mapped_column(String(64))
    rate: Mapped[float]
    # The labelled structures' ids the draw chose from, and those it drew (sorted).
    population: Mapped[list] = mapped_column(JSON)
    drawn: Mapped[list] = mapped_column(JSON)
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    drawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
