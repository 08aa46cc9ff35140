"""The charter as versioned data, and the signatures structures give it.

A published version never changes: editing means a new draft. Every assessment and every
signature records the version it used.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User
from cdess.audit.labels import name_states
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled


class CharterStatus(enum.Enum):
    draft = "draft"
    published = "published"
    archived = "archived"


class VersionKind(enum.Enum):
    """What a published version changes for those who signed an older one (charter/versions.py)."""

    minor = "minor"  # wording only: signatures and running applications carry over
    major = "major"  # scoring: signatories sign again before the version's resign_deadline


class AnswerType(enum.Enum):
    yes_no = "yes_no"
    choice = "choice"
    number = "number"
    text = "text"


class CharterVersion(db.Model):
    __audit_kind__ = "charter_version"  # its name in the journal
    __tablename__ = "charter_version"
    __table_args__ = (
        CheckConstraint("threshold >= 0 AND threshold <= 100", name="threshold_range"),
        CheckConstraint("principle_floor >= 0 AND principle_floor <= 100", name="floor_range"),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_dated"),
        CheckConstraint(
            "resign_deadline IS NULL OR (kind IS NOT NULL AND kind = 'major')",
            name="deadline_only_major",
        ),
        # At most one published version at a time.
        Index(
            "uq_charter_version_one_published",
            "status",
            unique=True,
            sqlite_where=db.text("status = 'published'"),
            postgresql_where=db.text("status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[CharterStatus] = mapped_column(
        db.Enum(CharterStatus, name="charter_status", native_enum=False, length=20),
        default=CharterStatus.draft,
    )
    threshold: Mapped[float] = mapped_column(default=60)
    principle_floor: Mapped[float] = mapped_column(default=40)
    commitments: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # Set at publication; None for the first version, which changes nothing for anyone.
    kind: Mapped[VersionKind | None] = mapped_column(
        db.Enum(VersionKind, name="charter_version_kind", native_enum=False, length=10)
    )
    # A major version: signatures of older versions count until this day (excluded).
    resign_deadline: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    principles: Mapped[list["Principle"]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="Principle.position",
    )

    @property
    def editable(self) -> bool:
        return self.status is CharterStatus.draft

    @property
    def is_major(self) -> bool:
        """A major version: signatories sign again before its resign_deadline."""
        return self.kind is VersionKind.major

    @property
    def criteria(self) -> list["Criterion"]:
        return [c for p in self.principles for c in p.criteria]


class Principle(db.Model):
    __tablename__ = "charter_principle"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("charter_version.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[CharterVersion] = relationship(back_populates="principles")
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="principle",
        cascade="all, delete-orphan",
        order_by="Criterion.position",
    )


class Criterion(db.Model):
    __tablename__ = "charter_criterion"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("points >= 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised so that the database itself keeps codes unique within a version.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("charter_version.id", ondelete="CASCADE"), index=True
    )
    principle_id: Mapped[int] = mapped_column(
        ForeignKey("charter_principle.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    help: Mapped[str] = mapped_column(Text, default="")
    answer_type: Mapped[AnswerType] = mapped_column(
        db.Enum(AnswerType, name="answer_type", native_enum=False, length=10)
    )
    points: Mapped[float] = mapped_column(default=0)
    evidence_required: Mapped[bool] = mapped_column(default=False)
    eliminatory: Mapped[bool] = mapped_column(default=False)
    # None: every family; else the list of Family values it applies to.
    families: Mapped[list | None] = mapped_column(JSON)
    recommendation: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    position: Mapped[int] = mapped_column(default=0)

    principle: Mapped[Principle] = relationship(back_populates="criteria")
    options: Mapped[list["CriterionOption"]] = relationship(
        back_populates="criterion",
        cascade="all, delete-orphan",
        order_by="CriterionOption.position",
    )
    bands: Mapped[list["CriterionBand"]] = relationship(
        back_populates="criterion",
        cascade="all, delete-orphan",
        order_by="CriterionBand.position",
    )

    @property
    def is_yes_no(self) -> bool:
        """Answered « oui » or « non »."""
        return self.answer_type is AnswerType.yes_no

    @property
    def is_choice(self) -> bool:
        """Answered by one of its options."""
        return self.answer_type is AnswerType.choice

    @property
    def has_choices(self) -> bool:
        """Answered by picking (oui / non or one of its options), not by typing."""
        return self.answer_type in (AnswerType.yes_no, AnswerType.choice)

    @property
    def is_number(self) -> bool:
        """Answered by a number (in its unit)."""
        return self.answer_type is AnswerType.number

    @property
    def scored(self) -> bool:
        """Its answer earns points (a free-text answer never does)."""
        return self.answer_type is not AnswerType.text

    def applies_to(self, family: str) -> bool:
        """Whether the criterion is asked of a structure of this family (the rule of
        `scoring.Criterion.applies_to`: a criterion that does not apply leaves the
        denominator, it does not score zero)."""
        return not self.families or family in self.families


class CriterionOption(db.Model):
    """One answer of a single-choice criterion and the points it earns."""

    __tablename__ = "charter_option"
    __table_args__ = (UniqueConstraint("criterion_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("charter_criterion.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    criterion: Mapped[Criterion] = relationship(back_populates="options")


class CriterionBand(db.Model):
    """A range of a number criterion, [min, max), and the points it earns."""

    __tablename__ = "charter_band"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("charter_criterion.id", ondelete="CASCADE"), index=True
    )
    min: Mapped[float | None]
    max: Mapped[float | None]
    points: Mapped[float] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)

    criterion: Mapped[Criterion] = relationship(back_populates="bands")


class SignatureStatus(enum.Enum):
    active = "active"
    withdrawn = "withdrawn"
    suspended = "suspended"


labelled(
    SignatureStatus,
    {
        SignatureStatus.active: _l("signée"),
        SignatureStatus.withdrawn: _l("retirée"),
        SignatureStatus.suspended: _l("suspendue"),
    },
)


name_states("signature", SignatureStatus)
name_states(
    "charter_version",
    {"draft": _l("brouillon"), "published": _l("publiée"), "archived": _l("archivée")},
)


class CharterSignature(db.Model):
    """A structure's legal representative accepting a published charter's commitments."""

    __audit_kind__ = "signature"  # its name in the journal

    __tablename__ = "charter_signature"
    __table_args__ = (
        CheckConstraint(
            "status = 'active' OR status_reason IS NOT NULL OR status = 'withdrawn'",
            name="suspension_has_reason",
        ),
        Index(
            "uq_charter_signature_one_active",
            "structure_id",
            unique=True,
            sqlite_where=db.text("status = 'active'"),
            postgresql_where=db.text("status = 'active'"),
        ),
        # The secretariat's signatures, newest first: a page read from the index's end.
        Index("ix_charter_signature_signed", "signed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("charter_version.id"))
    signer_name: Mapped[str] = mapped_column(String(120))
    signer_role: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[SignatureStatus] = mapped_column(
        db.Enum(SignatureStatus, name="signature_status", native_enum=False, length=20),
        default=SignatureStatus.active,
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]

    structure: Mapped["Structure"] = relationship(back_populates="signatures")  # noqa: F821
    # One-way: a charter version's every signature would be read by nothing.
    version: Mapped[CharterVersion] = relationship()
    signed_by: Mapped[User | None] = relationship()  # one-way: the person who acted

    @property
    def is_active(self) -> bool:
        """In force: the structure may be suspended."""
        return self.status is SignatureStatus.active

    @property
    def is_suspended(self) -> bool:
        """Suspended by the secretariat: it may be lifted."""
        return self.status is SignatureStatus.suspended
