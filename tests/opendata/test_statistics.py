"""The public statistics: labelled structures and charter signatories counted by EPCI and
family in the database, against a small dataset counted by hand."""

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest

from cdess import territories
from cdess.applications.models import Application, State
from cdess.certificates import services as certificates
from cdess.certificates.models import CertificateStatus
from cdess.charter import services as charters
from cdess.charter.models import CharterStatus, CharterVersion, VersionKind
from cdess.extensions import db
from cdess.opendata import queries
from cdess.structures.models import Family
from tests.factories import GRANTED_RESULT, statements

ARRAS = {"commune_code": "62041", "epci_code": "200033579"}  # CU d'Arras
LENS = {"commune_code": "62498", "epci_code": "246200364"}  # CA de Lens - Liévin
ASSO, COOP = Family.association, Family.cooperative
UNKNOWN_EPCI = "200000000"  # a SIREN the territory file does not know


@pytest.fixture
def dataset(app, labelled, signed, people, create_structure):
    """Nine structures; what each should count for is in its name."""
    first = labelled(name="Asso Arras labellisée signataire", **ARRAS)
    signed(first.structure)
    # Renewed: two valid certificates overlap; the structure counts once.
    renewed = labelled(days_ago=700, name="Asso Arras renouvelée", **ARRAS)
    again = Application(
        structure_id=renewed.structure_id,
        state=State.granted,
        snapshot={"charter_version": 1, "result": GRANTED_RESULT},
        verified_result=GRANTED_RESULT,
    )
    db.session.add(again)
    certificates.issue(again, people["secretariat"], today=date.today() - timedelta(days=5))
    suspended = labelled(name="SCOP Arras suspendue", family=COOP, **ARRAS)
    suspended.status = CertificateStatus.suspended
    signed(suspended.structure)
    signed(labelled(name="SCOP Lens", family=COOP, **LENS).structure)
    expired = labelled(days_ago=800, name="Asso Lens expirée", **LENS)
    expired.valid_until = date.today() - timedelta(days=1)
    charters.withdraw_signature(signed(expired.structure))
    foundation = create_structure(name="Fondation Lens", family=Family.fondation, **LENS)
    charters.suspend_signature(signed(foundation), "Statuts non conformes")
    signed(create_structure(name="Mutuelle Lens", family=Family.mutuelle, **LENS))
    labelled(name="Asso sans EPCI", commune_code="62041", epci_code=None)
    lost = labelled(name="Asso EPCI inconnu", commune_code="62041", epci_code=UNKNOWN_EPCI)
    lost.status = CertificateStatus.revoked
    signed(lost.structure)
    db.session.commit()


EXPECTED = {  # (code_epci, famille) → (structures_labellisees, signataires_charte)
    ("200033579", "association"): (2, 1),
    ("200033579", "cooperative"): (0, 1),
    ("246200364", "cooperative"): (1, 1),
    ("246200364", "mutuelle"): (0, 1),
    ("", "association"): (1, 0),
    (UNKNOWN_EPCI, "association"): (0, 1),
}


def nonzero(rows) -> dict:
    return {
        (r["code_epci"], r["famille"]): (r["structures_labellisees"], r["signataires_charte"])
        for r in rows
        if r["structures_labellisees"] or r["signataires_charte"]
    }


def test_the_counts_by_epci_and_family(dataset):
    rows = queries.statistics_rows()
    assert nonzero(rows) == EXPECTED
    assert sum(r["structures_labellisees"] for r in rows) == 4
    assert sum(r["signataires_charte"] for r in rows) == 5


def test_every_epci_and_family_has_its_row_zeros_included(dataset):
    rows = queries.statistics_rows()
    epcis = territories.epcis()
    assert len(epcis) == 20 and len(rows) == (20 + 2) * 5
    pairs = [(r["code_epci"], r["famille"]) for r in rows]
    assert len(set(pairs)) == len(pairs)  # the pair is the row's key
    # The département's EPCI by name, each with every family in order; then the unknown code,
    # then the structures without an EPCI.
    codes = [e.code for e in epcis] + [UNKNOWN_EPCI, ""]
    assert pairs == [(code, family.value) for code in codes for family in Family]
    by_pair = {(r["code_epci"], r["famille"]): r for r in rows}
    assert by_pair[("200033579", "association")]["epci"] == "CU d'Arras"
    assert by_pair[(UNKNOWN_EPCI, "association")]["epci"] == ""
    assert by_pair[("246200729", "fondation")]["structures_labellisees"] == 0  # Boulonnais


def test_no_rows_but_zeros_without_data(app, charter):
    rows = queries.statistics_rows()
    assert len(rows) == 100 and nonzero(rows) == {}


def test_the_labels_counted_are_those_of_a_day(dataset):
    """A label counts from its first day to its last: tomorrow's count leaves out none of
    today's two-year labels, three years on they are all over."""
    assert sum(queries.labelled_counts(date.today() + timedelta(days=1)).values()) == 4
    assert queries.labelled_counts(date.today() + timedelta(days=3 * 365)) == {}


def test_a_signature_of_an_older_version_counts_during_its_grace_period(
    app, charter, create_structure, signed
):
    old = create_structure(name="Signataire de la version 1", **ARRAS)
    signed(old)
    charter.status = CharterStatus.archived
    db.session.flush()
    deadline = date.today() + timedelta(days=30)
    db.session.add(
        CharterVersion(
            number=charter.number + 1,
            title="Charte révisée",
            status=CharterStatus.published,
            published_at=datetime(2026, 1, 1),
            kind=VersionKind.major,
            resign_deadline=deadline,
        )
    )
    db.session.commit()
    new = create_structure(name="Signataire de la version 2", **ARRAS)
    signed(new)
    arras = ("200033579", ASSO)
    assert queries.signatory_counts(date.today()) == {arras: 2}
    assert queries.signatory_counts(deadline - timedelta(days=1)) == {arras: 2}
    assert queries.signatory_counts(deadline) == {arras: 1}  # only the new version's


def test_the_query_count_does_not_grow_with_the_data(dataset, labelled, signed):
    with statements() as few:
        queries.statistics_rows()
    for n in range(4):
        signed(labelled(name=f"Autre {n}", family=Family.fondation, **LENS).structure)
    with statements() as more:
        rows = queries.statistics_rows()
    assert len(more) == len(few) <= 5, [s[:60] for s in more]
    assert nonzero(rows)[("246200364", "fondation")] == (4, 4)
    grouped = [s for s in more if "GROUP BY structure.epci_code" in s]
    assert len(grouped) == 2  # each figure aggregated by the database


def test_the_csv_export(client, dataset):
    response = client.get("/statistiques.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "statistiques-label-ess.csv" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffcode_epci;epci;famille;structures_labellisees;")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert len(rows) == 110
    counted = {k: tuple(map(int, v)) for k, v in nonzero(_as_ints(rows)).items()}
    assert counted == EXPECTED


def _as_ints(rows):
    return [
        {
            **row,
            "structures_labellisees": int(row["structures_labellisees"]),
            "signataires_charte": int(row["signataires_charte"]),
        }
        for row in rows
    ]


def test_the_json_export(client, dataset):
    response = client.get("/statistiques.json")
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert body["generated_on"] == date.today().isoformat()
    assert list(body["data"][0]) == list(queries.STATISTICS_FIELDS)
    assert nonzero(body["data"]) == EXPECTED
    assert "CU d'Arras" in response.get_data(as_text=True)  # UTF-8, no \u escapes


def test_the_exports_hold_no_personal_data(client, dataset, people):
    for url in ("/statistiques.csv", "/statistiques.json"):
        text = client.get(url).get_data(as_text=True)
        for secret in ("Camille Martin", "Présidente", people["applicant"].email, "Asso "):
            assert secret not in text, (url, secret)


def test_a_visitor_sees_a_new_label_within_the_cache(client, labelled, signed):
    """The exports are kept for visitors like the registry's: a new certificate shows at once."""
    before = json.loads(client.get("/statistiques.json").data)
    assert nonzero(before["data"]) == {}
    labelled(name="Nouvelle", **ARRAS)
    after = json.loads(client.get("/statistiques.json").data)
    assert nonzero(after["data"]) == {("200033579", "association"): (1, 0)}
