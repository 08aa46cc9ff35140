"""Uploads cannot cost the server: a zip bomb dressed as a DOCX or ODT is refused from its
table of contents, before any member is inflated, and the one member read to recognise the
format is cut at its declared size; uploads are limited per account. And they leave nothing
behind: a file reaches the disk whole before its row, nothing stays after a refusal or an
error, and `check_storage` finds (and removes) what a crash left."""

import io
import os
import random
import struct
import time
import zipfile
from pathlib import Path

import pytest

from cdess.applications import evidence, services
from cdess.applications.models import Document, DocumentKind
from cdess.charter import services as charters
from cdess.extensions import db
from tests.factories import PDF, finished_assessment, html, upload

CONTENT_TYPES = "[Content_Types].xml"


def docx(*members, content_types: bytes = b"<Types/>", method=zipfile.ZIP_DEFLATED) -> bytes:
    """A DOCX, then `members` (name, bytes). Its content types come third: what recognises
    the type from the first few kB must be seen before them, however long they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr(CONTENT_TYPES, content_types)
        for name, content in members:
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def bomb(megabytes: int) -> bytes:
    """A DOCX whose document holds `megabytes` MB of zeros: a thousandth of that zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CONTENT_TYPES, "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(zeros)
    return buffer.getvalue()


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive `data`, its member `name` claiming `size` bytes once inflated."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    struct.pack_into("<L", data, info.header_offset + 22, size)  # in its local header
    (at,) = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)
    while data[at : at + 4] == b"PK\x01\x02":  # and in the table of contents
        name_length, extra, comment = struct.unpack_from("<3H", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == name.encode():
            struct.pack_into("<L", data, at + 24, size)
        at += 46 + name_length + extra + comment
    return bytes(data)


def declare_members(data: bytes, count: int) -> bytes:
    """The archive `data`, its end record claiming `count` members."""
    data = bytearray(data)
    struct.pack_into("<2H", data, data.rfind(b"PK\x05\x06") + 8, count, count)
    return bytes(data)


class CountingStream(io.BytesIO):
    """A file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size=-1, /):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture
def opened(monkeypatch):
    """The names of the archive members opened for reading from now on."""
    names = []
    real = zipfile.ZipFile.open

    def spy(archive, member, mode="r", *args, **kwargs):
        if mode == "r":
            names.append(getattr(member, "filename", member))
        return real(archive, member, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


@pytest.fixture
def draft(ready, people, login):
    """An application in draft, its applicant signed in."""
    structure, assessment = ready
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    db.session.commit()
    login(people["applicant"])
    return application


def post(client, application, content: bytes, slot="statutes", address="192.0.2.1"):
    return client.post(
        f"/candidatures/{application.id}/pieces",
        data={"slot": slot, "file": (io.BytesIO(content), "statuts.docx")},
        environ_base={"REMOTE_ADDR": address},
    )


def stored_files(app) -> list[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def documents() -> list[Document]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Document).order_by(Document.id)).scalars())


def assert_refused(app, response, message: str) -> None:
    assert response.status_code == 400
    page = html(response)
    assert message in page and 'aria-invalid="true"' in page  # next to the field
    assert documents() == [] and stored_files(app) == []


# --- zip bombs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("megabytes", "settings"),
    [
        # More than the 50 MB allowed once inflated (the ratio put aside).
        (64, {"EVIDENCE_ZIP_MAX_RATIO": 10**6}),
        # Within the size allowed, but a thousand times the archive's.
        (8, {}),
    ],
)
def test_a_zip_bomb_is_refused_before_any_member_is_read(
    app, client, draft, monkeypatch, opened, megabytes, settings
):
    content = bomb(megabytes)
    assert len(content) * 500 < megabytes << 20
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    response = post(client, draft, content)
    assert_refused(app, response, "anormalement volumineux une fois ouvert")
    assert opened == []


def test_a_member_lying_about_its_size_is_read_no_further_than_it_claims(
    app, client, draft, opened
):
    # The member read to recognise a DOCX claims 100 bytes and holds 2 MB that do not
    # compress: reading stops at the claim, and the checksum shows the lie.
    noise = random.Random(16).randbytes(2 << 20)
    content = declare_size(docx(content_types=noise), CONTENT_TYPES, 100)
    stream = CountingStream(content)
    with pytest.raises(evidence.UploadError, match="endommagé"):
        evidence.check_archive(stream, len(content), "docx")
    assert opened == [CONTENT_TYPES]
    assert len(content) > 2 << 20 and stream.bytes_read < 100_000
    # Through the page (smaller: the test client leaves a large body's temporary file open).
    content = declare_size(docx(content_types=noise[:300_000]), CONTENT_TYPES, 100)
    assert_refused(app, post(client, draft, content), "endommagé")


def test_too_many_members_are_refused_before_the_table_of_contents_is_read(
    app, client, draft, monkeypatch, opened
):
    content = docx(*((f"word/media/{n}.xml", b"") for n in range(1000)))

    def unread(*args, **kwargs):
        raise AssertionError("the table of contents was parsed")

    monkeypatch.setattr(zipfile, "ZipFile", unread)  # the end record said enough
    assert_refused(app, post(client, draft, content), "trop d'éléments (1000 au plus)")


def test_members_are_counted_again_when_the_end_record_lies(app, client, draft, opened):
    content = declare_members(docx(*((f"word/{n}.xml", b"") for n in range(1000))), 3)
    assert_refused(app, post(client, draft, content), "trop d'éléments")
    assert opened == []


@pytest.mark.parametrize(
    "content",
    [
        docx(("word/media/x.xml", b"<x/>" * 100), method=zipfile.ZIP_BZIP2),  # never inflated
        docx(content_types=random.Random(1).randbytes(300_000)),  # too long for what it is
        declare_size(docx(), CONTENT_TYPES, 3),  # cut short of its content: checksum fails
        bomb(0)[:-22],  # no end record
    ],
    ids=["bzip2", "long-content-types", "short-content-types", "truncated"],
)
def test_an_archive_no_word_processor_writes_is_refused(app, client, draft, content):
    assert_refused(app, post(client, draft, content), "endommagé")


@pytest.mark.parametrize(
    ("content", "member"), [(docx(), CONTENT_TYPES), (odt(), "mimetype")], ids=["docx", "odt"]
)
def test_a_document_is_recognised_from_one_member(app, client, draft, opened, content, member):
    assert post(client, draft, content).status_code == 302
    assert opened == [member]
    (document,) = documents()
    assert stored_files(app) == [document.stored_name]


# --- uploads per account ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_UPLOAD": "2 per minute"}]
)
def test_uploads_are_limited_per_account_whatever_the_address(
    app, client, draft, people, create_structure, login
):
    assert post(client, draft, PDF, "statutes", "192.0.2.1").status_code == 302
    assert post(client, draft, PDF, "minutes", "192.0.2.2").status_code == 302
    response = post(client, draft, PDF, "accounts", "192.0.2.3")
    assert response.status_code == 429
    assert [d.kind for d in documents()] == [DocumentKind.statutes, DocumentKind.minutes]
    assert len(stored_files(app)) == 2
    # Another account, from the same address, is not held back.
    other = people["other"]
    structure = create_structure(owner=other)
    charters.sign(structure, "Alex Durand", "Président", other)
    theirs = services.create(structure, other)
    services.attach_assessment(theirs, finished_assessment(structure, other))
    db.session.commit()
    client.post("/compte/deconnexion")
    login(other)
    assert post(client, theirs, PDF, "statutes", "192.0.2.3").status_code == 302


# --- files before rows, nothing left behind ---------------------------------------------------


@pytest.fixture
def application(ready, people):
    structure, assessment = ready
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    db.session.commit()
    return application


def store(application, user, content=PDF, kind=DocumentKind.statutes):
    return evidence.store(application, upload(content, "statuts.pdf"), user, kind)


def test_a_file_is_complete_and_synced_before_it_takes_its_name(
    app, application, people, monkeypatch
):
    seen = []
    real = os.fsync

    def fsync(descriptor):
        seen.append(stored_files(app))
        return real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    document, _replaced = store(application, people["applicant"])
    name = document.stored_name
    assert seen[0] == [f"{name}.part"]  # the bytes synced under the temporary name
    assert stored_files(app) == [name]
    assert evidence.path_of(document).read_bytes() == PDF


@pytest.mark.parametrize("failing", ["write", "record"])
def test_an_upload_that_fails_leaves_no_file(app, application, people, monkeypatch, failing):
    def fail(*args, **kwargs):
        raise OSError("disque plein")

    if failing == "write":
        monkeypatch.setattr(os, "fsync", fail)
    else:  # after the file and its row: the journal entry
        monkeypatch.setattr(evidence.audit, "record", fail)
    with pytest.raises(OSError, match="disque plein"):
        store(application, people["applicant"])
    db.session.rollback()
    assert stored_files(app) == [] and documents() == []


def test_a_replaced_file_outlives_a_change_never_committed(app, application, people):
    first, _ = store(application, people["applicant"])
    db.session.commit()
    second, replaced = store(application, people["applicant"], content=PDF + b"%v2")
    first_name, second_name = first.stored_name, second.stored_name
    assert replaced == [first_name]
    assert evidence.path_of(first).is_file()  # discarded only after the commit
    db.session.rollback()  # the server died before the commit
    (kept,) = documents()
    assert kept.stored_name == first_name and evidence.path_of(kept).is_file()
    report = evidence.check_storage(fix=True)
    assert report["orphan_files"] == report["removed"] == [second_name]
    assert stored_files(app) == [first_name]


def test_check_storage_reports_leftovers_and_removes_only_its_own_files(app, application, people):
    kept, _ = store(application, people["applicant"])
    gone, _ = store(application, people["applicant"], kind=DocumentKind.minutes)
    db.session.commit()
    evidence.path_of(gone).unlink()
    folder = Path(app.config["UPLOAD_DIR"])
    orphan, temporary = "ab" * 16, "cd" * 16 + ".part"
    for name in (orphan, temporary, "notes.txt"):
        (folder / name).write_bytes(b"x")
    (folder / "sous-dossier").mkdir()

    assert evidence.check_storage() == {
        "orphan_files": sorted([orphan, "notes.txt"]),
        "missing_files": [
            {
                "document_id": gone.id,
                "application_id": application.id,
                "stored_name": gone.stored_name,
            }
        ],
        "temporary": [temporary],
        "removed": [],
    }
    assert stored_files(app) == sorted(
        [kept.stored_name, orphan, temporary, "notes.txt", "sous-dossier"]
    )
    # Files younger than `older_than` are left out: a live upload about to be committed.
    assert evidence.check_storage(fix=True, older_than=3600)["removed"] == []

    report = evidence.check_storage(fix=True)
    assert report["removed"] == sorted([orphan, temporary])  # a foreign file is left alone
    assert stored_files(app) == sorted([kept.stored_name, "notes.txt", "sous-dossier"])
    assert len(documents()) == 2  # rows are never removed
    again = evidence.check_storage(fix=True)
    assert again["orphan_files"] == ["notes.txt"] and again["temporary"] == []
    assert [m["document_id"] for m in again["missing_files"]] == [gone.id]


def test_check_storage_sees_old_leftovers_on_a_live_server(app, application, people):
    folder = evidence.upload_dir()
    old, new = folder / ("0" * 32), folder / ("1" * 32)
    for path in (old, new):
        path.write_bytes(b"x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    report = evidence.check_storage(fix=True, older_than=600)
    assert report["orphan_files"] == report["removed"] == [old.name]
    assert new.is_file()
