"""The public signatories and the secretariat's signatures (issue 21): a page at a time, with a
search on the structure's name, SIRET, SIREN or RNA; the secretariat's actions on a row come
back to the page and search they were sent from; the export holds every signature the search
finds, not only a page's."""

import csv
import io
import re

import pytest

from cdess.accounts.models import Role
from cdess.charter import services as charters
from cdess.extensions import db
from tests.factories import html

pytestmark = pytest.mark.parametrize("app_config", [{"PER_PAGE": 4}])


@pytest.fixture
def signed(charter, create_structure, create_user):
    """Ten signatory structures, « Structure 00 » … « Structure 09 »; the 07th with an RNA."""
    owner = create_user(Role.applicant)
    made = []
    for n in range(10):
        extra = {"rna": "W623009999"} if n == 7 else {}
        structure = create_structure(owner=owner, name=f"Structure {n:02d}", **extra)
        charters.sign(structure, f"Signataire {n}", "Présidente", owner)
        made.append(structure)
    db.session.commit()
    return made


def _public_names(page: str) -> list[str]:
    return re.findall(r"<tr><td>(Structure \d\d)</td>", page)


def _staff_names(page: str) -> list[str]:
    return re.findall(r'<td><a href="/structures/\d+">(Structure \d\d)</a></td>', page)


def test_the_public_list_comes_a_page_at_a_time_by_name(client, signed):
    first = html(client.get("/charte/signataires"))
    assert _public_names(first) == ["Structure 00", "Structure 01", "Structure 02", "Structure 03"]
    assert "10 structures ont signé la charte." in first and "Page 1 sur 3" in first
    last = html(client.get("/charte/signataires?page=3"))
    assert _public_names(last) == ["Structure 08", "Structure 09"]
    assert _public_names(html(client.get("/charte/signataires?page=99"))) == _public_names(last)


def test_the_public_list_finds_by_name_siret_siren_or_rna(client, signed):
    def found(query: str) -> list[str]:
        return _public_names(html(client.get("/charte/signataires", query_string={"q": query})))

    assert found("structure 05") == ["Structure 05"]
    assert found(signed[3].siret) == ["Structure 03"]
    assert found(signed[4].siren) == ["Structure 04"]
    assert found("w623009999") == ["Structure 07"]
    assert found("nulle part") == []
    page = html(client.get("/charte/signataires?q=Structure+05"))
    assert 'name="q" value="Structure 05"' in page
    assert "1 structure signataire trouvée pour «\u00a0Structure 05\u00a0»." in page


def test_a_withdrawn_signature_leaves_the_public_list(client, signed):
    charters.withdraw_signature(charters.active_signature(signed[0]))
    db.session.commit()
    assert "Structure 00" not in _public_names(html(client.get("/charte/signataires")))
    assert "9 structures" in html(client.get("/charte/signataires"))


def test_the_secretariat_pages_and_searches_the_signatures(client, signed, login, people):
    login(people["secretariat"])
    first = html(client.get("/secretariat/signatures"))
    # Newest first: the last signed comes first.
    assert _staff_names(first) == ["Structure 09", "Structure 08", "Structure 07", "Structure 06"]
    assert "10 signatures" in first and "Page 1 sur 3" in first
    assert _staff_names(html(client.get("/secretariat/signatures?page=3"))) == [
        "Structure 01",
        "Structure 00",
    ]
    searched = html(client.get("/secretariat/signatures", query_string={"q": signed[2].siret}))
    assert _staff_names(searched) == ["Structure 02"]
    assert f"1 signature pour «\u00a0{signed[2].siret}\u00a0»" in searched


def test_an_action_on_a_row_comes_back_to_its_page_and_search(client, signed, login, people):
    login(people["secretariat"])
    page = html(client.get("/secretariat/signatures?page=2&q=Structure"))
    action = re.search(r'action="(/secretariat/signatures/\d+/suspendre[^"]*)"', page).group(1)
    assert "page=2" in action and "q=Structure" in action
    response = client.post(action.replace("&amp;", "&"), data={"reason": "Dissolution"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/secretariat/signatures?page=2&q=Structure")
    lift = re.search(
        r'action="(/secretariat/signatures/\d+/retablir[^"]*)"',
        html(client.get("/secretariat/signatures?page=2&q=Structure")),
    ).group(1)
    response = client.post(lift.replace("&amp;", "&"))
    assert response.headers["Location"].endswith("/secretariat/signatures?page=2&q=Structure")
    # From the first page without a search, the plain list.
    first = html(client.get("/secretariat/signatures"))
    plain = re.search(r'action="(/secretariat/signatures/\d+/suspendre[^"]*)"', first).group(1)
    assert plain.endswith("/suspendre")


def test_the_export_holds_every_signature_the_search_finds(client, signed, login, people):
    login(people["secretariat"])

    def exported(**query) -> list[str]:
        text = client.get("/secretariat/signatures.csv", query_string=query).get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
        return sorted(row[0] for row in rows[1:])

    assert exported() == [f"Structure {n:02d}" for n in range(10)]  # more than a page
    assert exported(q="structure 0") == [f"Structure {n:02d}" for n in range(10)]
    assert exported(q=signed[6].siren) == ["Structure 06"]
    page = html(client.get("/secretariat/signatures?q=Structure+06"))
    assert "/secretariat/signatures.csv?q=Structure+06" in page


def test_a_long_list_counts_no_further_than_its_cap(client, signed, monkeypatch):
    from cdess.charter import queries

    monkeypatch.setattr(queries, "COUNT_CAP", 6)
    page = html(client.get("/charte/signataires"))
    assert "Plus de 6 structures ont signé la charte\u00a0: affinez la recherche." in page
    assert "Page 1 sur 2" in page  # the pages reach the page of the cap's row, no further
    assert _public_names(html(client.get("/charte/signataires?page=9"))) == [
        "Structure 04",
        "Structure 05",
        "Structure 06",
        "Structure 07",
    ]
    assert "10 structures" not in page
    searched = html(client.get("/charte/signataires?q=Structure+0"))
    assert "Plus de 6" in searched
    narrowed = html(client.get("/charte/signataires?q=Structure+05"))
    assert "1 structure signataire trouvée" in narrowed
