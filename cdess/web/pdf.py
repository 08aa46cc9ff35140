"""One way to make a PDF: a template rendered to HTML, then WeasyPrint with local files only.

Where WeasyPrint is silent, decided here:
- a PDF reads from the disk only the static folder and the Département's certificate images
  (instance/certificat): never the rest of the instance folder (secret key, database,
  uploads), nothing remote; data: URLs are allowed (the certificate's QR code is one);
- a file: URL is decoded, then its path resolved (`..` and symlinks) before it is judged, and
  the file opened is the one judged, never the URL decoded a second time;
- a refused resource raises `ResourceRefused`: WeasyPrint leaves it out and logs it."""

import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

_local = threading.local()


def _fonts() -> FontConfiguration:
    """One font configuration per thread, reused: building it costs a fifth of a certificate."""
    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
    return _local.fonts


class ResourceRefused(ValueError):
    """A resource a PDF may not read."""

    def __init__(self, url: str):
        super().__init__(f"Ressource refusée dans un PDF : {url[:120]!r}")


class LocalFetcher(URLFetcher):
    """data: URLs, and file: URLs naming a file under one of `roots`; nothing else."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"data"})
        self._roots = [Path(root).resolve() for root in roots]

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ResourceRefused(url)
        path = self.local_path(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})

    def local_path(self, url: str) -> Path:
        """The file a file: URL names, once decoded and resolved, if it lies under a root."""
        parts = urlsplit(url)
        try:
            raw = unquote(parts.path, errors="strict")
        except UnicodeDecodeError:
            raise ResourceRefused(url) from None
        if parts.netloc not in ("", "localhost") or not raw.startswith("/") or "\0" in raw:
            raise ResourceRefused(url)
        try:
            path = Path(raw).resolve(strict=True)
        except (OSError, RuntimeError):  # missing, unreadable, a symlink loop
            raise ResourceRefused(url) from None
        if not path.is_file() or not any(path.is_relative_to(root) for root in self._roots):
            raise ResourceRefused(url)
        return path


def allowed_roots() -> list[Path]:
    """The folders a PDF may read: static files, and the certificate's images that the
    Département provides (cdess.certificates.document.image_path)."""
    return [Path(current_app.static_folder), Path(current_app.instance_path) / "certificat"]


def render_pdf(
    template: str, pdf_variant: str | None = None, attachments: list | None = None, **context
) -> bytes:
    """Render templates/<template> with plain data to PDF bytes, embedding `attachments`
    (weasyprint.Attachment made from bytes in memory, never fetched)."""
    html = render_template(template, **context)
    static = Path(current_app.static_folder)
    fetcher = LocalFetcher(allowed_roots())
    document = HTML(string=html, base_url=static.resolve().as_uri() + "/", url_fetcher=fetcher)
    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    if attachments:
        options["attachments"] = attachments
    return document.write_pdf(font_config=_fonts(), **options)
