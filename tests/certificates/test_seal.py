"""The Département's electronic seal (cdess/web/seal.py): certificates and minutes signed in
PAdES B-B, still PDF/A-3b; a PDF whose seal was stripped, replaced by another key's, or that was
altered after sealing is told apart, on the public verification page too; seals rotate."""

import asyncio
import functools
import hashlib
import html
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pypdf import PdfReader
from weasyprint import HTML

from cdess.certificates import document
from cdess.certificates.models import Certificate
from cdess.extensions import db
from cdess.sessions import minutes
from cdess.web import seal
from cdess.web.seal import Verdict
from tests.factories import past_session

COUNCIL = "Conseil départemental de l'économie sociale et solidaire"


@functools.cache
def small_pdfa() -> bytes:
    """A one-line PDF/A-3b: enough to seal, cheap to draw (once per run)."""
    return HTML(string="<title>Essai</title><p>Certificat d'essai</p>").write_pdf(
        pdf_variant="pdf/a-3b"
    )


@functools.cache
def other_key() -> seal.Seal:
    """A seal that is not the council's: a key of someone else's, never installed."""
    return seal.open_pkcs12(seal.development_pkcs12(), None)


def signed_over(sealed: bytes) -> bytes:
    """Another signature added after the seal, in a field of its own (the seal untouched)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    metadata = signers.PdfSignatureMetadata(field_name="Autre")
    return seal.outside_any_loop(
        signers.sign_pdf, writer, metadata, signer=other_key().signer
    ).getvalue()


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def _upload(client, content: bytes) -> str:
    response = client.post(
        "/verification",
        data={"pdf": (io.BytesIO(content), "certificat.pdf")},
        content_type="multipart/form-data",
    )
    response.close()
    assert response.status_code == 200
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))  # NBSP too


# --- sealing ----------------------------------------------------------------------------------


def test_a_sealed_pdf_keeps_its_bytes_verifies_and_stays_pdfa(app):
    pdf = small_pdfa()
    sealed = seal.seal(pdf)
    assert sealed.startswith(pdf) and len(sealed) > len(pdf)  # an incremental update
    checked = seal.check(sealed)
    assert checked.verdict is Verdict.sealed and checked.ours
    assert checked.signer == COUNCIL
    assert abs(checked.signed_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert checked.fingerprint == seal.current().fingerprint

    reader = PdfReader(io.BytesIO(sealed))
    xmp = _xmp(reader)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    producer = re.search(r'pdf:Producer="([^"]*)"', xmp).group(1)
    assert reader.trailer["/Info"]["/Producer"] == producer  # PDF/A: Info agrees with XMP
    field = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    assert field["/T"] == seal.FIELD and field["/Rect"] == [0, 0, 0, 0]  # invisible
    assert field["/F"] & 4  # printed, as PDF/A wants every annotation
    signature = field["/V"].get_object()
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signature["/Reason"] == "Sceau électronique du Département du Pas-de-Calais"
    assert signature["/Location"] == "Arras"
    assert signature["/Name"] == "Département du Pas-de-Calais"


def test_the_seal_is_made_once_kept_private_and_its_certificate_kept(app):
    used = seal.current()
    assert seal.current() is used  # opened once per process
    path = seal.pkcs12_path()
    assert path.stat().st_mode & 0o077 == 0  # the key: its owner only
    kept = seal.history_dir() / f"{used.fingerprint}.pem"
    assert kept.is_file() and b"PRIVATE" not in kept.read_bytes()
    usage = used.certificate.extensions.get_extension_for_class(seal.x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert used.certificate.subject == used.certificate.issuer  # self-signed, development
    years = used.certificate.not_valid_after_utc - used.certificate.not_valid_before_utc
    assert years >= timedelta(days=3650)


@pytest.mark.parametrize(
    ("tamper", "verdict"),
    [
        (lambda pdf, sealed: pdf, Verdict.unsigned),  # the seal's update stripped
        (lambda pdf, sealed: seal.seal(pdf, using=other_key()), Verdict.foreign),  # re-signed
        (lambda pdf, sealed: sealed + b"\n% ajout\n", Verdict.modified),  # bytes appended
        (lambda pdf, sealed: signed_over(sealed), Verdict.modified),  # signed over
        (
            lambda pdf, sealed: sealed.replace(b"/Producer", b"/Producez", 1),
            Verdict.altered,
        ),  # one byte changed inside what the seal signed
        (lambda pdf, sealed: b"%PDF-1.7\n pas un PDF", Verdict.unreadable),
    ],
    ids=["stripped", "another-key", "appended", "signed-over", "byte-changed", "broken"],
)
def test_tampering_is_told_apart(app, tamper, verdict):
    pdf = small_pdfa()
    sealed = seal.seal(pdf)
    checked = seal.check(tamper(pdf, sealed))
    assert checked.verdict is verdict
    assert not checked.ours
    if verdict in (Verdict.foreign,):
        assert checked.fingerprint == other_key().fingerprint
    if verdict in (Verdict.modified, Verdict.altered):
        assert checked.signer == COUNCIL  # whose seal it was


def test_what_pyhanko_or_cryptography_cannot_read_is_an_answer_not_an_error(app, monkeypatch):
    """A construct pyHanko's validation does not support (a seed value's legal attestation
    added after the seal) is altered; a signer's certificate cryptography refuses is
    unreadable: never a 500 on the public page."""
    sealed = seal.seal(small_pdfa())

    def unsupported(*_args, **_kwargs):
        raise NotImplementedError("/SV /LegalAttestation")

    monkeypatch.setattr(seal, "validate_pdf_signature", unsupported)
    assert seal.check(sealed).verdict is Verdict.altered
    monkeypatch.undo()

    def refused(_certificate):
        raise ValueError("error parsing asn1 value")

    monkeypatch.setattr(seal, "_asn1_name", refused)
    assert seal.check(sealed).verdict is Verdict.unreadable


def test_an_rsa_seal_as_trust_service_providers_deliver(app):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_seal = seal.open_pkcs12(seal.development_pkcs12(key=key), None)
    sealed = seal.seal(small_pdfa(), using=rsa_seal)
    (signature,) = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    algorithm = signature.signer_info["signature_algorithm"]["algorithm"].native
    assert algorithm in ("rsassa_pkcs1v15", "sha256_rsa")  # signed by our RSA path
    checked = seal.check(sealed)
    assert checked.verdict is Verdict.foreign  # not one of ours until kept among them
    assert checked.fingerprint == rsa_seal.fingerprint
    seal.archive(rsa_seal.certificate)
    assert seal.check(sealed).verdict is Verdict.sealed


def test_a_rotated_seal_still_vouches_for_what_it_sealed(app):
    before = seal.seal(small_pdfa())
    old = seal.current()
    result = app.test_cli_runner().invoke(args=["seal", "rotate"])
    assert result.exit_code == 0, result.output
    new = seal.current()
    assert new.fingerprint != old.fingerprint and new.fingerprint in result.output
    assert seal.check(before).verdict is Verdict.sealed  # the former seal, from the history
    after = seal.check(seal.seal(small_pdfa()))
    assert after.verdict is Verdict.sealed and after.fingerprint == new.fingerprint
    shown = app.test_cli_runner().invoke(args=["seal", "show"]).output
    assert old.fingerprint in shown and new.fingerprint in shown


def test_a_seal_given_as_a_file_with_its_password(app, tmp_path):
    app.config["SEAL_PKCS12"] = str(tmp_path / "sceau.p12")
    app.config["SEAL_PASSWORD"] = 1234  # CDESS_SEAL_PASSWORD=1234 reads as a number
    given = tmp_path / "prestataire.p12"
    given.write_bytes(seal.development_pkcs12(b"1234"))
    result = app.test_cli_runner().invoke(args=["seal", "rotate", "--p12", str(given)])
    assert result.exit_code == 0, result.output
    assert seal.check(seal.seal(small_pdfa())).verdict is Verdict.sealed
    app.config["SEAL_PASSWORD"] = "pas le bon"
    with pytest.raises(seal.SealError, match="mauvais mot de passe"):
        seal.seal(small_pdfa())


def test_production_issues_nothing_without_a_seal(app, tmp_path):
    app.config.update(PRODUCTION=True, SEAL_PKCS12=str(tmp_path / "absent.p12"))
    assert seal.ensure() is None
    with pytest.raises(seal.SealError, match="Aucun sceau"):
        seal.seal(small_pdfa())
    result = app.test_cli_runner().invoke(args=["seal", "rotate"])
    assert result.exit_code != 0 and "prestataire de confiance" in result.output
    assert not (tmp_path / "absent.p12").exists()  # no self-signed seal made in production


# --- certificates and minutes -----------------------------------------------------------------


def test_a_certificate_is_sealed_with_its_attachment_inside(app, certificate):
    assert seal.check(certificate.pdf).verdict is Verdict.sealed
    assert certificate.sha256 == hashlib.sha256(certificate.pdf).hexdigest()  # of sealed bytes
    credential = ("credential.json", b'{"type": "OpenBadgeCredential"}', "Open Badges 3.0")
    pdf = document.render(certificate.snapshot, attachments=[credential])
    assert seal.check(pdf).verdict is Verdict.sealed
    reader = PdfReader(io.BytesIO(pdf))
    assert 'pdfaid:part="3"' in _xmp(reader)
    files = {f.name: f for f in reader.attachment_list}
    assert files["credential.json"].content == credential[1]
    assert files["credential.json"].description == "Open Badges 3.0"
    specs = [s.get_object() for s in reader.trailer["/Root"]["/AF"]]
    spec = next(s for s in specs if s["/F"] == "credential.json")
    assert spec["/AFRelationship"] == "/Alternative"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"


def test_the_minutes_are_sealed(app, people):
    session = past_session(datetime(2026, 5, 20, 14))
    db.session.flush()
    pdf = minutes.write(session)
    assert seal.check(pdf).verdict is Verdict.sealed
    assert (
        session.minutes_sha256
        == hashlib.sha256(pdf).hexdigest()
        == hashlib.sha256(session.minutes_pdf).hexdigest()
    )


# --- the public verification page -------------------------------------------------------------


def test_the_verification_page_says_what_the_seal_says(app, client, certificate):
    text = _upload(client, certificate.pdf)
    assert "Ce fichier est bien un certificat délivré par le conseil" in text
    assert f"signé par le sceau de « {COUNCIL} » le" in text
    assert "document intact" in text and certificate.number in text

    unsealed = certificate.pdf[: certificate.pdf.rindex(b"%%EOF", 0, -8) + 6]
    assert seal.check(unsealed).verdict is Verdict.unsigned  # the seal's revision cut off
    text = _upload(client, unsealed)
    assert "Non reconnu" in text and "ne porte aucune signature électronique" in text
    assert "sa signature a été retirée" in text

    text = _upload(client, seal.seal(unsealed, using=other_key()))
    assert "Non reconnu" in text and "signé par une autre clé" in text
    assert "ce n'est pas le sceau électronique du conseil" in text

    text = _upload(client, certificate.pdf + b"\n% ajout\n")
    assert "Non reconnu" in text and "des ajouts ont été faits après le sceau du conseil" in text

    altered = certificate.pdf.replace(b"/Producer", b"/Producez", 1)
    text = _upload(client, altered)
    assert "Non reconnu" in text and "son contenu ne correspond plus au sceau" in text

    text = _upload(client, seal.seal(small_pdfa()))  # ours, but no certificate of the registry
    assert "Non reconnu" in text and "ce n'est pas un certificat du registre" in text

    # A certificate issued before sealing is still known by its hash.
    db.session.execute(
        db.update(Certificate)
        .filter_by(id=certificate.id)
        .values(pdf=unsealed, sha256=hashlib.sha256(unsealed).hexdigest())
    )
    db.session.commit()
    text = _upload(client, unsealed)
    assert "reconnu par son empreinte" in text and certificate.number in text
    assert "Non reconnu" not in text


def test_an_issue_without_a_seal_is_refused_with_a_message(app, client, login, grant, people):
    application = grant(name="Recyclerie sans sceau")
    login(people["secretariat"])
    app.config.update(PRODUCTION=True, SEAL_PKCS12="/nonexistent/sceau.p12")
    response = client.post(f"/candidatures/{application.id}/certificat", follow_redirects=True)
    assert response.status_code == 200
    assert "sceau électronique du Département n&#39;est pas installé" in response.text
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0


def test_sealing_and_checking_work_where_an_event_loop_runs(app):
    """pyHanko runs its own loop: inside another one (Playwright's, an asynchronous server's
    worker) the seal is made and checked in a thread of its own."""

    async def inside_a_loop():
        with app.app_context():
            pdf = seal.seal(small_pdfa())
            return pdf, seal.check(pdf).verdict

    # In a thread of its own: the journeys leave Playwright's loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        pdf, verdict = thread.submit(asyncio.run, inside_a_loop()).result()
    assert verdict is Verdict.sealed
    assert seal.check(pdf).verdict is Verdict.sealed
