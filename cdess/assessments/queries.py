"""What pages read about self-assessments: a structure's history, the one in progress, the
last finished one."""

from cdess.assessments.models import Assessment, AssessmentStatus
from cdess.extensions import db
from cdess.structures.models import Structure


def in_progress(structure: Structure) -> Assessment | None:
    """The structure's assessment in progress (one at most), or None."""
    return db.session.execute(
        db.select(Assessment).filter_by(
            structure_id=structure.id, status=AssessmentStatus.in_progress
        )
    ).scalar_one_or_none()


def history(structure: Structure) -> list[Assessment]:
    """Every assessment of the structure, newest first."""
    return (
        db.session.execute(
            db.select(Assessment)
            .filter_by(structure_id=structure.id)
            .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        )
        .scalars()
        .all()
    )


def last_finished(structure: Structure, before: Assessment | None = None) -> Assessment | None:
    """The structure's latest finished assessment (among those before `before` when given), or
    None."""
    stmt = db.select(Assessment).filter_by(
        structure_id=structure.id, status=AssessmentStatus.finished
    )
    if before is not None:
        stmt = stmt.where(Assessment.id < before.id)
    return db.session.execute(stmt.order_by(Assessment.id.desc()).limit(1)).scalar_one_or_none()
