"""A tiny English catalogue for these tests, so that they read English where they must without
depending on the real catalogue's content (`BABEL_TRANSLATION_DIRECTORIES` points at it only)."""

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import refresh

ENGLISH = {
    "Dossier déposé — %(s)s": "File submitted — %(s)s",
    "Le dossier de candidature au label de %(s)s a bien été déposé.": (
        "The label application file of %(s)s has been submitted."
    ),
    "Traduction sans valeur juridique": "Translation with no legal value",
    "Ce document traduit, pour information, le certificat n°\u00a0%(n)s délivré en français. "
    "Seul l'original en français fait foi.": (
        "This document translates, for information only, certificate no. %(n)s, issued in "
        "French. Only the French original is authentic."
    ),
    "Label ESS": "SSE label",
    "Page introuvable": "Page not found",
    "Procès-verbal de la séance du %(d)s": "Minutes of the session of %(d)s",
}


@pytest.fixture(scope="session")
def english_catalogue(tmp_path_factory):
    """A folder of catalogues holding en/LC_MESSAGES/messages.mo with the strings above."""
    folder = tmp_path_factory.mktemp("translations")
    catalog = Catalog(locale="en", domain="messages")
    for source, english in ENGLISH.items():
        catalog.add(source, english)
    target = folder / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return folder


@pytest.fixture
def app_config(english_catalogue):
    return {"BABEL_TRANSLATION_DIRECTORIES": str(english_catalogue)}


@pytest.fixture(autouse=True)
def locale_per_request(app):
    """Each request chooses its locale afresh. A server pushes an application context per
    request; the tests' requests share the test's one, where Flask-Babel keeps the first
    request's locale (`g`): forgotten before each request here, as a new context would."""
    hooks = app.before_request_funcs.setdefault(None, [])
    if refresh not in hooks:
        hooks.insert(0, refresh)
