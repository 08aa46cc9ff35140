"""The dashboard's and the statistics' pages: who may read them, the filters kept in the
address (bad values ignored, never a 500), every value drawn on a chart found in its table,
each chart's CSV read back, and a number of SQL statements that does not grow with the data."""

import csv
import html
import io
import re
import xml.etree.ElementTree as ET  # nosec B405  # parses our own output
from datetime import date, datetime, timedelta

import pytest
from flask_babel import refresh

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
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)
    # A row's heading may link to the list behind it: its text, without what only screen
    # readers hear.
    cells = [re.sub(r'<span class="visually-hidden">.*?</span>', "", c) for c in cells]
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


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
    assert "33,3\u00a0%" in drawn_values(found["epci"]) and "50\u00a0%" in drawn_values(
        found["epci"]
    )
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


def row_links(section: str) -> list[tuple[str, str]]:
    """Each table row's heading: its text and the address it links to (None: no link)."""
    table = re.search(r"<tbody>.*?</tbody>", section, re.S).group(0)
    return [
        (
            html.unescape(
                re.sub(r"<[^>]+>", "", re.sub(r'<span class="visually-hidden">.*?</span>', "", th))
            ).strip(),
            html.unescape(m.group(1)) if (m := re.search(r'href="([^"]+)"', th)) else None,
        )
        for th in re.findall(r'<th scope="row">(.*?)</th>', table, re.S)
    ]


def listed(client, url: str) -> int:
    """How many rows the list at `url` says it holds (its status line)."""
    response = client.get(url)
    assert response.status_code == 200, url
    line = re.search(r'<p role="status">(.*?)</p>', response.get_data(as_text=True), re.S)
    return int(re.sub(r"\D", "", line.group(1).split("pour")[0]))


def test_every_row_opens_the_list_of_what_it_counts(world, client, staff):
    """Per year the files filed, per year the follow-ups, per month the labels ending: the list
    behind each row holds as many rows as the row counts; each session opens its page, and the
    files the scores and delays count are the decided ones."""
    found = sections(client.get("/tableau-de-bord").get_data(as_text=True))
    rows = {name: table_cells(found[name]) for name in found}
    years = row_links(found["annees"])
    assert [y for y, _ in years][:2] == ["2024", "2025"]
    width = len(figures.queries.YEARLY) + 1
    for n, (year, url) in enumerate(years):
        assert url.startswith("/secretariat/candidatures?") and f"annee={year}" in url
        filed = int(rows["annees"][width * (n + 1) + 3])  # the header row, then each year
        assert listed(client, url) == filed
    assert [listed(client, url) for _, url in years][:2] == [2, 3]  # S1, S6; S2, S3, S5

    followups = row_links(found["suivis"])
    assert followups and all("etat=tous" in url for _, url in followups)
    per_year = figures.queries.followups_per_year(figures.queries.Filters())
    for (_year, url), counted in zip(followups, per_year, strict=True):
        assert listed(client, url) == sum(v for k, v in counted.items() if k != "year")

    months = row_links(found["echeances"])
    assert len(months) == 7 and all(url.startswith("/certificats?") for _, url in months)
    ending = [int(c) for c in rows["echeances"][3::2]]
    assert [listed(client, url) for _, url in months] == ending and sum(ending) == 1

    sessions = row_links(found["seances"])
    assert [url.rsplit("/", 1)[0] for _, url in sessions] == ["/seances"] * len(sessions)
    assert all(client.get(url).status_code == 200 for _, url in sessions)

    decided = re.search(r'href="([^"]+)">Les candidatures décidées', found["principes"])
    assert listed(client, html.unescape(decided.group(1))) == 3  # S1, S2, S3
    trend = row_links(found["tendance"])
    assert [listed(client, url) for _, url in trend] == [1, 2]  # 2024: S1; 2025: S2, S3


def test_the_lists_behind_keep_the_family_and_the_epci(world, client, staff):
    found = sections(client.get(f"/tableau-de-bord?famille=cooperative&epci={LENS}").text)
    (_, url), *_ = row_links(found["annees"])
    assert "family=cooperative" in url and f"epci={LENS}" in url
    assert listed(client, url) == 1  # S3, filed in 2025


def test_a_council_member_opens_the_sessions_and_no_staff_list(world, client, create_user, login):
    login(create_user(Role.council_member))
    found = sections(client.get("/tableau-de-bord").get_data(as_text=True))
    links = [url for name in found for _, url in row_links(found[name]) if url]
    assert links and all(url.startswith("/conseil/seances/") for url in links)
    assert "Les candidatures décidées" not in "".join(found.values())


def test_the_public_statistics_open_the_registry(world, client):
    found = sections(client.get("/statistiques").get_data(as_text=True))
    families = dict(row_links(found["familles"]))
    assert families["Association"] == "/registre?famille=association"
    assert all(url.startswith("/registre?epci=") for _, url in row_links(found["epci"]))


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


@pytest.mark.parametrize(
    "query",
    [
        "annee=abc&decision=%00",
        "annee=" + "9" * 5000 + "&decision=1999",
        "annee=-1&decision=toutes&etat=tous",
        "echeance=2026-13",
        "echeance=" + "2" * 3000,
        "echeance=2026-1&annee=1e9",
    ],
)
def test_the_lists_behind_ignore_bad_filters(world, client, staff, query):
    for url in ("/secretariat/candidatures", "/secretariat/suivis", "/certificats"):
        assert client.get(f"{url}?{query}").status_code == 200


def test_the_lists_offer_the_filters_the_dashboard_opens(world, client, staff):
    applications = client.get("/secretariat/candidatures?annee=2025&decision=toutes").text
    assert '<option value="2025" selected>' in applications
    assert '<option value="toutes" selected>' in applications
    assert listed(client, "/secretariat/candidatures?decision=toutes") == 3
    assert listed(client, "/secretariat/candidatures?decision=2024") == 1
    followups = client.get("/secretariat/suivis?etat=tous&annee=2026").text
    assert '<option value="tous" selected>' in followups
    assert listed(client, "/secretariat/suivis?etat=tous") == 2
    assert listed(client, "/secretariat/suivis") == 2  # both wait: overdue, due
    month = (date.today().replace(day=1) + timedelta(days=62)).strftime("%Y-%m")
    certificates = client.get(f"/certificats?echeance={month}").text
    assert f'value="{month}"' in certificates


def test_figures_are_written_in_the_reader_s_language(world, client, staff):
    """French « 33,3 % » and « 1 234 »; English « 33.3% »: the same figures, each drawn once per
    language (the cache is keyed by it)."""
    french = sections(client.get("/tableau-de-bord").get_data(as_text=True))
    assert "33,3\u00a0%" in drawn_values(french["epci"])
    assert "33,3\u00a0%" in table_cells(french["epci"])
    client.post("/langue", data={"langue": "en", "next": "/tableau-de-bord"})
    refresh()  # the tests' requests share one app context: forget its French
    english = sections(client.get("/tableau-de-bord").get_data(as_text=True))
    assert "33.3%" in drawn_values(english["epci"])
    assert "33.3%" in table_cells(english["epci"])
