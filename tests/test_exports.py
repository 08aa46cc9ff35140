"""The secretariat's exports of its lists as CSV and Excel (issue 22): each read back (the csv
module with `;`, openpyxl) with a filter applied, against a small dataset made by hand; a cell
a spreadsheet would run comes out as text in both formats; dates are dates in the workbook;
bad filters are never a 500; each list page links to its exports with its filters. A session's
votes: tests/sessions/test_exports.py. Who may export: tests/test_access.py."""

import codecs
import contextvars
import csv
import io
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from cdess.accounts.models import Role
from cdess.applications.models import State
from cdess.certificates import services as certificates
from cdess.charter import services as charters
from cdess.extensions import db
from cdess.followups import services as followups
from cdess.structures.models import Family
from cdess.web import spreadsheet
from tests.factories import statements

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HYPERLINK = '=HYPERLINK("https://piege.exemple","Cliquez")'
ARRAS = ("62041", "200033579", "CU d'Arras")
ABLAIN = ("62001", "246200364")  # Ablain-Saint-Nazaire, in another EPCI
TODAY = date.today()


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download (UTF-8 with a BOM, `;`), header first."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def sheet_of(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    assert re.search(
        r'filename="[a-z-]+-\d{4}-\d\d-\d\d\.xlsx"', response.headers["Content-Disposition"]
    )
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def read_xlsx(response) -> list[list]:
    """The cells' values of an Excel download, header first; none of them a formula."""
    sheet = sheet_of(response)
    cells = [list(row) for row in sheet.iter_rows()]
    assert [c.coordinate for row in cells for c in row if c.data_type == "f"] == []
    return [[c.value for c in row] for row in cells]


def local_day(moment: datetime) -> date:
    """The day in Paris of a moment the application recorded (naive UTC)."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris")).date()


def as_xlsx(value):
    """A cell as the workbook gives it back: a date as a datetime at midnight, None for ""."""
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    return None if value == "" else value


def as_csv(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def both(client, url: str) -> tuple[list[list[str]], list[list]]:
    """The CSV and the Excel export at `url` (its `.csv` form), read back."""
    return read_csv(client.get(url)), read_xlsx(client.get(url.replace(".csv", ".xlsx", 1)))


def check(client, url: str, header: list[str], rows: list[list]) -> None:
    """Both formats of the export give this header and these rows (dates as dates)."""
    text, book = both(client, url)
    assert text == [header] + [[as_csv(v) for v in row] for row in rows]
    assert book == [header] + [[as_xlsx(v) for v in row] for row in rows]


@pytest.fixture
def agent(people, login):
    login(people["secretariat"])
    return people["secretariat"]


# --- the writers themselves ----------------------------------------------------------------------


def test_the_workbook_keeps_types_neutralises_text_and_drops_what_xml_cannot_hold(app):
    header = ["Nom", "Nombre", "Jour", "Moment", "Vide"]
    rows = [
        ["=1+1", -2, date(2026, 12, 2), datetime(2026, 12, 2, 14, 30), None],
        ["+33 6 12", 3.5, None, None, ""],
        ["@SUM(A1)\x00\x0b fin", 0, None, None, "-"],
        ["x" * 40_000, None, None, None, "\t=1"],
    ]
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.xlsx(header, rows, title="Essai")))
    sheet = book["Essai"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == header
    assert values[1] == ["'=1+1", -2, datetime(2026, 12, 2), datetime(2026, 12, 2, 14, 30), None]
    assert values[2] == ["'+33 6 12", 3.5, None, None, None]
    assert values[3] == ["'@SUM(A1) fin", 0, None, None, "'-"]
    assert values[4][0] == "x" * 32_767 and values[4][4] == "'\t=1"
    assert sheet["C2"].is_date and sheet["C2"].number_format == "DD/MM/YYYY"
    assert sheet["D2"].number_format == "DD/MM/YYYY HH:MM"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    # Each column as wide as its widest first cells, within bounds.
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    assert widths["A"] == 60 and widths["B"] == 9 and widths["C"] == 11 and widths["D"] == 17
    assert widths["E"] == 8
    # A sheet's name without what Excel refuses there, at most 31 characters.
    named = spreadsheet.xlsx(["a"], [], title="Séance [1/2]: *vote?\\" + "x" * 40)
    assert openpyxl.load_workbook(io.BytesIO(named)).sheetnames == ["Séance 12 vote" + "x" * 17]


def test_the_csv_chunks_write_dates_in_iso_and_moments_to_the_minute(app, monkeypatch):
    monkeypatch.setattr(spreadsheet, "CSV_BATCH", 2)
    rows = [[n, date(2026, 1, n), datetime(2026, 1, n, 9, 5, 59)] for n in range(1, 6)]
    chunks = list(spreadsheet.csv_chunks(["n", "jour", "moment"], rows))
    assert len(chunks) == 3  # after 2 rows, after 4, and the rest
    read = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff")), delimiter=";"))
    assert read[1] == ["1", "2026-01-01", "2026-01-01 09:05"]
    assert len(read) == 6
    assert list(spreadsheet.csv_chunks(["seul"], [])) == ["\ufeffseul\r\n"]


def test_rows_are_read_by_batches_in_the_lists_order(app, create_structure, monkeypatch):
    from cdess.structures import queries

    for name in ("Delta", "alpha", "Charlie", "bravo", "Echo"):
        create_structure(name=name)
    filters = {"q": "", "epci": "", "family": "", "commune": ""}
    stmt = queries.structures(filters)
    with app.test_request_context(), statements() as seen:
        from cdess.structures.models import Structure

        names = [s.name for s in spreadsheet.each(stmt, Structure.id, batch=2)]
    assert names == ["alpha", "bravo", "Charlie", "Delta", "Echo"]
    assert len(seen) == 1 + 3  # the ids, then three batches of at most two


# --- the six lists -------------------------------------------------------------------------------

STRUCTURE_HEADER = [
    "Nom",
    "Famille",
    "Code forme juridique",
    "Forme juridique",
    "SIRET",
    "SIREN",
    "RNA",
    "Adresse",
    "Code commune",
    "Commune",
    "Code EPCI",
    "EPCI",
    "Salariés",
    "Année de création",
    "Site web",
    "Inscrite le",
]


def test_structures_with_the_lists_filters(app, client, agent, create_structure):
    create_structure(name="Les Amis du Ternois")  # an association: filtered out
    trap = create_structure(
        name=HYPERLINK,
        family=Family.cooperative,
        legal_form="5458",
        commune_code=ABLAIN[0],
        epci_code=ABLAIN[1],
        employees=None,
        website="https://scop.exemple.fr",
    )
    scop = create_structure(
        name="Recyclerie coopérative", family=Family.cooperative, rna="W623001234"
    )
    epci = trap.epci.name
    expected = {
        trap.id: [
            "'" + HYPERLINK,
            "Coopérative (SCOP, SCIC…)",
            "5458",
            "SCOP à conseil d'administration",
            trap.siret,
            trap.siren,
            None,
            "1 rue de la Paix",
            ABLAIN[0],
            "Ablain-Saint-Nazaire",
            ABLAIN[1],
            epci,
            None,
            2001,
            "https://scop.exemple.fr",
            local_day(trap.created_at),
        ],
        scop.id: [
            "Recyclerie coopérative",
            "Coopérative (SCOP, SCIC…)",
            "9220",
            "Association déclarée",
            scop.siret,
            scop.siren,
            "W623001234",
            "1 rue de la Paix",
            ARRAS[0],
            "Arras",
            ARRAS[1],
            ARRAS[2],
            5,
            2001,
            None,
            local_day(scop.created_at),
        ],
    }
    # By name, « = » before « r », as on the page.
    rows = [expected[trap.id], expected[scop.id]]
    check(client, "/structures/export.csv?family=cooperative", STRUCTURE_HEADER, rows)
    check(client, f"/structures/export.csv?epci={ABLAIN[1]}", STRUCTURE_HEADER, rows[:1])
    check(client, "/structures/export.csv?q=W623001234", STRUCTURE_HEADER, rows[1:])
    check(client, "/structures/export.csv?q=personne", STRUCTURE_HEADER, [])


APPLICATION_HEADER = [
    "N° du dossier",
    "Structure",
    "SIRET",
    "RNA",
    "Famille",
    "Code EPCI",
    "EPCI",
    "Type",
    "État",
    "Auto-évaluation (score)",
    "Auto-évaluation éligible",
    "Résultat vérifié (score)",
    "Résultat vérifié éligible",
    "Séance",
    "Déposé le",
    "Dans cet état depuis le",
]


def test_the_applications_queue_with_its_filters(app, client, agent, grant):
    first = grant(name="Alpha")
    grant(name="Bêta", family=Family.cooperative, legal_form="5458")  # another family
    refused = grant(name="Gamma")
    refused.state = State.refused
    refused.verified_result = {"overall": 41.0, "eligible": False, "principles": []}
    refused.submitted_at = datetime(2026, 3, 1, 23, 30)  # 2 March in Paris
    db.session.commit()

    def row(application, state_label, verified, eligible, submitted):
        s = application.structure
        return [
            application.id,
            s.name,
            s.siret,
            None,
            "Association",
            ARRAS[1],
            ARRAS[2],
            "nouvelle demande",
            state_label,
            81.6,
            "oui",
            verified,
            eligible,
            None,
            submitted,
            local_day(application.updated_at),
        ]

    granted = row(first, "label attribué", 81.6, "oui", None)
    check(
        client,
        "/secretariat/candidatures.csv?family=association&state=granted",
        APPLICATION_HEADER,
        [granted],
    )
    # Closed files last: the family alone keeps the refused one after the granted one.
    gone = row(refused, "refusée", 41.0, "non", date(2026, 3, 2))
    check(
        client,
        "/secretariat/candidatures.csv?family=association",
        APPLICATION_HEADER,
        [granted, gone],
    )
    check(client, "/secretariat/candidatures.csv?q=gamm", APPLICATION_HEADER, [gone])


SIGNATURE_HEADER = [
    "Structure",
    "SIRET",
    "SIREN",
    "RNA",
    "Famille",
    "Signataire",
    "Qualité",
    "Signée le",
    "Version de la charte",
    "État",
    "Motif",
    "Changement d'état le",
    "Vaut pour candidater",
    "À signer de nouveau avant le",
]


def test_every_signature_newest_first(app, client, agent, charter, create_structure, people):
    first = create_structure(name="Première signataire")
    second = create_structure(name=HYPERLINK)
    kept = charters.sign(first, "Camille Martin", "Présidente", people["applicant"])
    suspended = charters.sign(second, "+Léa Petit", "Trésorière", people["applicant"])
    charters.suspend_signature(suspended, "=cmd|' /C calc'!A0", people["secretariat"])
    db.session.commit()
    rows = [
        [
            "'" + HYPERLINK,
            second.siret,
            second.siren,
            None,
            "Association",
            "'+Léa Petit",
            "Trésorière",
            local_day(suspended.signed_at),
            charter.number,
            "suspendue",
            "'=cmd|' /C calc'!A0",
            local_day(suspended.status_changed_at),
            None,
            None,
        ],
        [
            "Première signataire",
            first.siret,
            first.siren,
            None,
            "Association",
            "Camille Martin",
            "Présidente",
            local_day(kept.signed_at),
            charter.number,
            "signée",
            None,
            None,
            "oui",
            None,
        ],
    ]
    check(client, "/secretariat/signatures.csv", SIGNATURE_HEADER, rows)


CERTIFICATE_HEADER = [
    "Numéro",
    "Structure",
    "SIRET",
    "SIREN",
    "RNA",
    "Famille",
    "Code EPCI",
    "EPCI",
    "Décision du",
    "Valable du",
    "Valable jusqu'au",
    "Statut",
    "Motif du statut",
    "Statut depuis le",
    "Délivré le",
    "Score global vérifié",
    "Version de la charte",
]


def test_certificates_with_the_lists_filters(app, client, agent, grant, people):
    alpha = certificates.issue(grant(name="Alpha"), people["secretariat"], today=date(2026, 1, 15))
    beta = certificates.issue(grant(name="Bêta"), people["secretariat"])
    db.session.commit()

    def row(c):
        s = c.structure
        return [
            c.number,
            s.name,
            s.siret,
            s.siren,
            None,
            "Association",
            ARRAS[1],
            ARRAS[2],
            date.fromisoformat(c.snapshot["decision_date"]),
            c.valid_from,
            c.valid_until,
            "valide",
            None,
            None,
            local_day(c.issued_at),
            82,  # 81.6, rounded on the certificate
            1,
        ]

    assert alpha.valid_from == date(2026, 1, 15)
    check(client, "/certificats.csv", CERTIFICATE_HEADER, [row(beta), row(alpha)])  # newest first
    check(client, "/certificats.csv?q=alpha", CERTIFICATE_HEADER, [row(alpha)])
    check(client, f"/certificats.csv?q={beta.number.lower()}", CERTIFICATE_HEADER, [row(beta)])
    check(client, "/certificats.csv?statut=revoked", CERTIFICATE_HEADER, [])


FOLLOWUP_HEADER = [
    "Structure",
    "SIRET",
    "RNA",
    "Famille",
    "Code EPCI",
    "EPCI",
    "Certificat",
    "Échéance",
    "État",
    "Signalé le",
    "Échantillon",
    "Critères éliminatoires déclarés non respectés",
    "Déposé le",
    "Décidé le",
    "Motif",
]


def test_followups_with_the_queues_filters(app, client, agent, charter, grant, people):
    start = date(2026, 1, 15)
    association = certificates.issue(grant(name="Alpha"), people["secretariat"], today=start)
    scop = grant(name="Bêta", family=Family.cooperative, legal_form="5458")
    cooperative = certificates.issue(scop, people["secretariat"], today=start)
    db.session.commit()
    followups.run(date(2026, 11, 16))  # both opened, 60 days before their day

    def row(c, family):
        s = c.structure
        return [s.name, s.siret, None, family, ARRAS[1], ARRAS[2], c.number, date(2027, 1, 15)]

    rest = ["à déposer", None, "non", None, None, None, None]
    check(
        client,
        "/secretariat/suivis.csv?famille=cooperative",
        FOLLOWUP_HEADER,
        [row(cooperative, "Coopérative (SCOP, SCIC…)") + rest],
    )
    both_rows = [
        row(association, "Association") + rest,
        row(cooperative, "Coopérative (SCOP, SCIC…)") + rest,
    ]
    check(client, f"/secretariat/suivis.csv?epci={ARRAS[1]}", FOLLOWUP_HEADER, both_rows)
    check(client, "/secretariat/suivis.csv?etat=accepted", FOLLOWUP_HEADER, [])


# --- across the lists ----------------------------------------------------------------------------

LISTS = (
    "/structures/export.csv",
    "/secretariat/candidatures.csv",
    "/secretariat/signatures.csv",
    "/certificats.csv",
    "/secretariat/suivis.csv",
)


@pytest.fixture
def everywhere(charter, grant, people):
    """One structure named like a formula, in every list: signed, labelled, followed up."""
    application = grant(name=HYPERLINK)
    charters.sign(application.structure, "Camille Martin", "Présidente", people["applicant"])
    certificates.issue(application, people["secretariat"], today=date(2026, 1, 15))
    db.session.commit()
    followups.run(date(2026, 11, 16))
    return application


def test_a_name_a_spreadsheet_would_run_is_text_in_every_export(app, client, agent, everywhere):
    for url in LISTS:
        text, book = both(client, url)
        assert len(text) == len(book) == 2, url
        assert "'" + HYPERLINK in text[1] and "'" + HYPERLINK in book[1], url
        assert HYPERLINK not in text[1] and HYPERLINK not in book[1], url


@pytest.mark.parametrize("url", LISTS)
def test_a_streamed_export_reads_its_rows_after_the_request_ended(
    app, client, agent, everywhere, url
):
    """As a server runs it: no application context around the request (the test's own is left
    aside), so that its end removes the database session before the streamed body is read."""
    body = contextvars.Context().run(lambda: client.get(url).get_data())
    assert body == client.get(url).get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 2 and "'" + HYPERLINK in rows[1]


NASTY = (
    "?q=%00%01%1f&family=%00&epci=" + "9" * 40 + "&commune=99999999999999999999",
    "?state=" + "9" * 5000 + "&kind=%ff&page=-99999999999999999999",
    "?statut=valid%00&etat=%0d%0a&famille=%7b%7b7*7%7d%7d&q=%25%5f%5c",
)


@pytest.mark.parametrize("query", NASTY)
@pytest.mark.parametrize("url", [*LISTS, *(u.replace(".csv", ".xlsx") for u in LISTS)])
def test_bad_filters_are_never_an_error(app, client, agent, grant, url, query):
    grant(name="Alpha")
    response = client.get(url + query)
    rows = read_csv(response) if url.endswith(".csv") else read_xlsx(response)
    assert len(rows) >= 1  # the header, at least


def test_an_unknown_format_is_not_found(app, client, agent):
    for url in ("/structures/export.pdf", "/secretariat/candidatures.json", "/certificats.xls"):
        assert client.get(url).status_code == 404, url


def test_only_staff_export_the_lists(app, client, login, create_user, people):
    login(create_user(Role.council_member))
    for url in LISTS:
        assert client.get(url).status_code == 403, url


# --- the links on the list pages -----------------------------------------------------------------

PAGES = (
    (
        "/structures/?family=cooperative&q=recyc&epci=&page=2",
        "/structures/export",
        {"family": "cooperative", "q": "recyc"},
    ),
    (
        "/secretariat/candidatures?state=granted&kind=",
        "/secretariat/candidatures",
        {"state": "granted"},
    ),
    ("/secretariat/signatures", "/secretariat/signatures", {}),
    ("/certificats?statut=valid&q=Alpha", "/certificats", {"statut": "valid", "q": "Alpha"}),
    ("/secretariat/suivis?famille=association", "/secretariat/suivis", {"famille": "association"}),
)


@pytest.mark.parametrize(("page", "export", "carried"), PAGES)
def test_each_list_page_links_to_its_exports_with_its_filters(
    app, client, agent, page, export, carried
):
    from urllib.parse import parse_qsl, urlsplit

    body = client.get(page).get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" download>(Exporter \((?:CSV|Excel)\))', body)
    assert [label for _href, label in links] == ["Exporter (CSV)", "Exporter (Excel)"]
    for (href, _label), fmt in zip(links, ("csv", "xlsx"), strict=True):
        parts = urlsplit(href.replace("&amp;", "&"))
        assert parts.path == f"{export}.{fmt}"
        assert dict(parse_qsl(parts.query)) == carried  # no page, no empty filter
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response.mimetype == ("text/csv" if fmt == "csv" else XLSX)
