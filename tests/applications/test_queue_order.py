"""The secretariat's queue (issue 20): what needs action first — files waiting for
admissibility, the longest waiting at the top —, closed files last, newest first; a text search
on the structure's name, SIRET, SIREN or RNA, combined with the other filters and kept in the
address; bounded input."""

import re
from datetime import datetime, timedelta

import pytest

from cdess.applications.models import Application, State
from cdess.extensions import db
from cdess.structures.models import Family
from tests.factories import html, statements

T0 = datetime(2026, 3, 2, 9)


@pytest.fixture
def files(create_structure, people):
    """One file per (name, state, days after T0), each of its own structure."""

    def make(*rows, **structure_fields):
        made = []
        for name, state, days in rows:
            structure = create_structure(owner=people["applicant"], name=name, **structure_fields)
            application = Application(
                structure_id=structure.id,
                state=state,
                updated_at=T0 + timedelta(days=days),
                submitted_at=None if state is State.draft else T0,
            )
            db.session.add(application)
            made.append(application)
        db.session.commit()
        return made

    return make


def _names(page: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/candidatures/\d+">([^<]+)</a>', page)


def test_what_needs_action_comes_first_the_oldest_first(client, login, people, files):
    files(
        ("Clos ancien", State.refused, 1),
        ("Brouillon", State.draft, 2),
        ("Déposé récent", State.submitted, 9),
        ("Recevable", State.admissible, 3),
        ("Certifié récent", State.certified, 8),
        ("Redéposé ancien", State.submitted, 4),  # back from « à compléter »: waits again
        ("À compléter", State.incomplete, 5),
        ("Label attribué", State.granted, 6),
        ("Inscrit", State.scheduled, 7),
        ("Ajourné", State.deferred, 10),
    )
    login(people["secretariat"])
    with statements() as seen:
        page = html(client.get("/secretariat/candidatures"))
    assert _names(page) == [
        "Redéposé ancien",
        "Déposé récent",
        "Recevable",
        "Ajourné",
        "Label attribué",
        "À compléter",
        "Inscrit",
        "Brouillon",
        "Certifié récent",
        "Clos ancien",
    ]
    assert len(seen) <= 12  # the page's cost does not grow with its rows


def test_the_search_finds_by_name_siret_siren_or_rna(
    client, login, people, files, create_structure
):
    ternois, arras = files(
        ("Recyclerie du Ternois", State.submitted, 1), ("Jardins d'Arras", State.submitted, 2)
    )
    files(("Épicerie 100% solidaire", State.submitted, 3), rna="W623001234")
    login(people["secretariat"])

    def found(query: str) -> list[str]:
        return _names(html(client.get("/secretariat/candidatures", query_string={"q": query})))

    assert found("recyclerie") == ["Recyclerie du Ternois"]
    assert found("  TERNOIS ") == ["Recyclerie du Ternois"]
    siret = ternois.structure.siret
    assert found(siret) == ["Recyclerie du Ternois"]
    assert found(f"{siret[:3]} {siret[3:6]} {siret[6:9]}") == ["Recyclerie du Ternois"]  # SIREN
    assert found(arras.structure.siren) == ["Jardins d'Arras"]
    assert found("w623001234") == ["Épicerie 100% solidaire"]
    assert found("100%") == ["Épicerie 100% solidaire"]  # % typed matches itself only
    assert found("0%s") == []
    assert found("_") == []
    assert found("nulle part") == []
    page = html(client.get("/secretariat/candidatures?q=Ternois"))
    assert 'name="q" value="Ternois"' in page and "1 dossier pour « Ternois »" in page


def test_the_search_combines_with_the_filters_and_stays_in_the_address(
    client, login, people, files, app
):
    app.config["PER_PAGE"] = 2
    files(*((f"Régie {n}", State.submitted, n) for n in range(3)))
    files(("Régie draft", State.draft, 9), ("Autre", State.submitted, 9))
    files(("Régie fondation", State.submitted, 9), family=Family.fondation)
    login(people["secretariat"])
    page = html(client.get("/secretariat/candidatures?q=r%C3%A9gie&state=submitted"))
    assert "4 dossiers" in page and _names(page) == ["Régie 0", "Régie 1"]
    assert re.search(r'href="[^"]*page=2[^"]*"', page)
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "q=r%C3%A9gie" in next_link and "state=submitted" in next_link
    assert _names(html(client.get(next_link))) == ["Régie 2", "Régie fondation"]
    family = html(client.get("/secretariat/candidatures?q=r%C3%A9gie&family=fondation"))
    assert _names(family) == ["Régie fondation"]
    # The counts per state follow the search (not the state filter).
    counts = re.search(r"<tbody><tr>(.*?)</tr></tbody>", page).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', counts)[:2] == ["1", "4"]


@pytest.mark.parametrize("query", ["x" * 5000, "\x00Ternois", "' OR 1=1 --", "Ternois\\"])
def test_the_search_input_is_bounded(client, login, people, files, query):
    files(("Recyclerie du Ternois", State.submitted, 1))
    login(people["secretariat"])
    response = client.get("/secretariat/candidatures", query_string={"q": query})
    assert response.status_code == 200
    page = html(response)
    assert 'maxlength="100"' in page
    expected = ["Recyclerie du Ternois"] if query == "\x00Ternois" else []
    assert _names(page) == expected
