"""The certificate stays French, its legal text, whoever issues it; an English translation is
drawn on demand: a real PDF that says it is a translation without legal value, names the
original's number and SHA-256, and is neither stored nor registered."""

import hashlib
import io

from pypdf import PdfReader

from cdess.certificates import document, services
from cdess.certificates.models import Certificate
from cdess.extensions import db
from tests.factories import embedded_files, html


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_english_translation_says_what_it_is_and_names_the_original(
    client, login, grant, people
):
    certificate = services.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
    db.session.commit()
    stored, sha256 = certificate.pdf, certificate.sha256
    login(people["applicant"])

    response = client.get(f"/certificats/{certificate.number}/en.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="{certificate.number}-en.pdf"' in disposition
    text = " ".join(pdf_text(response.data).split())  # words as read, wherever lines break
    assert "Translation with no legal value" in text
    assert f"certificate no. {certificate.number}" in text and "Only the French original" in text
    assert sha256 in text.replace(" ", "")
    assert "Recyclerie du Ternois" in text and "SSE label" in text

    # The French PDF is still the certificate: the same bytes, one row, its hash verifies.
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 1
    kept = db.session.get(Certificate, certificate.id)
    assert kept.pdf == stored and kept.sha256 == sha256 == hashlib.sha256(stored).hexdigest()
    assert services.by_pdf(response.data) is None  # the translation verifies as nothing
    assert services.by_pdf(stored).id == certificate.id


def test_the_certificate_is_french_even_when_its_issuer_browses_in_english(app, grant, people):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        certificate = services.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
        db.session.commit()
        files = embedded_files(certificate.pdf)
        again = document.render(certificate.snapshot, files, sealed=False)
        assert certificate.pdf.startswith(again)
    text = pdf_text(certificate.pdf)
    assert "Label ESS" in text and "SSE label" not in text
    assert "Translation" not in text


def test_french_is_not_a_translation_and_other_locales_are_unknown(client, login, grant, people):
    certificate = services.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
    db.session.commit()
    login(people["applicant"])
    for lang in ("fr", "de", "EN", "x" * 300):
        assert client.get(f"/certificats/{certificate.number}/{lang}.pdf").status_code == 404
    assert client.get("/certificats/CDESS-62-1999-0001/en.pdf").status_code == 404


def test_the_pages_offer_the_translation_by_its_language(client, login, grant, people):
    certificate = services.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
    db.session.commit()
    login(people["secretariat"])
    page = html(client.get(f"/certificats/{certificate.number}"))
    link = f'href="/certificats/{certificate.number}/en.pdf" hreflang="en" lang="en"'
    assert link in page and ">English</a>" in page
    assert "/fr.pdf" not in page
