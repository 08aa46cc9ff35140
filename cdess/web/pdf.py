"""One way to make a PDF: a template rendered to HTML, then WeasyPrint with local files only."""

import threading
from pathlib import Path

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

_local = threading.local()


def _fonts() -> FontConfiguration:
    """One font configuration per thread, reused: building it costs a fifth of a certificate."""
    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
    return _local.fonts


class LocalFetcher(URLFetcher):
    """Only file: URLs under the static or instance folders, and data: URLs; nothing remote."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"})
        self._roots = [root.resolve() for root in roots]

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.split("?")[0].removeprefix("file://")).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"Ressource refusée dans un PDF : {url[:80]}")
        return super().fetch(url, headers)


def render_pdf(template: str, pdf_variant: str | None = None, **context) -> bytes:
    """Render templates/<template> with plain data to PDF bytes."""
    html = render_template(template, **context)
    static = Path(current_app.static_folder)
    fetcher = LocalFetcher([static, Path(current_app.instance_path)])
    document = HTML(string=html, base_url=static.resolve().as_uri() + "/", url_fetcher=fetcher)
    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    return document.write_pdf(font_config=_fonts(), **options)
