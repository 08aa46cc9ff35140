"""Building applications in tests: files for every required slot, a ticked checklist."""

import hashlib
import io
import secrets

from werkzeug.datastructures import FileStorage

from cdess.applications import evidence, review, verification
from cdess.applications.models import (
    AnswerCheck,
    Application,
    CheckStage,
    CheckStatus,
    Document,
    State,
)
from cdess.assessments import services as assessments
from cdess.extensions import db

# A tiny but well-formed PDF: what the content check sees is the %PDF- header.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(content: bytes = PDF, name: str = "piece.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def add_documents(application, user) -> None:
    """A file in every required slot still empty (written directly: the upload checks have
    their own tests, and many tests need complete files)."""
    folder = evidence.upload_dir()
    for slot in evidence.slots(application):
        if slot.required and evidence.find(application, slot.kind, slot.criterion_code) is None:
            stored_name = secrets.token_hex(16)
            (folder / stored_name).write_bytes(PDF)
            application.documents.append(
                Document(
                    kind=slot.kind,
                    criterion_code=slot.criterion_code,
                    original_name=f"{slot.key}.pdf",
                    stored_name=stored_name,
                    content_type="application/pdf",
                    size=len(PDF),
                    sha256=hashlib.sha256(PDF).hexdigest(),
                    uploaded_by_id=user.id,
                )
            )
    db.session.flush()


def tick_checklist(application) -> None:
    application.checklist = {key: {"by": "Test", "at": "2026-11-22T10:00"} for key in review.MANUAL}
    db.session.flush()


def freeze(application) -> None:
    """The snapshot a submission freezes (result and answers)."""
    assessment = application.assessment
    application.snapshot = {
        "assessment_id": assessment.id,
        "charter_version": assessment.version.number,
        "finished_at": assessment.finished_at.isoformat(),
        "result": assessment.result,
        "answers": assessments.answers_by_code(assessment),
    }
    db.session.flush()


def confirm_all(application, by: str = "Test") -> None:
    """Every answer confirmed by the evidence (written directly, whatever the state), and the
    verified result computed."""
    done = {c.criterion_code for c in application.checks}
    for code in verification.unverified(application):
        if code not in done:
            application.checks.append(
                AnswerCheck(
                    criterion_code=code,
                    status=CheckStatus.confirmed,
                    stage=CheckStage.secretariat,
                    checked_by_name=by,
                )
            )
    db.session.flush()
    verification.recompute(application)


def new_application(structure, assessment, state=State.draft, verified=True):
    """An application in any state whose file is complete (documents, checklist ticked); past
    the draft, its snapshot frozen and (unless `verified` is false) every answer confirmed."""
    application = Application(structure_id=structure.id, assessment_id=assessment.id, state=state)
    db.session.add(application)
    db.session.flush()
    add_documents(application, structure.memberships[0].user)
    tick_checklist(application)
    if state is not State.draft:
        freeze(application)
        if verified:
            confirm_all(application)
    db.session.commit()
    return application
