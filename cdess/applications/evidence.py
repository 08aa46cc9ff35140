"""Evidence files: what an application must hold, and storing an upload safely.

A file is accepted for what its content is (PDF, PNG, JPEG, ODT, DOCX), whatever its name
says. Its bytes are written under a random name in the storage (`cdess.storage`: UPLOAD_DIR, or
a bucket), never under the name the browser sent; that name is only kept, cleaned, to offer
the download back.

Where the standards are silent, decided here:
- an ODT or DOCX (a zip archive) is judged from its table of contents before any member is
  inflated: how many members, their declared total size once inflated, that total against the
  archive's size; then only the member naming its format is read, cut at a bound. Nothing
  else of it is ever inflated (its reader does that, on their machine);
- a file reaches the storage before its row, whole or not at all (locally under `<name>.part`,
  synced, then renamed), so that a crash leaves either a temporary file or a file without a
  row, never a row without its file; `check_storage` lists both kinds of leftovers and
  removes them;
- a replaced or removed file is deleted only after the commit that removed its row
  (`discard`), for the same reason."""

import secrets
import struct
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
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
from cdess.storage import folder_key
from cdess.storage import storage as upload_storage
from cdess.storage.local import TEMPORARY_SUFFIX

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
# The one member of an archive read to recognise its format, and the most read of it.
FORMAT_MEMBERS = {"odt": ("mimetype", 256), "docx": ("[Content_Types].xml", 256 * 1024)}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Table of contents allowed per member (a long name and its extra fields): a larger one is
# refused before it is parsed.
DIRECTORY_BYTES_PER_MEMBER = 512
END_RECORD = struct.Struct("<4s4H2LH")  # zip end of central directory, comment length last
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unknown compression method
    ValueError,
    KeyError,
    struct.error,
    zlib.error,
)
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
    """UPLOAD_DIR, created if missing: where the local storage keeps the files (the tests',
    the operator's view; the application itself goes through `cdess.storage`)."""
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
        _("Pièce manquante : %(label)s", label=slot.label)  # a question ends with « ? »
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


def sniff(head: bytes, stream, size: int) -> tuple[str, str]:
    """(MIME type, extension) of an accepted file of `size` bytes, judged from its bytes."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        raise UploadError(
            _("Ce type de fichier n'est pas accepté : déposez un PDF, PNG, JPEG, ODT ou DOCX.")
        )
    extension = ACCEPTED[kind.mime]
    if extension in ZIPPED:
        check_archive(stream, size, extension)
    return kind.mime, extension


def check_archive(stream, size: int, extension: str) -> None:
    """Refuse (UploadError) an ODT or DOCX of `size` bytes that is damaged or would cost too
    much to open, inflating nothing but the small member that names its format.

    Before any member is read: the number of members (EVIDENCE_ZIP_MAX_MEMBERS, judged first
    from the archive's end record, so that a huge table of contents is not even parsed), their
    declared total size once inflated (EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES, which bounds each
    of them) and that total against the archive's own size (EVIDENCE_ZIP_MAX_RATIO). A
    declared size may lie: the member read stops at its declared size (itself bounded), and
    its checksum then shows the lie."""
    config = current_app.config
    max_members = config["EVIDENCE_ZIP_MAX_MEMBERS"]
    declared = _end_record(stream, size)
    if declared is None:
        raise _damaged()
    members, directory_size = declared
    if members > max_members or directory_size > max_members * DIRECTORY_BYTES_PER_MEMBER:
        raise _too_many(max_members)
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except ZIP_ERRORS:
        raise _damaged() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise _too_many(max_members)
        if any(
            info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.flag_bits & 0x1  # encrypted
            for info in infos
        ):
            raise _damaged()
        inflated = sum(info.file_size for info in infos)
        if (
            inflated > config["EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES"]
            or inflated > config["EVIDENCE_ZIP_MAX_RATIO"] * size
        ):
            raise UploadError(
                _(
                    "Ce document serait anormalement volumineux une fois ouvert : "
                    "enregistrez-le en PDF et déposez ce PDF."
                )
            )
        name, limit = FORMAT_MEMBERS[extension]
        try:
            info = archive.getinfo(name)
            if info.file_size > limit:
                raise _damaged()
            with archive.open(info) as member:
                # Never more than the declared size (its checksum fails if that is a lie).
                content = member.read(info.file_size + 1)
        except ZIP_ERRORS:
            raise _damaged() from None
    if len(content) != info.file_size or (extension == "odt" and content.strip() != ODT_MIMETYPE):
        raise _damaged()


def _end_record(stream, size: int) -> tuple[int, int] | None:
    """(members, table of contents' size) that a zip archive's end record declares, read from
    its last 64 kB; None without one, or for a zip64 archive (no document needs one)."""
    tail_size = min(size, END_RECORD.size + 0xFFFF)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06", 0, len(tail) - END_RECORD.size + 4)
    if at < 20 or tail[at - 20 : at - 16] == b"PK\x06\x07":  # no room for a member; zip64
        return None
    *_, members, directory_size, _offset, _comment = END_RECORD.unpack_from(tail, at)
    if members == 0xFFFF or directory_size == 0xFFFFFFFF:
        return None
    return members, directory_size


def _damaged() -> UploadError:
    return UploadError(_("Ce document est endommagé : il ne peut pas être ouvert."))


def _too_many(limit: int) -> UploadError:
    return UploadError(
        _(
            "Ce document contient trop d'éléments (%(n)s au plus) : "
            "enregistrez-le en PDF et déposez ce PDF.",
            n=limit,
        )
    )


def check_upload(storage) -> tuple[int, str, str]:
    """(size, MIME type, extension) of an uploaded file (werkzeug FileStorage) that may be
    kept: chosen, not empty, within EVIDENCE_MAX_FILE_BYTES, of an accepted type judged from
    its content. Refuses with an UploadError; reads no more than it needs, writes nothing.
    Shared by every owner of uploaded files (applications, annual follow-ups)."""
    if storage is None or not storage.filename:
        raise UploadError(_("Choisissez un fichier."))
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError(_("Le fichier est vide."))
    limit = current_app.config["EVIDENCE_MAX_FILE_BYTES"]
    if size > limit:
        raise UploadError(
            _("Le fichier dépasse la taille autorisée (%(mb)s Mo).", mb=_megabytes(limit)),
            status=413,
        )
    mime, extension = sniff(stream.read(SNIFF_BYTES), stream, size)
    stream.seek(0)
    return size, mime, extension


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
    size, mime, extension = check_upload(storage)
    stream = storage.stream

    previous = find(application, kind, criterion_code) if kind is not DocumentKind.other else None
    total = total_size(application) - (previous.size if previous else 0) + size
    if total > config["EVIDENCE_MAX_APPLICATION_BYTES"]:
        raise UploadError(
            _(
                "Le dossier dépasserait la taille totale autorisée (%(mb)s Mo) : "
                "retirez ou allégez d'autres pièces.",
                mb=_megabytes(config["EVIDENCE_MAX_APPLICATION_BYTES"]),
            ),
            status=413,
        )

    stream.seek(0)
    stored_name, sha256 = write(stream)
    document = Document(
        kind=kind,
        criterion_code=criterion_code,
        title=title.strip()[:200],
        original_name=clean_name(storage.filename, extension),
        stored_name=stored_name,
        content_type=mime,
        size=size,
        sha256=sha256,
        uploaded_by_id=actor.id,
    )
    try:
        if previous is not None:
            remove(application, previous, actor, replaced=True)
        application.documents.append(document)
        db.session.flush()
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
    except BaseException:
        upload_storage().delete(stored_name)
        raise
    return document, [previous.stored_name] if previous else []


def write(source, folder: str = "") -> tuple[str, str]:
    """Copy the binary stream `source` into the storage's `folder` (the top by default: the
    applications' evidence) under a new random name; return that name and the SHA-256 of the
    bytes. The name only ever holds a complete file; on any error nothing is left behind
    (`cdess.storage`)."""
    stored_name = secrets.token_hex(16)
    _key, sha256 = upload_storage().put(folder_key(folder, stored_name), source)
    return stored_name, sha256


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
    """Where the local storage keeps the document's file (see `upload_dir`)."""
    return upload_dir() / document.stored_name


def has_file(document: Document) -> bool:
    return upload_storage().exists(document.stored_name)


def discard(stored_names, folder: str = "") -> None:
    """Remove files whose rows are gone (after the commit that removed them)."""
    files = upload_storage()
    for name in stored_names:
        files.delete(folder_key(folder, name))


def copy(document: Document, application: Application) -> Document:
    """The same file for another application (a renewal), under a new stored name (written
    like an upload: a crash before the commit leaves an orphan `check_storage` removes)."""
    with upload_storage().open(document.stored_name) as source:
        stored_name, _sha256 = write(source)
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


def check_storage(fix: bool = False, *, older_than: float = 0) -> dict[str, list]:
    """Compare the storage's top folder with the `Document` rows, for `flask storage check` (see
    `check_folder`; a missing file is named by "document_id", "application_id" and
    "stored_name")."""

    def rows() -> list[dict]:
        select = db.select(Document.id, Document.application_id, Document.stored_name)
        return [
            {"document_id": id_, "application_id": application_id, "stored_name": name}
            for id_, application_id, name in db.session.execute(select.order_by(Document.id))
        ]

    return check_folder("", rows, fix, older_than=older_than)


def check_folder(
    folder: str, read_rows: Callable[[], list[dict]], fix: bool = False, *, older_than: float = 0
) -> dict[str, list]:
    """Compare the files of the storage's `folder` ("" for the top; not its sub-folders) with
    the rows that name a file there (`read_rows()`: dicts with their "stored_name", read after
    the files are listed: an upload renamed after the listing is not seen, one committed
    before the query is known; only one between the two needs `older_than`; the folder is
    listed again after the rows to find the missing files). The applications' evidence, the
    follow-ups' and the reports' documents each have their folder.

    Returns, each list sorted:
    - "orphan_files": names of files in the folder that no row names (a crash between the
      file's rename and the commit, or after the commit that removed the row);
    - "temporary": names of `*.part` files, uploads cut off while being written;
    - "missing_files": the rows (of `known`) whose file is gone (never repaired here: the
      person uploads again);
    - "removed": with `fix`, the names deleted, orphans and temporaries; only names this
      module writes are ever deleted (a foreign file is reported, left alone), never a row.
    Files modified less than `older_than` seconds ago are left out: on a running server, pass
    a few minutes so that an upload between its rename and its commit is not taken for an
    orphan; after a crash, with the server stopped, 0 sees everything."""
    horizon = time.time() - older_than
    files_of = upload_storage()
    start = len(folder) + 1 if folder else 0
    files = [key[start:] for key, modified in files_of.keys(folder).items() if modified <= horizon]
    known = read_rows()
    names = {row["stored_name"] for row in known}
    temporary = sorted(name for name in files if name.endswith(TEMPORARY_SUFFIX))
    orphans = sorted(
        name for name in files if name not in names and not name.endswith(TEMPORARY_SUFFIX)
    )
    present = {key[start:] for key in files_of.keys(folder)}
    missing = [row for row in known if row["stored_name"] not in present]
    removed = []
    if fix:
        for name in orphans + temporary:
            if _is_ours(name):
                files_of.delete(folder_key(folder, name))
                removed.append(name)
    return {
        "orphan_files": orphans,
        "missing_files": missing,
        "temporary": temporary,
        "removed": sorted(removed),
    }


def _is_ours(name: str) -> bool:
    """A name `write` gives: 32 hexadecimal digits, `.part` while being written."""
    stem = name.removesuffix(TEMPORARY_SUFFIX)
    return len(stem) == 32 and all(ch in "0123456789abcdef" for ch in stem)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
