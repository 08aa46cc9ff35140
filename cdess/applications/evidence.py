"""Evidence files: what an application must hold, and storing an upload safely.

A file is accepted for what its content is (PDF, PNG, JPEG, ODT, DOCX), whatever its name
says. Its bytes are written under a random name in UPLOAD_DIR, never under the name the
browser sent; that name is only kept, cleaned, to offer the download back."""

import hashlib
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from cdess.accounts.models import User
from cdess.applications.models import Application, Document, DocumentKind
from cdess.audit import services as audit
from cdess.charter import services as charter
from cdess.extensions import db

ACCEPTED = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
ZIPPED = {"odt", "docx"}
# Enough of the head of a file for every signature above (an OOXML part name may sit a few
# entries into the archive).
SNIFF_BYTES = 8192

GENERAL = {
    DocumentKind.statutes: _l("Statuts"),
    DocumentKind.minutes: _l("Procès-verbal de la dernière assemblée générale"),
    DocumentKind.accounts: _l("Derniers comptes annuels"),
}
REQUIRED_GENERAL = (DocumentKind.statutes, DocumentKind.minutes, DocumentKind.accounts)


class UploadError(ValueError):
    """A refused file; the message is for the user."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Slot:
    """A place for one file: a criterion's evidence or one of the general documents."""

    kind: DocumentKind
    criterion_code: str
    label: str
    required: bool

    @property
    def key(self) -> str:
        return self.criterion_code or self.kind.value


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def evidence_criteria(application: Application):
    """The criteria of the file's charter version that ask for evidence and apply to the
    structure's family."""
    assessment = application.assessment
    version = assessment.version if assessment else charter.published_version()
    if version is None:
        return []
    family = application.structure.family.value if application.structure.family else None
    return [
        criterion
        for principle in version.principles
        for criterion in principle.criteria
        if criterion.evidence_required and (family is None or criterion.applies_to(family))
    ]


def slots(application: Application) -> list[Slot]:
    """Every single-file place of the application, required ones first."""
    criteria = [
        Slot(DocumentKind.criterion, c.code, f"{c.code} — {c.question}", True)
        for c in evidence_criteria(application)
    ]
    general = [Slot(kind, "", str(label), True) for kind, label in GENERAL.items()]
    return general + criteria


def find(application: Application, kind: DocumentKind, code: str = "") -> Document | None:
    return next(
        (d for d in application.documents if d.kind is kind and d.criterion_code == code), None
    )


def missing_documents(application: Application) -> list[str]:
    return [
        _("Pièce manquante : %(label)s.", label=slot.label)
        for slot in slots(application)
        if slot.required and find(application, slot.kind, slot.criterion_code) is None
    ]


def total_size(application: Application) -> int:
    return db.session.execute(
        db.select(func.coalesce(func.sum(Document.size), 0)).filter_by(
            application_id=application.id
        )
    ).scalar_one()


def clean_name(name: str | None, extension: str) -> str:
    """The browser's file name without any folder, control character or odd Unicode form;
    `piece.<ext>` when nothing is left."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        return f"piece.{extension}"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name


def sniff(head: bytes, stream) -> tuple[str, str]:
    """(MIME type, extension) of an accepted file, judged from its bytes."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        raise UploadError(
            _("Ce type de fichier n'est pas accepté : déposez un PDF, PNG, JPEG, ODT ou DOCX.")
        )
    extension = ACCEPTED[kind.mime]
    if extension in ZIPPED:
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                if archive.testzip() is not None:
                    raise zipfile.BadZipFile
        except (zipfile.BadZipFile, OSError, EOFError):
            message = _("Ce document est endommagé : il ne peut pas être ouvert.")
            raise UploadError(message) from None
    return kind.mime, extension


def store(
    application: Application,
    storage,
    actor: User,
    kind: DocumentKind,
    criterion_code: str = "",
    title: str = "",
) -> tuple[Document, list[str]]:
    """Check an uploaded file (werkzeug FileStorage), write it and record it, replacing the
    slot's previous file. Flushes; the caller commits, then `discard`s the stored names
    returned beside the document (the replaced file)."""
    config = current_app.config
    if storage is None or not storage.filename:
        raise UploadError(_("Choisissez un fichier."))
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError(_("Le fichier est vide."))
    limit = config["EVIDENCE_MAX_FILE_BYTES"]
    if size > limit:
        raise UploadError(
            _("Le fichier dépasse la taille autorisée (%(mb)s Mo).", mb=_megabytes(limit)),
            status=413,
        )
    mime, extension = sniff(stream.read(SNIFF_BYTES), stream)

    previous = find(application, kind, criterion_code) if kind is not DocumentKind.other else None
    total = total_size(application) - (previous.size if previous else 0) + size
    if total > config["EVIDENCE_MAX_APPLICATION_BYTES"]:
        raise UploadError(
            _(
                "Le dossier dépasserait la taille totale autorisée (%(mb)s Mo) : "
                "retirez ou allégez d'autres pièces.",
                mb=_megabytes(config["EVIDENCE_MAX_APPLICATION_BYTES"]),
            ),
            status=413,
        )

    stored_name = secrets.token_hex(16)
    target = upload_dir() / stored_name
    digest = hashlib.sha256()
    stream.seek(0)
    with open(target, "xb") as out:
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
            out.write(chunk)
    document = Document(
        kind=kind,
        criterion_code=criterion_code,
        title=title.strip()[:200],
        original_name=clean_name(storage.filename, extension),
        stored_name=stored_name,
        content_type=mime,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by_id=actor.id,
    )
    try:
        if previous is not None:
            remove(application, previous, actor, replaced=True)
        application.documents.append(document)
        db.session.flush()
    except Exception:
        target.unlink(missing_ok=True)
        raise
    audit.record(
        document,
        "document_added",
        actor,
        detail={
            "application": application.id,
            "kind": kind.value,
            "criterion": criterion_code,
            "name": document.original_name,
            "sha256": document.sha256,
        },
    )
    return document, [previous.stored_name] if previous else []


def remove(application: Application, document: Document, actor: User, replaced=False) -> str:
    """Take a document out of the file (journalled); returns its stored name, for the caller
    to `discard` after the commit."""
    audit.record(
        document,
        "document_replaced" if replaced else "document_removed",
        actor,
        detail={
            "application": application.id,
            "name": document.original_name,
            "sha256": document.sha256,
        },
    )
    application.documents.remove(document)
    db.session.flush()  # free the slot before a new row takes it
    return document.stored_name


def path_of(document: Document) -> Path:
    return upload_dir() / document.stored_name


def discard(stored_names) -> None:
    """Remove files whose rows are gone (after the commit that removed them)."""
    for name in stored_names:
        (upload_dir() / name).unlink(missing_ok=True)


def copy(document: Document, application: Application) -> Document:
    """The same file for another application (a renewal), under a new stored name."""
    stored_name = secrets.token_hex(16)
    (upload_dir() / stored_name).write_bytes(path_of(document).read_bytes())
    clone = Document(
        kind=document.kind,
        criterion_code=document.criterion_code,
        title=document.title,
        original_name=document.original_name,
        stored_name=stored_name,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        uploaded_by_id=document.uploaded_by_id,
        uploaded_at=document.uploaded_at,
    )
    application.documents.append(clone)
    return clone


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
