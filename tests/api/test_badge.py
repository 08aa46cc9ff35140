"""The label's badge for the structure's website: its text per status (the status today,
within the cache's minute), the structure's name escaped and cut, its colours' contrast, and
the snippet « Mon label » offers."""

import html
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from cdess.certificates import badge, services
from cdess.extensions import db
from tests.factories import council_vote

SVG = "{http://www.w3.org/2000/svg}"


def read(svg: str) -> dict[str, str]:
    """The badge's parts, parsed as XML (a badge that is not well-formed fails here)."""
    root = ET.fromstring(svg)  # noqa: S314 (our own markup)
    texts = {t.get("class"): "".join(t.itertext()) for t in root.iter(SVG + "text")}
    return {
        "role": root.get("role"),
        "title": root.find(SVG + "title").text,
        "fill": root.find(SVG + "rect").get("fill"),
        "width": root.get("width"),
        **texts,
    }


def get_badge(client, number: str):
    response = client.get(f"/certificats/{number}/badge.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    return read(response.get_data(as_text=True))


def test_the_badge_says_the_status_of_today(client, certificate, people):
    until = certificate.valid_until
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
    months += ["septembre", "octobre", "novembre", "décembre"]
    day = "1er" if until.day == 1 else str(until.day)
    valid = get_badge(client, certificate.number)
    expected = f"Label ESS valide jusqu'au {day} {months[until.month - 1]} {until.year}"
    assert valid["headline"] == expected
    assert valid["name"] == "Recyclerie du Ternois"
    assert valid["role"] == "img"
    assert valid["title"].startswith(valid["headline"] + " — Recyclerie du Ternois")
    assert valid["fill"] == badge.COLOURS["valid"]

    # A new edition: the old one's badge, still on a website, says what the new one says.
    new = services.reissue(certificate, people["secretariat"], "Nom corrigé.")
    db.session.commit()
    assert get_badge(client, certificate.number)["headline"] == expected
    # Past its last day (before the nightly command records it): expired.
    new.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    expired = get_badge(client, certificate.number)
    assert (expired["headline"], expired["fill"]) == ("Label ESS expiré", badge.COLOURS["expired"])
    new.valid_until = until
    db.session.commit()

    item = council_vote(new)
    services.change_status(new, "suspend", people["secretariat"], "AG.", item=item)
    db.session.commit()
    suspended = get_badge(client, new.number)
    assert suspended["headline"] == "Label ESS suspendu"
    assert suspended["fill"] == badge.COLOURS["suspended"]

    services.change_status(new, "revoke", people["secretariat"], "AG.", item=item)
    db.session.commit()
    revoked = get_badge(client, certificate.number)
    assert (revoked["headline"], revoked["fill"]) == ("Label ESS retiré", badge.COLOURS["revoked"])


def test_an_unknown_number_has_no_badge(client):
    assert client.get("/certificats/CDESS-62-1999-0001/badge.svg").status_code == 404
    assert client.get("/certificats/" + "9" * 5000 + "/badge.svg").status_code == 404
    assert client.get("/certificats/%00/badge.svg").status_code == 404


def test_a_name_is_escaped_cleaned_and_cut_to_fit():
    name = 'Les <Amis> & "Voisins"\x00\x1b du Ternois'
    parts = read(badge.svg("valid", "Label ESS valide", name, f"Label — {name}"))
    assert parts["name"] == 'Les <Amis> & "Voisins" du Ternois'
    assert parts["title"] == 'Label — Les <Amis> & "Voisins" du Ternois'
    long = "Association intercommunale pour l'insertion par l'activité économique " * 3
    cut = read(badge.svg("valid", "Label ESS valide", long, long))["name"]
    assert cut.endswith("…") and long.startswith(cut[:-1])
    assert badge.text_width(cut, badge.NAME_SIZE) <= badge.NAME_MAX_WIDTH
    assert badge.fit("Court", 12, 100) == "Court"
    # The badge grows with its text, within what a phone shows.
    assert int(read(badge.svg("valid", "Label ESS valide", long, ""))["width"]) <= 390


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("status", sorted(badge.COLOURS))
def test_each_colour_reads_white_text_at_4_5_to_1(status):
    light, dark = _luminance(badge.TEXT_COLOUR), _luminance(badge.COLOURS[status])
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_mon_label_offers_the_snippet_and_its_preview(client, login, certificate, people):
    login(people["applicant"])
    page = client.get(f"/structures/{certificate.structure_id}/label").get_data(as_text=True)
    assert '<label for="badge-code">' in page
    textarea = re.search(r'<textarea id="badge-code"[^>]*readonly>(.*?)</textarea>', page, re.S)
    snippet = html.unescape(textarea.group(1))  # what a person copies
    link = ET.fromstring(snippet)  # noqa: S314 (our own markup) — one link, one image
    number = certificate.number
    assert link.get("href") == f"http://cdess.test/verification/{number}"
    image = link.find("img")
    assert image.get("src") == f"http://cdess.test/certificats/{number}/badge.svg"
    assert (
        image.get("alt")
        == f"Label ESS\u00a0: Recyclerie du Ternois — vérifier le certificat {number}"
    )
    assert f'<img src="/certificats/{number}/badge.svg" alt="Aperçu du badge' in page
