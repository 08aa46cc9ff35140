"""The certificate as a document: a plain-dict snapshot, and the PDF/A rendered from it.

Rendering reads nothing but the snapshot and the image files, so the same snapshot always
gives the same PDF/A, and a batch can be rendered in worker processes. The Département's seal
is then applied as an incremental update (cdess.web.seal): the sealed file starts
with the PDF/A's bytes, and adds its signature and signing time. The certificate is
French, its legal language, whatever the locale of the person who issues it; a translation
(`render_translation`) is drawn on demand from the same snapshot, titled as having no legal
value, naming the original's number and SHA-256, and never stored nor registered."""

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from weasyprint import Attachment

from cdess.web import seal
from cdess.web.formats import LEGAL_LOCALE
from cdess.web.pdf import render_pdf
from cdess.web.qr import qr_svg

PDF_VARIANT = "pdf/a-3b"
IMAGES = ("logo", "signature")


def image_path(name: str) -> Path:
    """instance/certificat/<name>.svg or .png when the Département provides one, otherwise the
    default in static/certificat/."""
    folder = Path(current_app.instance_path) / "certificat"
    for suffix in (".svg", ".png"):
        if (folder / f"{name}{suffix}").is_file():
            return folder / f"{name}{suffix}"
    return Path(current_app.static_folder) / "certificat" / f"{name}.svg"


def render(
    snapshot: dict, attachments: list[tuple[str, bytes, str]] | None = None, sealed: bool = True
) -> bytes:
    """The certificate's PDF/A from its snapshot: one A4 landscape page, with `attachments`
    (file name, bytes, description) embedded as PDF/A-3 allows, then sealed unless `sealed`
    is off. An attachment is an alternative form of the certificate (AFRelationship
    /Alternative, as Factur-X's invoice data), dated by the issue: same snapshot, same PDF/A."""
    images = {name: image_path(name).resolve().as_uri() for name in IMAGES}
    dates = _dates(snapshot)
    embedded = [
        Attachment(
            string=content,
            name=name,
            description=description,
            created=dates["issued"],
            modified=dates["issued"],
            relationship="Alternative",
        )
        for name, content, description in attachments or ()
    ]
    with force_locale(LEGAL_LOCALE):
        pdf = render_pdf(
            "certificates/certificate_pdf.html",
            pdf_variant=PDF_VARIANT,
            attachments=embedded,
            c=snapshot,
            qr=qr_svg(snapshot["verification_url"]),
            images=images,
            **dates,
        )
    return seal.seal(pdf) if sealed else pdf


def render_translation(snapshot: dict, sha256: str, locale: str) -> bytes:
    """A translation of the certificate into `locale`, for information: the same snapshot,
    titled as a translation without legal value, naming the French original by its number and
    SHA-256; no signature image (it signs nothing). Not PDF/A, never stored: drawn on demand."""
    with force_locale(locale):
        return render_pdf(
            "certificates/certificate_translation_pdf.html",
            c=snapshot,
            sha256=sha256,
            locale=locale,
            qr=qr_svg(snapshot["verification_url"]),
            images={"logo": image_path("logo").resolve().as_uri()},
            **_dates(snapshot),
        )


def _dates(snapshot: dict) -> dict:
    return {
        "valid_from": date.fromisoformat(snapshot["valid_from"]),
        "valid_until": date.fromisoformat(snapshot["valid_until"]),
        "decided_on": date.fromisoformat(snapshot["decision_date"]),
        "issued": datetime.fromisoformat(snapshot["issued_at"]),
    }


_worker_app = None


def _start_worker(instance_path: str, config: dict) -> None:
    global _worker_app
    from cdess import create_app

    os.environ["CDESS_INSTANCE_PATH"] = instance_path
    _worker_app = create_app(config)


def _render_in_worker(snapshot: dict, attachments: list | None, sealed: bool = True) -> bytes:
    with _worker_app.app_context(), _worker_app.test_request_context():
        return render(snapshot, attachments, sealed=sealed)


# What a worker needs of the settings: the database, the words printed, and the seal.
WORKER_SETTINGS = (
    "DATABASE_URL",
    "BASE_URL",
    "SECRET_KEY",
    "DEPARTEMENT",
    "DEPARTEMENT_NAME",
    "COUNCIL_NAME",
    "PRODUCTION",
    "SEAL_PKCS12",
    "SEAL_PASSWORD",
    "SEAL_REASON",
    "SEAL_LOCATION",
    "SEAL_CONTACT",
)


def render_many(
    snapshots: list[dict],
    workers: int = 1,
    sealed: bool = True,
    attachments: list[list[tuple[str, bytes, str]]] | None = None,
) -> list[bytes]:
    """Render several certificates, in that many processes (1: in this one), each with its
    own `attachments` (one list per snapshot) and sealed where it is rendered unless `sealed`
    is off."""
    attachments = attachments or [[] for _ in snapshots]
    if workers <= 1 or len(snapshots) < 2:
        return [render(s, a, sealed=sealed) for s, a in zip(snapshots, attachments, strict=True)]
    if sealed:
        seal.current()  # made, if it must be, once and before the workers
    config = {key: current_app.config.get(key) for key in WORKER_SETTINGS}
    with ProcessPoolExecutor(
        workers, initializer=_start_worker, initargs=(current_app.instance_path, config)
    ) as pool:
        return list(
            pool.map(
                _render_in_worker,
                snapshots,
                attachments,
                [sealed] * len(snapshots),
                chunksize=4,
            )
        )
