"""A PDF reads from the disk the static folder and the Département's certificate images, and
nothing else: not the rest of the instance folder (secret key, database, uploads), however
the URL is encoded, nor anything remote (cdess.web.pdf)."""

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from cdess.certificates import document
from cdess.web import pdf

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10"/></svg>'
LEAK = b'body::after { content: "FUITE-DU-DOSSIER-INSTANCE"; }'


@pytest.fixture
def app_config():
    return {"BASE_URL": "http://pdf.cdess.test"}  # an app of its own: its instance folder too


@pytest.fixture
def instance(app):
    """The instance folder with what must stay out of a PDF, and the Département's logo."""
    folder = Path(app.instance_path)
    files = {
        "secret_key": b"cle-secrete-de-l-instance",
        "cdess.db": b"SQLite format 3\0",
        "fuite.css": LEAK,
        f"uploads/{'a' * 32}": b"%PDF-1.4 piece d'un dossier",
        "certificat/logo.svg": SVG,
    }
    for name, content in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(content)
    (folder / "certificat" / "lien").symlink_to(folder / "secret_key")
    yield folder
    (folder / "certificat" / "lien").unlink()
    for name in files:
        (folder / name).unlink()


def render(app, monkeypatch, html: str) -> bytes:
    """`html` rendered by render_pdf, as every PDF of the application is."""
    monkeypatch.setattr(pdf, "render_template", lambda *args, **kwargs: html)
    with app.test_request_context():
        return pdf.render_pdf("page.html")


@pytest.fixture
def fetcher(app, monkeypatch):
    """The URL fetcher render_pdf hands WeasyPrint."""
    given = []
    real = pdf.HTML

    def spy(*args, **kwargs):
        given.append(kwargs["url_fetcher"])
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf, "HTML", spy)
    render(app, monkeypatch, "<p>Bonjour</p>")
    return given[0]


def static_uri(app) -> str:
    return Path(app.static_folder).resolve().as_uri()


def up_to_root(app, dots: str) -> str:
    """static/ then enough `dots` segments (an encoded `..`) to reach the root."""
    return static_uri(app) + f"/{dots}" * (len(Path(app.static_folder).resolve().parts) - 1)


REFUSED = {
    "encoded-dots": lambda app, i: up_to_root(app, "%2e%2e") + f"{i}/secret_key",
    "upper-encoded-dots": lambda app, i: up_to_root(app, "%2E%2E") + f"{i}/secret_key",
    "half-encoded-dots": lambda app, i: up_to_root(app, ".%2e") + f"{i}/secret_key",
    "encoded-slash": lambda app, i: static_uri(app) + "/..%2f" * 20 + f"{str(i)[1:]}/secret_key",
    "plain-dots": lambda app, i: up_to_root(app, "..") + f"{i}/secret_key",
    "double-encoded": lambda app, i: up_to_root(app, "%252e%252e") + f"{i}/secret_key",
    "with-query": lambda app, i: up_to_root(app, "%2e%2e") + f"{i}/secret_key?x=1#y",
    "nul": lambda app, i: static_uri(app) + "/css/cdess.css%00.png",
    "database": lambda app, i: (i / "cdess.db").as_uri(),
    "secret-key": lambda app, i: (i / "secret_key").as_uri(),
    "upload": lambda app, i: (i / "uploads" / ("a" * 32)).as_uri(),
    "out-of-certificat": lambda app, i: (i / "certificat").as_uri() + "/%2e%2e/secret_key",
    "symlink-out": lambda app, i: (i / "certificat" / "lien").as_uri(),
    "system": lambda app, i: "file:///etc/passwd",
    "remote-host": lambda app, i: "file://evil.example/etc/passwd",
    "localhost-out": lambda app, i: f"file://localhost{i}/secret_key",
    "http": lambda app, i: "http://127.0.0.1:5000/static/css/cdess.css",
    "https": lambda app, i: "https://evil.example/x.css",
    "ftp": lambda app, i: "ftp://evil.example/x.css",
    "missing-static": lambda app, i: static_uri(app) + "/css/absent.css",
}


@pytest.mark.parametrize("url", list(REFUSED.values()), ids=list(REFUSED))
def test_a_pdf_reads_nothing_outside_its_folders(app, instance, fetcher, url):
    with pytest.raises(pdf.ResourceRefused):
        fetcher.fetch(url(app, instance))


def test_a_pdf_reads_the_static_files_and_the_certificate_images(app, instance, fetcher):
    static = Path(app.static_folder)
    css = fetcher.fetch(static_uri(app) + "/css/cdess.css")
    assert css.read() == (static / "css" / "cdess.css").read_bytes()
    assert css.content_type == "text/css"
    # The certificate's images: the Département's own, else the default in static/.
    logo = fetcher.fetch(document.image_path("logo").resolve().as_uri())
    assert logo.read() == SVG and logo.content_type == "image/svg+xml"
    signature = fetcher.fetch(document.image_path("signature").resolve().as_uri())
    assert signature.read() == (static / "certificat" / "signature.svg").read_bytes()
    # A `..` that stays inside is no harm; the QR code is a data: URL.
    inside = fetcher.fetch(static_uri(app) + "/certificat/%2e%2e/css/cdess.css")
    assert inside.read() == (static / "css" / "cdess.css").read_bytes()
    assert fetcher.fetch("data:text/plain;base64,QUJD").read() == b"ABC"


def test_a_refused_stylesheet_leaves_the_pdf_without_it(app, instance, monkeypatch):
    allowed = (instance / "certificat" / "fuite.css").resolve()
    allowed.write_bytes(LEAK)
    try:
        for url in (up_to_root(app, "%2e%2e") + f"{instance}/fuite.css", allowed.as_uri()):
            page = render(app, monkeypatch, f'<link rel="stylesheet" href="{url}"><p>Texte</p>')
            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(page)).pages)
            assert "Texte" in text
            # What an allowed folder holds is read; what lies outside is not.
            assert ("FUITE-DU-DOSSIER-INSTANCE" in text) is (url == allowed.as_uri())
    finally:
        os.unlink(allowed)
