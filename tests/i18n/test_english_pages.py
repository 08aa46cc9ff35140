"""The main pages in English hold none of the application's French: every page of
`tests/test_typography.py`'s list, as each kind of user sees it in English, is searched for
each French sentence of the catalogue (its fragments between placeholders, long enough to be
the application's and not a name). What people typed and proper names are theirs; the charter
is the council's legal text, published in French (its principles and criteria stay French), and
a certificate's status history shows the reasons as they were recorded."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import refresh

from cdess.accounts.models import User
from cdess.extensions import db
from tests import test_typography as pages

CATALOGUE = Path(pages.__file__).parent.parent / "cdess/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>")
SHORTEST = 18  # characters: shorter fragments could be a name or a word both languages share
CHARTER = Path(pages.__file__).parent.parent / "cdess/charter/default_charter.yaml"
RECORDED = {"Certificat délivré"}  # a status change's reason, as written when it happened

world_rows = pages.world_rows
world = pages.world


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def french_fragments() -> set[str]:
    """The catalogue's French, cut at its placeholders, where English says something else."""
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    found = set()
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if not msgid or msgid in strings:
                continue
            for part in PLACEHOLDER.split(msgid):
                part = _flat(part).strip(" :;,.—")
                if len(part) >= SHORTEST and part not in _flat(" ".join(strings)):
                    found.add(part)
    legal = _flat(CHARTER.read_text(encoding="utf-8"))
    return {f for f in found if f not in legal} - RECORDED


def test_the_catalogue_gives_fragments_to_look_for():
    fragments = french_fragments()
    assert len(fragments) > 1000
    assert "Candidatures en attente de recevabilité" in fragments


def test_main_pages_in_english_hold_no_french_sentence(client, login, world):
    users, ids = world
    fragments = french_fragments()
    db.session.execute(db.update(User).values(locale="en"))  # everyone reads English
    db.session.commit()
    findings = {}
    for role, url in pages.CASES:
        if role != "anonymous":
            login(users[role])
        refresh()  # the tests' requests share one app context: no locale kept from the last
        response = client.get(url.format(**ids), headers={"Accept-Language": "en"})
        assert response.status_code == 200, (role, url)
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, (role, url)
        text = _flat(pages.visible_text(html))
        left = sorted(f for f in fragments if f in text)
        if left:
            findings[f"{role} {url}"] = left
        if role != "anonymous":
            client.post("/compte/deconnexion")
    assert findings == {}, "\n".join(f"{page}: {left}" for page, left in findings.items())


@pytest.mark.parametrize("url", ["/accessibilite", "/mentions-legales", "/donnees-personnelles"])
def test_the_legal_pages_read_in_english(client, url):
    refresh()
    text = _flat(pages.visible_text(client.get(url, headers={"Accept-Language": "en"}).text))
    left = sorted(f for f in french_fragments() if f in text)
    assert left == []
