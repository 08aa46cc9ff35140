"""Error pages speak the reader's locale: their titles and messages go through Flask-Babel."""

import pytest

from tests.factories import html


@pytest.mark.parametrize(
    ("accept", "lang", "title"), [("fr", "fr", "Page introuvable"), ("en", "en", "Page not found")]
)
def test_a_missing_page_is_said_in_the_reader_s_locale(client, accept, lang, title):
    response = client.get("/nulle-part", headers={"Accept-Language": accept})
    page = html(response)
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in page and f"<h1>{title} " in page
