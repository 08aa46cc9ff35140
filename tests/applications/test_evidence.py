"""Evidence files through the pages: types judged from content, size limits, names, who may
download, replacing and removing, and that a refused upload changes nothing."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from cdess.applications import evidence, services
from cdess.applications.models import Document, State
from cdess.extensions import db
from tests.factories import PDF, add_documents, html


def png() -> bytes:
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )  # first, stored: what identifies the format
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return buffer.getvalue()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def draft(ready, people, client, login):
    structure, assessment = ready
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    db.session.commit()
    login(people["applicant"])
    return application


def post(client, application, content: bytes, name: str, slot: str = "statutes", **extra):
    return client.post(
        f"/candidatures/{application.id}/pieces",
        data={"slot": slot, "file": (io.BytesIO(content), name), **extra},
    )


def documents() -> list[Document]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Document).order_by(Document.id)).scalars())


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (PDF, "statuts.pdf", "application/pdf"),
        (png(), "scan.png", "image/png"),
        (JPEG, "photo.jpeg", "image/jpeg"),
        (odt(), "statuts.odt", "application/vnd.oasis.opendocument.text"),
        (
            docx(),
            "statuts.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (PDF, "statuts-sans-extension", "application/pdf"),  # the name does not matter
    ],
)
def test_accepted_types_are_known_by_their_content(app, client, draft, content, name, mime):
    response = post(client, draft, content, name)
    assert response.status_code == 302
    (document,) = documents()
    assert document.content_type == mime and document.original_name == name
    assert document.size == len(content)
    stored = evidence.path_of(document)
    assert stored.read_bytes() == content
    assert stored.name == document.stored_name != name and len(stored.name) == 32
    download = client.get(f"/candidatures/{draft.id}/pieces/{document.id}")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Type"].startswith(mime)
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and name in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "statuts.pdf", "pas accepté"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "statuts.pdf", "pas accepté"),
        (b"Bonjour, voici nos statuts.", "statuts.pdf", "pas accepté"),
        (b"<html><script>alert(1)</script></html>", "statuts.pdf", "pas accepté"),
        (b"GIF89a\x01\x00\x01\x00", "logo.png", "pas accepté"),
        (b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml" + b"\x00" * 50, "x.docx", "endommagé"),
        (b"", "vide.pdf", "Le fichier est vide."),
    ],
)
def test_refused_files_change_nothing(app, client, draft, content, name, message):
    response = post(client, draft, content, name)
    assert response.status_code == 400
    page = html(response)
    assert message in page and 'aria-invalid="true"' in page
    assert documents() == [] and stored_files(app) == []


def test_no_file_chosen(client, draft):
    response = client.post(f"/candidatures/{draft.id}/pieces", data={"slot": "statutes"})
    assert response.status_code == 400 and "Choisissez un fichier." in html(response)


def test_unknown_slot_is_a_bad_request(client, draft):
    assert post(client, draft, PDF, "a.pdf", slot="../../etc").status_code == 400
    assert documents() == []


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        # A quoted multipart name loses its backslashes before the view sees it.
        ("..\\..\\Windows\\system.ini.pdf", "Windowssystem.ini.pdf"),
        ("/absolu/statuts 2024 signés.pdf", "statuts 2024 signés.pdf"),
        ("..", "piece.pdf"),
        ("pv\x00\x1b[31m.pdf", "pv[31m.pdf"),
    ],
)
def test_file_names_cannot_reach_the_disk(app, client, draft, name, kept):
    assert post(client, draft, PDF, name).status_code == 302
    (document,) = documents()
    assert document.original_name == kept
    assert [p.name for p in stored_files(app)] == [document.stored_name]


def test_oversized_file_keeps_the_form(app, client, draft):
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 1024
    response = post(client, draft, PDF + b"%" * 2000, "gros.pdf", slot="other", title="Rapport")
    assert response.status_code == 413
    page = html(response)
    assert "Le fichier dépasse la taille autorisée" in page
    assert 'value="Rapport"' in page  # what was typed is still there
    assert documents() == [] and stored_files(app) == []


def test_body_too_large_for_a_file_one_may_not_see_gets_the_plain_page(
    app, client, draft, login, people, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    body = PDF + b"%" * 10000

    def refused(application_id: int) -> None:
        # As in production: the CSRF check reads the body before the view checks access.
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        response = client.post(
            f"/candidatures/{application_id}/pieces",
            data={"slot": "statutes", "file": (io.BytesIO(body), "enorme.pdf")},
        )
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        assert response.status_code == 413
        page = html(response)
        assert "Envoi trop volumineux" in page and "Pièces du dossier" not in page

    client.post("/compte/deconnexion")
    login(people["other"])  # signed in, not a member of the structure
    refused(draft.id)
    refused(999999)
    client.post("/compte/deconnexion")
    refused(draft.id)  # nobody signed in


def test_body_too_large_to_read_still_answers_with_the_page(app, client, draft):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = post(client, draft, PDF + b"%" * 10000, "enorme.pdf")
    assert response.status_code == 413
    page = html(response)
    assert "dépasse la taille autorisée" in page and "Pièces du dossier" in page
    assert documents() == []


def test_application_total_is_limited(app, client, draft):
    app.config["EVIDENCE_MAX_APPLICATION_BYTES"] = len(PDF) * 2
    assert post(client, draft, PDF, "a.pdf", slot="statutes").status_code == 302
    assert post(client, draft, PDF, "b.pdf", slot="minutes").status_code == 302
    response = post(client, draft, PDF, "c.pdf", slot="accounts")
    assert response.status_code == 413 and "taille totale" in html(response)
    # Replacing a file counts the new size instead of the old one.
    assert post(client, draft, PDF, "a2.pdf", slot="statutes").status_code == 302
    assert [d.original_name for d in documents()] == ["b.pdf", "a2.pdf"]


def test_replacing_and_removing(app, client, draft):
    post(client, draft, PDF, "v1.pdf")
    documents()
    post(client, draft, png(), "v2.png")
    (second,) = documents()
    assert second.original_name == "v2.png"
    assert [p.name for p in stored_files(app)] == [second.stored_name]  # old file gone
    assert (
        client.post(f"/candidatures/{draft.id}/pieces/{second.id}/suppression").status_code == 302
    )
    assert documents() == [] and stored_files(app) == []
    # Other documents are a free list, each with its title.
    post(client, draft, PDF, "rapport.pdf", slot="other", title="Rapport d'activité")
    post(client, draft, PDF, "projet.pdf", slot="other", title="Projet associatif")
    assert [d.title for d in documents()] == ["Rapport d'activité", "Projet associatif"]
    response = post(client, draft, PDF, "x.pdf", slot="other", title="  ")
    assert response.status_code == 400 and "Donnez un intitulé" in html(response)


def test_submitted_file_is_frozen(app, client, draft, people):
    add_documents(draft, people["applicant"])
    db.session.commit()
    assert client.post(f"/candidatures/{draft.id}/actions/submit").status_code == 302
    db.session.expire_all()
    assert draft.state is State.submitted
    before = [(d.id, d.stored_name) for d in documents()]
    assert post(client, draft, PDF, "tard.pdf").status_code == 302
    assert "plus modifiable" in html(client.get(f"/candidatures/{draft.id}"))
    client.post(f"/candidatures/{draft.id}/pieces/{before[0][0]}/suppression")
    assert [(d.id, d.stored_name) for d in documents()] == before
    # A second submission of the same file is refused; nothing is written twice.
    client.post(f"/candidatures/{draft.id}/actions/submit")
    client.post(f"/candidatures/{draft.id}/actions/resubmit")
    db.session.expire_all()
    assert draft.state is State.submitted and len(draft.transitions) == 1


def test_another_structure_cannot_fetch_a_document(
    app, client, login, draft, people, create_structure
):
    post(client, draft, PDF, "statuts.pdf")
    (document,) = documents()
    url = f"/candidatures/{draft.id}/pieces/{document.id}"
    theirs = services.create(create_structure(owner=people["other"]), people["other"])
    db.session.commit()
    client.post("/compte/deconnexion")
    login(people["other"])
    assert client.get(url).status_code == 403
    # Their own application's URL with another's document id: not found.
    assert client.get(f"/candidatures/{theirs.id}/pieces/{document.id}").status_code == 404
    assert (
        client.post(f"/candidatures/{theirs.id}/pieces/{document.id}/suppression").status_code
        == 404
    )
    assert len(documents()) == 1
    # Staff may read it; a file missing on disk is a 404, not a 500.
    client.post("/compte/deconnexion")
    login(people["secretariat"])
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    evidence.path_of(document).unlink()
    assert client.get(url).status_code == 404
