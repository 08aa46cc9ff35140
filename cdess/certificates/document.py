"""The certificate as a document: a plain-dict snapshot, and the PDF/A rendered from it.

Rendering reads nothing but the snapshot and the image files, so the same snapshot always
gives the same bytes, and a batch can be rendered in worker processes. The certificate is
French, its legal language, whatever the locale of the person who issues it; a translation
(`render_translation`) is drawn on demand from the same snapshot, titled as having no legal
value, naming the original's number and SHA-256, and never stored nor registered."""

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

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


def render(snapshot: dict) -> bytes:
    """The certificate's PDF/A from its snapshot: one A4 landscape page."""
    images = {name: image_path(name).resolve().as_uri() for name in IMAGES}
    with force_locale(LEGAL_LOCALE):
        return render_pdf(
            "certificates/certificate_pdf.html",
            pdf_variant=PDF_VARIANT,
            c=snapshot,
            qr=qr_svg(snapshot["verification_url"]),
            images=images,
            **_dates(snapshot),
        )


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


def _render_in_worker(snapshot: dict) -> bytes:
    with _worker_app.app_context(), _worker_app.test_request_context():
        return render(snapshot)


def render_many(snapshots: list[dict], workers: int = 1) -> list[bytes]:
    """Render several certificates, in that many processes (1: in this one)."""
    if workers <= 1 or len(snapshots) < 2:
        return [render(s) for s in snapshots]
    config = {
        key: current_app.config[key]
        for key in ("DATABASE_URL", "BASE_URL", "SECRET_KEY", "DEPARTEMENT", "DEPARTEMENT_NAME")
    }
    with ProcessPoolExecutor(
        workers, initializer=_start_worker, initargs=(current_app.instance_path, config)
    ) as pool:
        return list(pool.map(_render_in_worker, snapshots, chunksize=4))
