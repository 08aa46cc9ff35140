"""What a person does on the questionnaire pages, shared by the journeys."""

import re
import struct
import zlib

from playwright.sync_api import expect


def answer_questions(page, best: bool = True, number: str = "30") -> int:
    """Answer every question shown: the first (best) or last proposed answer, a number, a text.
    Returns how many were answered."""
    fields = page.locator(".question-field")
    count = fields.count()
    for i in range(count):
        field = fields.nth(i)
        radios = field.get_by_role("radio")
        if radios.count():
            (radios.first if best else radios.last).check()
        elif field.get_by_role("textbox").count():
            box = field.get_by_role("textbox")
            box.fill(
                number
                if "input-number" in (box.get_attribute("class") or "")
                else "Nous accompagnons les habitants du quartier."
            )
    return count


def heading(page, text: str):
    return page.get_by_role("heading", name=re.compile(text), level=1)


def nav(page, name: str, menu: str = "Navigation principale") -> None:
    """Follow a link of the main navigation (`menu`: its name in the page's language)."""
    with page.expect_navigation():
        page.get_by_role("navigation", name=menu).get_by_role("link", name=name, exact=True).click()


def field_error(page, label: str):
    """The error message tied to a field by aria-describedby (fails if there is none)."""
    field = page.get_by_label(label)
    expect(field).to_have_attribute("aria-describedby", re.compile(r"-erreur\b"))
    ids = (field.get_attribute("aria-describedby") or "").split()
    errors = [i for i in ids if i.endswith("-erreur")]
    assert errors, f"no error message tied to « {label} »"
    return page.locator(f"#{errors[0]}")


def pdf_file(name: str, text: str = "Piece jointe au dossier") -> dict:
    """A small, valid one-page PDF (with its cross-reference table), as Playwright uploads it."""
    stream = f"BT /F1 12 Tf 72 770 Td ({text.encode('ascii', 'replace').decode()}) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream.encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return {"name": name, "mimeType": "application/pdf", "buffer": body}


def png_file(name: str) -> dict:
    """A valid 2×2 PNG (a phone photo of a signed page, say), as Playwright uploads it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = b"".join(b"\x00" + b"\xff\xff\xff" * 2 for _ in range(2))
    body = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )
    return {"name": name, "mimeType": "image/png", "buffer": body}


QUORUM = re.compile(
    r"(\d+) présents, (\d+) représentés, sur \d+ membres votants non récusés\s: (\d+) requis"
)


def check_in_for_quorum(page, skip=()) -> int:
    """On the live page of an open session, as the secretariat or the president: mark voting
    members present in the attendance table until the next point's quorum is reached. Members
    named in `skip` (and namesakes, whom the table cannot tell apart) are left alone. Returns
    how many were marked."""
    with page.expect_navigation():  # from a fresh page: others may have just checked in
        page.get_by_role("link", name="Actualiser").click()
    marked = 0
    while True:
        quorum = page.get_by_role("region", name=re.compile("^Quorum — point")).inner_text()
        present, represented, required = map(int, QUORUM.search(quorum).groups())
        if present + represented >= required:
            assert "Quorum atteint." in quorum, quorum
            return marked
        table = page.get_by_role("table", name="Membres du conseil et présence")
        everyone = table.get_by_role("rowheader").all_inner_texts()
        absent = (
            table.get_by_role("row")
            .filter(has_text="délibérative")
            .filter(has=page.get_by_role("button", name=re.compile("^marquer présent")))
        )
        names = [
            n
            for n in absent.get_by_role("rowheader").all_inner_texts()
            if n not in skip and everyone.count(n) == 1
        ]
        assert names, f"nobody left to mark present: {quorum}"
        for name in names[: required - present - represented]:
            with page.expect_navigation(wait_until="domcontentloaded"):
                page.get_by_role("button", name=f"marquer présent {name}", exact=True).click()
            marked += 1
