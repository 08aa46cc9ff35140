"""Self-assessments of a structure against one charter version, and their answers."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User
from cdess.charter.models import CharterVersion, Criterion
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.structures.models import Family, Structure


class AssessmentStatus(enum.Enum):
    in_progress = "in_progress"
    finished = "finished"


class Assessment(db.Model):
    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint(
            "status = 'in_progress' OR (finished_at IS NOT NULL AND result IS NOT NULL)",
            name="finished_has_result",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("charter_version.id"), index=True)
    # The family scored against: a later change of the structure does not rewrite history.
    family: Mapped[Family] = mapped_column(
        db.Enum(Family, name="family", native_enum=False, length=30)
    )
    status: Mapped[AssessmentStatus] = mapped_column(
        db.Enum(AssessmentStatus, name="assessment_status", native_enum=False, length=20),
        default=AssessmentStatus.in_progress,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Frozen when finished: the scoring result as plain data, and its headline figures.
    result: Mapped[dict | None] = mapped_column(JSON)
    overall_score: Mapped[float | None]
    eligible: Mapped[bool | None]

    structure: Mapped[Structure] = relationship(back_populates="assessments")
    # One-way: a charter version's every assessment would be read by nothing.
    version: Mapped[CharterVersion] = relationship()
    started_by: Mapped[User | None] = relationship()  # one-way: the person who acted
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )

    @property
    def finished(self) -> bool:
        return self.status is AssessmentStatus.finished


class Answer(db.Model):
    __tablename__ = "assessment_answer"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("charter_criterion.id"))
    # True/False, an option key, a number, or text — by the criterion's answer type.
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()  # one-way: the charter's reference data
