"""The dashboard's and the statistics' pages: who may read them, the filters kept in the
address (bad values ignored, never a 500), every value drawn on a chart found in its table,
each chart's CSV read back, and a number of SQL statements that does not grow with the data."""

import csv
import html
import io
import re
import xml.etree.ElementTree as ET  # nosec B405  # parses our own output
from datetime import datetime

import pytest

from cdess.accounts.models import Role
from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.charter.models import CharterSignature
from cdess.dashboard import figures
from cdess.extensions import db
from cdess.structures.models import Family, Structure
from tests.dashboard.conftest import ARRAS, LENS
from tests.factories import statements, structure_values

SVG = "{http://www.w3.org/2000/svg}"


def sections(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<section aria-labelledby="fig-([\w-]+)" class="figure-section">(.*?)</section>',
            page,
            re.S,
        )
    )


def drawn_values(section: str) -> list[str]:
    svg = re.search(r"<svg.*?</svg>", section, re.S).group(0)
    root = ET.fromstring(svg)  # noqa: S314  # our own markup
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    return [
        "".join(t.itertext())
        for t in root.iter(f"{SVG}text")
        if {"value", "total"} & set((t.get("class") or "").split())
    ]


def table_cells(section: str) -> list[str]:
    table = re.search(r"<table>.*?</table>", section, re.S).group(0)
    assert "<caption>" in table and 'scope="col"' in table
    return [html.unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)]


@pytest.fixture
def staff(create_user, login):
    user = create_user(Role.secretariat)
    login(user)
    return user


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.applicant, 403),
        (Role.council_member, 200),
        (Role.president, 200),
        (Role.secretariat, 200),
        (Role.admin, 200),
    ],
)
def test_who_reads_the_dashboard(client, create_user, login, role, status):
    login(create_user(role))
    assert client.get("/tableau-de-bord").status_code == status
    assert client.get("/tableau-de-bord/familles.csv").status_code == status
    assert client.get("/statistiques").status_code == 200


def test_visitors_are_sent_to_login_but_see_the_statistics(client, app):
    response = client.get("/tableau-de-bord")
    assert response.status_code == 302 and "/compte/connexion" in response.location
    assert client.get("/tableau-de-bord/familles.csv").status_code == 302
    assert client.get("/statistiques").status_code == 200


def test_every_drawn_value_is_in_its_table(world, client, staff):
    page = client.get("/tableau-de-bord").get_data(as_text=True)
    found = sections(page)
    assert set(found) == set(figures.DASHBOARD)
    for name, section in found.items():
        cells = table_cells(section)
        for value in drawn_values(section):
            assert value in cells or value.removesuffix(" j") in cells, (name, value)
    # Known answers drawn: the sessions' outcomes and the shares by EPCI.
    assert "33,3 %" in drawn_values(found["epci"]) and "50 %" in drawn_values(found["epci"])
    assert drawn_values(found["seances"]).count("3") == 1  # session B: 1 + 1 + 1 not admissible


def test_priorities_link_to_their_lists(world, client, staff):
    page = html.unescape(client.get("/tableau-de-bord").get_data(as_text=True))
    assert re.search(r'href="/secretariat/candidatures\?state=submitted"><strong>1</strong>', page)
    assert re.search(r'href="/secretariat/suivis\?etat=overdue"><strong>1</strong>', page)
    assert 'href="/certificats#a-delivrer"' in page


def test_a_family_s_and_an_epci_s_rows_open_the_list_behind_them(world, client, staff):
    page = html.unescape(client.get("/tableau-de-bord").get_data(as_text=True))
    found = sections(page)
    assert 'href="/structures/?family=association">Association<' in found["familles"]
    assert f'href="/structures/?epci={ARRAS}">' in found["epci"]


def test_a_council_member_sees_own_reports_and_no_staff_list(world, client, create_user, login):
    login(create_user(Role.council_member))
    page = html.unescape(client.get("/tableau-de-bord").get_data(as_text=True))
    assert "Mes rapports à rédiger" in page and 'href="/conseil"' in page
    assert "/secretariat/candidatures" not in page
    assert "/structures/?" not in page  # the structures' list is the staff's


def test_filters_are_kept_in_the_page_and_the_csv_links(world, client, staff):
    page = html.unescape(
        client.get(
            f"/tableau-de-bord?debut=2025&fin=2025&famille=cooperative&epci={LENS}"
        ).get_data(as_text=True)
    )
    assert '<option value="2025" selected>' in page
    assert '<option value="cooperative" selected>' in page
    assert f'<option value="{LENS}" selected>' in page
    assert (
        f"/tableau-de-bord/seances.csv?debut=2025&fin=2025&famille=cooperative&epci={LENS}" in page
    )
    seances = sections(page)["seances"]
    assert table_cells(seances)[-6:] == ["novembre 2025", "0", "1", "0", "0", "1"]  # S3 refused


@pytest.mark.parametrize(
    "query",
    [
        "debut=abc&fin=%00",
        "debut=" + "9" * 5000,
        "famille=%00&epci=%0a%0d",
        "epci=" + "x" * 10000,
        "debut=-1&fin=1e9&famille=cooperative&famille=fondation",
    ],
)
def test_bad_filters_are_ignored(world, client, staff, query):
    response = client.get(f"/tableau-de-bord?{query}")
    assert response.status_code == 200
    assert client.get(f"/tableau-de-bord/epci.csv?{query}").status_code == 200
    assert client.get(f"/statistiques?{query}").status_code == 200


def test_a_chart_csv_read_back(world, client, staff):
    response = client.get(f"/tableau-de-bord/epci.csv?epci={ARRAS}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:5] == [
        "EPCI",
        "Structures connues",
        "Signataires de la charte",
        "Labellisées",
        "Part labellisée",
    ]
    assert rows[1] == ["CU d'Arras", "3", "2", "1", "33,3", "3", "1"]
    assert client.get("/tableau-de-bord/inconnu.csv").status_code == 404


def test_a_formula_in_a_name_is_neutralised_in_the_csv(client, staff, app, create_structure):
    # A structure without an EPCI the file knows: its code is its row's name in the CSV.
    create_structure(epci_code="=1+1")
    rows = list(
        csv.reader(
            io.StringIO(client.get("/tableau-de-bord/epci.csv").get_data(as_text=True)),
            delimiter=";",
        )
    )
    assert ["'=1+1", "1", "0", "0", "0,0", "0", "0"] in rows


def test_the_statistics_show_no_personal_data(world, client):
    page = html.unescape(client.get("/statistiques").get_data(as_text=True))
    found = sections(page)
    assert set(found) == set(figures.PUBLIC)
    for section in found.values():
        cells = table_cells(section)
        for value in drawn_values(section):
            assert value in cells
    for structure in world.structures:
        assert structure.name not in page and structure.siret not in page
    assert "Camille Martin" not in page
    assert 'href="/registre"' in page
    families = table_cells(found["familles"])
    assert families[4:8] == ["Association", "2", "0", "2"]


def _more_data(count: int) -> None:
    """`count` more structures, each signed, with a decided application and its journal."""
    from cdess.charter import services as charters

    version = charters.published_version()
    session_id = (
        db.session.execute(
            db.select(Application.session_id).filter(Application.session_id.isnot(None))
        )
        .scalars()
        .first()
    )
    for n in range(count):
        structure = Structure(
            **structure_values(
                1000 + n, family=Family.cooperative, epci_code=LENS, commune_code="62498"
            )
        )
        db.session.add(structure)
        db.session.flush()
        db.session.add(
            CharterSignature(
                structure_id=structure.id, version_id=version.id, signer_name="X", signer_role="Y"
            )
        )
        application = Application(
            structure_id=structure.id,
            state=State.refused,
            submitted_at=datetime(2025, 9, 1, 12),
            session_id=session_id,
            verified_result={"principles": [{"code": "GOV", "title": "G", "score": 50}]},
        )
        db.session.add(application)
        db.session.flush()
        audit.record(application, "transition", from_state="scheduled", to_state=State.refused)
    db.session.commit()


@pytest.mark.parametrize("app_config", [{"DASHBOARD_CACHE": False}])  # computed each time
def test_the_number_of_statements_does_not_grow_with_the_data(world, client, staff):
    client.get("/tableau-de-bord")  # warm: the territory file, the charter's cache
    db.session.expire_all()  # the signed-in user read again on both sides
    with statements() as small:
        assert client.get("/tableau-de-bord").status_code == 200
    _more_data(60)  # ten times the world
    db.session.expire_all()
    with statements() as large:
        assert client.get("/tableau-de-bord").status_code == 200
    assert len(large) == len(small)
    assert len(small) <= 25
    with statements() as public:
        assert client.get("/statistiques").status_code == 200
    assert len(public) <= 12


def known(page: str) -> str:
    return re.search(r"Structures connues</th><td class=\"num\">([^<]+)<", page).group(1)


def test_the_figures_are_kept_until_the_journal_moves(world, client, staff, create_structure):
    client.get("/tableau-de-bord")  # the login's welcome shown
    before = client.get("/tableau-de-bord").get_data(as_text=True)
    db.session.expire_all()
    with statements() as kept:
        again = client.get("/tableau-de-bord").get_data(as_text=True)
    assert again == before and len(kept) <= 10  # the login, the journal's head, the priorities
    create_structure()  # journaled: the figures are computed afresh
    db.session.expire_all()
    with statements() as computed:
        after = client.get("/tableau-de-bord").get_data(as_text=True)
    assert len(computed) > len(kept) + 10
    assert int(known(after)) == int(known(before)) + 1
    # Each filter has its own figures.
    filtered = client.get("/tableau-de-bord?famille=cooperative").get_data(as_text=True)
    assert int(known(filtered)) < int(known(after))
