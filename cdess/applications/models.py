"""An application for the label: the file, its documents, objectives, notes and checks."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import DynamicMapped, Mapped, foreign, mapped_column, relationship

from cdess.accounts.models import User
from cdess.assessments.models import Assessment
from cdess.audit.labels import name_states
from cdess.audit.models import AuditEntry
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
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
    not_admissible = "not_admissible"


labelled(
    State,
    {
        State.draft: _l("brouillon"),
        State.submitted: _l("déposée"),
        State.incomplete: _l("à compléter"),
        State.admissible: _l("recevable"),
        State.scheduled: _l("inscrite à une séance"),
        State.granted: _l("label attribué"),
        State.refused: _l("refusée"),
        State.deferred: _l("ajournée"),
        State.certified: _l("certificat délivré"),
        State.withdrawn: _l("retirée"),
        State.not_admissible: _l("non recevable"),
    },
)


name_states("application", State)


class Kind(enum.Enum):
    new = "new"
    renewal = "renewal"


labelled(Kind, {Kind.new: _l("nouvelle demande"), Kind.renewal: _l("renouvellement")})


def _states(*states: State) -> str:
    return ", ".join(f"'{s.name}'" for s in states)


class Application(db.Model):
    __audit_kind__ = "application"  # its name in the journal
    __tablename__ = "application"
    # What a state implies of the fields written with it. Only what holds after every
    # statement: `workflow.move` writes the state first (its compare-and-set), the fields that
    # go with it (submission date, label's dates, session) in the same transaction after.
    __table_args__ = (
        # A draft was never submitted (nothing goes back to draft).
        CheckConstraint(
            f"state != '{State.draft.name}' OR submitted_at IS NULL",
            name="draft_never_submitted",
        ),
        # The label's dates come together, in order, on certification only (a certified file
        # stays certified).
        CheckConstraint(
            "(label_valid_from IS NULL AND label_valid_until IS NULL) OR "
            f"(state = '{State.certified.name}' AND label_valid_from IS NOT NULL "
            "AND label_valid_until IS NOT NULL AND label_valid_from <= label_valid_until)",
            name="label_dates_when_certified",
        ),
        # A file goes on an agenda only once admissible.
        CheckConstraint(
            "session_id IS NULL OR state NOT IN "
            f"({_states(State.draft, State.submitted, State.incomplete, State.not_admissible)})",
            name="no_session_before_admissible",
        ),
    )

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
    # The assessment's result frozen at submission (scores, eligibility, charter version,
    # answers).
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # The verified result: the snapshot's answers with the reviewers' corrections, scored
    # again; recomputed at each check, final once the council's vote on the file opens.
    verified_result: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # The one source of the file's session: the session whose agenda it is on, or was
    # decided at (set by the agenda, never at submission).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_session.id", ondelete="SET NULL"), index=True
    )
    # A renewal points at the certified application it renews.
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL")
    )
    # The label's validity, set when the certificate is issued.
    label_valid_from: Mapped[date | None]
    label_valid_until: Mapped[date | None]
    # The secretariat's admissibility checklist: item key → {"by": name, "at": iso time}.
    checklist: Mapped[dict] = mapped_column(JSON, default=dict, server_default=db.text("'{}'"))

    structure: Mapped[Structure] = relationship(back_populates="applications")
    # One-way: a session's files are its agenda items (CouncilSession.items).
    session: Mapped["CouncilSession | None"] = relationship()  # noqa: F821
    # Read-only, named by string so that applications need not import the sessions above
    # them: every agenda item that examined (or examines) the file, oldest first. Dynamic: each
    # reading queries, so an item added or removed in the same transaction is never missed.
    agenda_items: DynamicMapped["AgendaItem"] = relationship(  # noqa: F821
        viewonly=True, lazy="dynamic", order_by="AgendaItem.id"
    )
    # One-way: an assessment does not own the files it is attached to (each keeps its
    # frozen snapshot).
    assessment: Mapped[Assessment | None] = relationship()
    # One-way, as every link to the person who acted: a user's collection of all they
    # created, uploaded, signed or cast would be read by nothing.
    created_by: Mapped[User | None] = relationship()
    # One-way: a renewal looks back at the label it renews, never the other way.
    previous: Mapped["Application | None"] = relationship(remote_side=[id])
    # Its certificates (one current, the superseded ones). No delete cascade (see Structure).
    certificates: Mapped[list["Certificate"]] = relationship(  # noqa: F821
        back_populates="application", order_by="Certificate.id", passive_deletes="all"
    )
    documents: Mapped[list["Document"]] = relationship(
        back_populates="application", order_by="Document.id", cascade="all, delete-orphan"
    )
    objectives: Mapped[list["Objective"]] = relationship(
        back_populates="application", order_by="Objective.target_date", cascade="all, delete-orphan"
    )
    notes: Mapped[list["InternalNote"]] = relationship(
        back_populates="application", order_by="InternalNote.id", cascade="all, delete-orphan"
    )
    # The file's entries in the journal (read only: the journal is written by audit.record).
    audit: Mapped[list[AuditEntry]] = relationship(
        primaryjoin=lambda: and_(
            AuditEntry.subject_kind == Application.__audit_kind__,
            foreign(AuditEntry.subject_id) == Application.id,
        ),
        order_by=AuditEntry.id,
        viewonly=True,
    )
    checks: Mapped[list["AnswerCheck"]] = relationship(
        back_populates="application", order_by="AnswerCheck.id", cascade="all, delete-orphan"
    )

    @property
    def transitions(self) -> list[AuditEntry]:
        """The file's changes of state, oldest first (its timeline)."""
        return [e for e in self.audit if e.from_state and e.to_state]

    @property
    def timeline(self) -> list[tuple[AuditEntry, State, State]]:
        """The same, each with the states it left and joined."""
        return [(e, State(e.from_state), State(e.to_state)) for e in self.transitions]

    @property
    def awaits_admissibility(self) -> bool:
        """Submitted: the secretariat checks the file before declaring it admissible or not."""
        return self.state is State.submitted

    @property
    def session_date(self) -> date | None:
        """The day of the file's session (see `session_id`)."""
        return self.session.starts_at.date() if self.session else None


class DocumentKind(enum.Enum):
    criterion = "criterion"  # the evidence a criterion asks for
    statutes = "statutes"
    minutes = "minutes"  # minutes of the last general assembly
    accounts = "accounts"  # last annual accounts
    other = "other"


class Document(db.Model):
    """An uploaded file. The bytes live in the uploads folder under a random name; the
    original name is only used to offer the download back."""

    __audit_kind__ = "document"  # its name in the journal

    __tablename__ = "application_document"
    __table_args__ = (
        # One file per slot (a criterion, the statutes…); "other" documents are a free list.
        Index(
            "uq_application_document_slot",
            "application_id",
            "kind",
            "criterion_code",
            unique=True,
            sqlite_where=db.text("kind != 'other'"),
            postgresql_where=db.text("kind != 'other'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(
        db.Enum(DocumentKind, name="document_kind", native_enum=False, length=20)
    )
    # The criterion's code for evidence, "" for the general documents.
    criterion_code: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")
    uploaded_by: Mapped[User | None] = relationship()  # one-way (see Application.created_by)


class Objective(db.Model):
    """A progress objective: an unmet criterion the structure means to meet by a date. The
    renewal application reports on how it went (outcome)."""

    __tablename__ = "application_objective"
    __table_args__ = (UniqueConstraint("application_id", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    criterion_code: Mapped[str] = mapped_column(String(20))
    target_date: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="objectives")


class InternalNote(db.Model):
    """A note of the secretariat on a file; never shown to the applicant."""

    __tablename__ = "application_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="notes")


class CheckStatus(enum.Enum):
    confirmed = "confirmed"  # the evidence supports the applicant's answer
    corrected = "corrected"  # the evidence says otherwise: a new answer and its reason


labelled(
    CheckStatus, {CheckStatus.confirmed: _l("confirmée"), CheckStatus.corrected: _l("corrigée")}
)


class CheckStage(enum.Enum):
    secretariat = "secretariat"  # during admissibility
    rapporteur = "rapporteur"  # on the agenda, before the vote opens


class AnswerCheck(db.Model):
    """One answer of a submitted file checked against its evidence. A correction carries the
    new answer and its reason, both shown to the applicant."""

    __tablename__ = "application_answer_check"
    __table_args__ = (
        UniqueConstraint("application_id", "criterion_code"),
        CheckConstraint(
            "status = 'confirmed' OR (value IS NOT NULL AND reason != '')",
            name="correction_has_value_and_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    criterion_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[CheckStatus] = mapped_column(
        db.Enum(CheckStatus, name="check_status", native_enum=False, length=20)
    )
    stage: Mapped[CheckStage] = mapped_column(
        db.Enum(CheckStage, name="check_stage", native_enum=False, length=20)
    )
    # The corrected answer (as stored in an assessment); NULL for a confirmation.
    value: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    reason: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    checked_by_name: Mapped[str] = mapped_column(String(200))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="checks")

    @property
    def is_confirmed(self) -> bool:
        """The evidence supports the applicant's answer."""
        return self.status is CheckStatus.confirmed

    @property
    def is_correction(self) -> bool:
        """The evidence says otherwise: a new answer and its reason."""
        return self.status is CheckStatus.corrected
