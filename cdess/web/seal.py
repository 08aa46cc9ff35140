"""The Département's electronic seal on the PDFs the council issues: certificates and minutes.

A seal is a PKCS#12 file (key and certificate) named by `SEAL_PKCS12` and opened with
`SEAL_PASSWORD`. `seal(pdf)` signs a PDF with it, `check(pdf)` says whether a PDF carries one
of the council's seals, intact.

Where PAdES and pyHanko leave a choice, decided here:
- PAdES baseline B-B (ETSI.CAdES.detached, SHA-256), no time-stamp: no time-stamping
  authority is asked; the signing time is the seal's own claim (the issue is dated in the
  database and the journal anyway);
- the signature is invisible (a field of zero size): the page keeps its layout, and a
  zero-size annotation needs no appearance in a PDF/A; readers list it in their signature
  panel;
- an incremental update: the rendered PDF/A stays byte for byte at the start of the sealed
  file; the Info dictionary's producer is made the one pyHanko writes in the XMP (PDF/A asks
  both to agree) and the XMP keeps its PDF/A identification;
- the council's seals are the certificates in instance/sceaux/ (public part only, one PEM file
  per seal named by its SHA-256): the seal in use is copied there the first time it is opened,
  so a PDF sealed before a rotation still verifies. A signature is ours when its certificate
  is one of them; it is validated with them as the only trust roots, at the time it claims
  (an expired seal still vouches for what it sealed while valid);
- the development seal, made when none exists outside production only: an EC P-256 key
  (made in a millisecond, as strong as RSA 3072), self-signed for 10 years, its subject the
  council, in a PKCS#12 file without password readable by its owner only (0600, as
  instance/secret_key: a password written beside it would add nothing). In production a
  missing seal is an error: nothing is issued unsealed."""

import asyncio
import contextlib
import enum
import hashlib
import io
import logging
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

FIELD = "Sceau"
DEVELOPMENT_YEARS = 10
log = logging.getLogger(__name__)


class SealError(RuntimeError):
    """No usable seal: none configured in production, or a file that does not open."""


class Verdict(enum.Enum):
    """What a PDF's signature says of it."""

    sealed = "sealed"  # one of our seals, over the whole file, intact
    unsigned = "unsigned"  # no signature at all (never sealed, or its signature stripped)
    foreign = "foreign"  # signed, but not by one of our seals
    altered = "altered"  # our seal, but the bytes it signed were changed
    modified = "modified"  # our seal, intact, but something was added after it
    unreadable = "unreadable"  # not a PDF pyHanko can read


@dataclass(frozen=True)
class SealCheck:
    """A PDF's signature, checked: its verdict, who signed it and when they say they did."""

    verdict: Verdict
    signer: str = ""
    signed_at: datetime | None = None
    fingerprint: str = ""

    @property
    def ours(self) -> bool:
        return self.verdict is Verdict.sealed


class _Signer(signers.SimpleSigner):
    """pyHanko's SimpleSigner keeping the key object it was given: pyHanko parses the key
    again for each signature (twice per PDF), and the checks of an RSA key's parsing cost
    some 0.4 s each time."""

    def __init__(self, key, certificate: x509.Certificate, others: list[x509.Certificate]):
        super().__init__(
            signing_cert=translate_pyca_cryptography_cert_to_asn1(certificate),
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=SimpleCertificateStore.from_certs(
                [translate_pyca_cryptography_cert_to_asn1(c) for c in others]
            ),
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)  # PSS and others: pyHanko's way


@dataclass(frozen=True)
class Seal:
    """The seal in use: its signer and its certificate."""

    signer: _Signer
    certificate: x509.Certificate

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def name(self) -> str:
        return subject_name(self.certificate.subject)


def fingerprint(der: bytes) -> str:
    """A certificate's SHA-256, in hexadecimal: its name in the seals' history."""
    return hashlib.sha256(der).hexdigest()


def subject_name(subject: x509.Name) -> str:
    """How a seal is named to people: its subject's common name, else its organisation."""
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        names = subject.get_attributes_for_oid(oid)
        if names:
            return str(names[0].value)
    return subject.rfc4514_string()


def pkcs12_path() -> Path:
    """The seal's file: `SEAL_PKCS12`, or instance/sceau.p12."""
    configured = current_app.config.get("SEAL_PKCS12")
    return Path(configured) if configured else Path(current_app.instance_path) / "sceau.p12"


def history_dir() -> Path:
    """instance/sceaux/: the certificates of every seal the council used."""
    return Path(current_app.instance_path) / "sceaux"


def _password() -> bytes | None:
    value = current_app.config.get("SEAL_PASSWORD")
    # CDESS_* variables are read as JSON when they parse: a password of digits is a number.
    return None if value is None or value == "" else str(value).encode()


_loaded: dict[tuple, Seal] = {}
_lock = threading.Lock()


def current() -> Seal:
    """The seal in use, opened once per process (again when its file changes); a development
    seal is made first when there is none, outside production."""
    path = pkcs12_path()
    if not path.is_file():
        if current_app.config["PRODUCTION"]:
            raise SealError(
                f"Aucun sceau électronique : le fichier {path} manque (SEAL_PKCS12, et son mot "
                "de passe dans CDESS_SEAL_PASSWORD)."
            )
        install(development_pkcs12(_password()), path, replace=False)
    stat = path.stat()
    password = _password()
    key = (str(path), stat.st_mtime_ns, stat.st_size, password)
    with _lock:
        if key not in _loaded:
            _loaded.clear()
            _loaded[key] = open_pkcs12(path.read_bytes(), password)
            archive(_loaded[key].certificate)
        return _loaded[key]


def open_pkcs12(data: bytes, password: bytes | None) -> Seal:
    """A seal from a PKCS#12 file's bytes; SealError when it does not open or lacks a key."""
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as error:
        raise SealError(
            "Le fichier du sceau ne s'ouvre pas : mauvais mot de passe (CDESS_SEAL_PASSWORD) "
            "ou fichier PKCS#12 invalide."
        ) from error
    if key is None or certificate is None:
        raise SealError("Le fichier du sceau doit contenir une clé privée et son certificat.")
    return Seal(_Signer(key, certificate, others), certificate)


def development_pkcs12(
    password: bytes | None = None, now: datetime | None = None, key=None
) -> bytes:
    """A self-signed development seal for the council, as PKCS#12 bytes (without password
    unless one is given), with a new EC P-256 key unless `key` is given."""
    now = now or datetime.now(UTC)
    config = current_app.config
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, config["DEPARTEMENT_NAME"][:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Sceau de développement"),
            x509.NameAttribute(NameOID.COMMON_NAME, config["COUNCIL_NAME"][:64]),
        ]
    )
    key = key or ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # a clock a little behind still accepts it
        .not_valid_after(now + timedelta(days=365 * DEVELOPMENT_YEARS + 2))
        .add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"sceau", key, certificate, None, encryption)


def _write(path: Path, data: bytes, replace: bool, mode: int = 0o600) -> bool:
    """Write `data` to `path` whole or not at all (a temporary file, then linked or moved);
    False when it existed and `replace` is off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sceau-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # fails when another process wrote it first
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: a narrower race, still whole
            if path.exists():
                return False
            os.replace(temporary, path)
        return True
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def install(data: bytes, path: Path | None = None, replace: bool = True) -> bool:
    """Put a seal's PKCS#12 bytes in its place (0600); False when one was there and
    `replace` is off."""
    return _write(path or pkcs12_path(), data, replace)


def archive(certificate: x509.Certificate) -> Path:
    """Keep a seal's certificate (its public part) among the council's seals."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    path = history_dir() / f"{fingerprint(der)}.pem"
    if not path.is_file():
        _write(path, certificate.public_bytes(serialization.Encoding.PEM), True, 0o644)
    return path


def history() -> list[x509.Certificate]:
    """The certificates of every seal the council used, oldest first."""
    folder = history_dir()
    if not folder.is_dir():
        return []
    certificates = [x509.load_pem_x509_certificate(p.read_bytes()) for p in folder.glob("*.pem")]
    return sorted(certificates, key=lambda c: c.not_valid_before_utc)


def ensure() -> Seal | None:
    """The seal in use, made if needed (outside production); None in production when there
    is none."""
    if current_app.config["PRODUCTION"] and not pkcs12_path().is_file():
        return None
    return current()


def rotate(data: bytes | None = None) -> Seal:
    """Make a new seal the one in use: the PKCS#12 file `data`, opened with `SEAL_PASSWORD`
    (set it to the new file's password first), or else a new development seal (refused in
    production). The seal in use was kept in the history when first opened, and is again here
    when it still opens: what it sealed still verifies."""
    with contextlib.suppress(SealError):
        current()
    if data is None:
        if current_app.config["PRODUCTION"]:
            raise SealError(
                "En production, le nouveau sceau est un fichier PKCS#12 d'un prestataire de "
                "confiance : flask seal rotate --p12 FICHIER."
            )
        data = development_pkcs12(_password())
    new = open_pkcs12(data, _password())
    install(data)
    archive(new.certificate)
    return new


def seal(pdf: bytes, using: Seal | None = None) -> bytes:
    """`pdf` signed with the seal in use (or `using`): an incremental update holding a PAdES
    B-B signature, its reason, place and signer's name from the settings."""
    used = using or current()
    config = current_app.config
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=config["SEAL_REASON"],
        location=config["SEAL_LOCATION"],
        name=config["DEPARTEMENT_NAME"],
        contact_info=config.get("SEAL_CONTACT") or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _agree_producers(writer)
    reserved = _reserved.get(used.fingerprint)
    sealed = outside_any_loop(
        signers.sign_pdf, writer, metadata, signer=used.signer, bytes_reserved=reserved
    ).getvalue()
    if reserved is None:
        _reserved[used.fingerprint] = _contents_room(sealed)
    return sealed


def outside_any_loop(function, *args, **kwargs):
    """`function(*args, **kwargs)`, which runs its own asyncio loop (pyHanko's synchronous API
    calls `asyncio.run`): in a thread of its own when this thread already runs a loop (an
    asynchronous server's worker, Playwright's in the journeys), where `asyncio.run` fails."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running here: the usual case
        return function(*args, **kwargs)
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(function, *args, **kwargs).result()


# The room pyHanko leaves for a seal's signature, measured on its first PDF: pyHanko finds it
# by signing a dummy first, which doubles the cost of every later seal (it keeps a margin
# of half the size: a signature's length barely varies).
_reserved: dict[str, int] = {}


def _contents_room(sealed: bytes) -> int | None:
    """The hexadecimal digits of the last signature's /Contents (between its ByteRanges)."""
    ranges = re.findall(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", sealed)
    if not ranges:
        return None
    start, end = (int(n) for n in ranges[-1])
    return end - start - 2  # the < and > around the digits


def _agree_producers(writer: IncrementalPdfFileWriter) -> None:
    """pyHanko writes its name as the XMP's producer and appends it to the Info's: PDF/A
    wants both equal, so the Info's is pyHanko's name alone."""
    try:
        reference = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    info = reference.get_object()
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.mark_update(reference)


def check(pdf: bytes) -> SealCheck:
    """Whether `pdf` carries one of the council's seals over all its bytes, intact. Any PDF
    is an answer, never an error page: what pyHanko or cryptography cannot read (a certificate
    of a form they refuse, a construct they do not support) is `unreadable`."""
    try:
        return _check(pdf)
    except Exception:
        log.warning("seal: a PDF whose signature could not be read", exc_info=True)
        return SealCheck(Verdict.unreadable)


def _check(pdf: bytes) -> SealCheck:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # a broken PDF is an answer, never an error page
        return SealCheck(Verdict.unreadable)
    if not signatures:
        return SealCheck(Verdict.unsigned)
    trusted = _trusted()
    ours = [s for s in signatures if _der(s.signer_cert) in trusted]
    if not ours:
        last = signatures[-1]
        return SealCheck(
            Verdict.foreign,
            signer=_asn1_name(last.signer_cert),
            signed_at=_claimed(last),
            fingerprint=fingerprint(_der(last.signer_cert)),
        )
    signature = ours[-1]
    signed_at = _claimed(signature)
    found = SealCheck(
        Verdict.sealed,
        signer=_asn1_name(signature.signer_cert),
        signed_at=signed_at,
        fingerprint=fingerprint(_der(signature.signer_cert)),
    )
    context = ValidationContext(
        trust_roots=list(trusted.values()),
        allow_fetching=False,
        moment=signed_at,
        revocation_mode="soft-fail",
    )
    try:
        status = outside_any_loop(validate_pdf_signature, signature, context, skip_diff=True)
    except Exception:  # pyHanko's SignatureValidationError, or what it does not support
        return _as(found, Verdict.altered)
    if not (status.intact and status.valid):
        return _as(found, Verdict.altered)
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        return _as(found, Verdict.modified)
    if not status.trusted:  # ours by its certificate, yet invalid when it signed
        return _as(found, Verdict.foreign)
    return found


def _as(found: SealCheck, verdict: Verdict) -> SealCheck:
    return SealCheck(verdict, found.signer, found.signed_at, found.fingerprint)


def _trusted() -> dict[bytes, asn1_x509.Certificate]:
    """Our seals' certificates by their DER bytes: the history, with the seal in use."""
    with contextlib.suppress(SealError):  # production without a seal: the history alone
        current()  # copies the seal in use into the history
    return {
        der: asn1_x509.Certificate.load(der)
        for der in (c.public_bytes(serialization.Encoding.DER) for c in history())
    }


def _der(certificate: asn1_x509.Certificate) -> bytes:
    return certificate.dump()


def _asn1_name(certificate: asn1_x509.Certificate) -> str:
    return subject_name(x509.load_der_x509_certificate(certificate.dump()).subject)


def _claimed(signature) -> datetime | None:
    """The time a signature claims (no time-stamp: the signer's word)."""
    try:
        return signature.self_reported_timestamp
    except (ValueError, KeyError, TypeError):
        return None
