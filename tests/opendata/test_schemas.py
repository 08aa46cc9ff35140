"""Every Table Schema shipped in docs/ is a valid one and is served at the address it names;
each export validates against its schema with frictionless (a well-kept Table Schema
validator), not by hand."""

import csv
import io
import json
from urllib.parse import urlsplit

import pytest
from frictionless import Dialect, Resource, Schema, formats

from cdess.certificates.queries import FIELDS
from cdess.extensions import db
from cdess.opendata import schemas
from cdess.opendata.queries import STATISTICS_FIELDS
from cdess.structures.models import Family

SHIPPED = sorted(schemas.DOCS.glob("*.schema.json"))


def test_the_registry_and_the_statistics_are_shipped():
    assert {file.name for file in SHIPPED} >= {"registre.schema.json", "statistiques.schema.json"}


@pytest.mark.parametrize("file", SHIPPED, ids=lambda f: f.name)
def test_each_schema_is_a_valid_table_schema(file):
    descriptor = json.loads(file.read_text(encoding="utf-8"))
    report = Schema.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    schema = Schema.from_descriptor(descriptor)
    assert schema.field_names  # its fields read
    assert descriptor["$schema"] == "https://frictionlessdata.io/schemas/table-schema.json"
    assert descriptor["countryCode"] == "FR" and descriptor["missingValues"] == [""]
    assert [lic["name"] for lic in descriptor["licenses"]] == ["etalab-2.0"]
    for field in descriptor["fields"]:
        assert field["title"] and field["description"] and "example" in field, field["name"]


def test_the_check_sees_a_broken_schema():
    broken = {"fields": [{"name": "x", "type": "texte"}]}
    assert not Schema.validate_descriptor(broken).valid


@pytest.mark.parametrize("file", SHIPPED, ids=lambda f: f.name)
def test_each_schema_is_served_at_the_path_it_names(client, file):
    body = file.read_bytes()
    path = urlsplit(json.loads(body)["path"]).path
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.data == body  # the file as shipped, byte for byte
    assert path == f"/{file.name}"  # the address names the file


@pytest.mark.parametrize(
    "path", ["/inconnu.schema.json", "/registre%00.schema.json", "/%C3%A9.schema.json"]
)
def test_an_unknown_schema_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_schemas_are_read_once(app, monkeypatch):
    schemas.published()  # read already, or now
    monkeypatch.setattr(schemas, "_read", lambda file: pytest.fail("read again"))
    assert schemas.at("/registre.schema.json").name == "registre"
    assert schemas.named("statistiques").route_name == "statistiques"
    assert schemas.named("inconnu") is None


def test_the_statistics_schema_lists_the_export_fields_in_their_order():
    descriptor = schemas.named("statistiques").descriptor
    assert [field["name"] for field in descriptor["fields"]] == list(STATISTICS_FIELDS)
    family = next(f for f in descriptor["fields"] if f["name"] == "famille")
    assert family["constraints"]["enum"] == [f.value for f in Family]
    assert [f["name"] for f in schemas.named("registre").descriptor["fields"]] == list(FIELDS)


# --- each export against its schema -----------------------------------------------------------


def _schema(client, name: str) -> Schema:
    """The schema as the application serves it."""
    return Schema.from_descriptor(json.loads(client.get(f"/{name}.schema.json").data))


def csv_errors(client, url: str, name: str) -> list:
    """What frictionless finds wrong in the CSV export at `url` (told that the separator is
    `;`), as (type, field, note)."""
    resource = Resource(
        data=client.get(url).data,
        format="csv",
        encoding="utf-8-sig",
        schema=_schema(client, name),
        dialect=Dialect(controls=[formats.CsvControl(delimiter=";")]),
    )
    report = resource.validate()
    return report.flatten(["type", "fieldName", "note"])


def json_errors(client, url: str, name: str) -> list:
    """What frictionless finds wrong in the rows of the JSON export at `url`."""
    rows = json.loads(client.get(url).data)["data"]
    assert rows, "nothing to validate"
    schema = _schema(client, name)
    table = [schema.field_names, *([row[f] for f in schema.field_names] for row in rows)]
    report = Resource(data=table, schema=schema).validate()
    return report.flatten(["type", "fieldName", "note"])


@pytest.fixture
def exported(labelled, signed):
    """Labelled structures of every kind of identifier, one of them a signatory."""
    arras = {"commune_code": "62041", "epci_code": "200033579"}
    signed(labelled(name="Recyclerie du Ternois", rna="W622001234", **arras).structure)
    labelled(name="Amicale laïque d'Arras", siret=None, siren=None, rna="W621009876", **arras)
    labelled(
        name="SCOP de Lens",
        siret=None,
        family=Family.cooperative,
        commune_code="62498",
        epci_code="246200364",
    )
    labelled(name='=HYPERLINK("x")', **arras)  # neutralised in the CSV, still a string


@pytest.mark.parametrize("name", ["registre", "statistiques"])
def test_the_csv_export_validates(client, exported, name):
    url = f"/{name}.csv"
    assert csv_errors(client, url, name) == []
    text = client.get(url).data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text), delimiter=";"))) > 3


@pytest.mark.parametrize("name", ["registre", "statistiques"])
def test_the_json_export_validates(client, exported, name):
    assert json_errors(client, f"/{name}.json", name) == []


def test_the_validation_sees_an_export_breaking_its_schema(client, exported, labelled):
    """The same check on a broken export: a SIREN of 8 digits, a commune code of letters."""
    certificate = labelled(name="Hors liste")
    certificate.structure.siret = None
    db.session.commit()
    db.session.execute(
        db.text("UPDATE structure SET commune_code = 'ABCDE', siren = '12345678' WHERE id = :id"),
        {"id": certificate.structure_id},
    )
    db.session.commit()
    client.application.extensions.pop("registry_cache", None)
    found = {
        (kind, field) for kind, field, _note in csv_errors(client, "/registre.csv", "registre")
    }
    assert found == {("constraint-error", "code_commune"), ("constraint-error", "siren")}
    found = {(kind, field) for kind, field, _n in json_errors(client, "/registre.json", "registre")}
    assert found == {("constraint-error", "code_commune"), ("constraint-error", "siren")}


def test_the_registry_page_describes_its_open_data(client):
    text = client.get("/registre").get_data(as_text=True)
    section = text[text.index('aria-labelledby="donnees-ouvertes"') :]
    for link in (
        'href="/registre.csv"',
        'href="/registre.json"',
        'href="/registre.schema.json"',
        'href="/statistiques.csv"',
        'href="/statistiques.json"',
        'href="/statistiques.schema.json"',
        'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence"',
    ):
        assert link in section, link
    assert "Licence Ouverte / Open Licence version 2.0" in section
    assert "14 champs" in section and "5 champs" in section
    assert "<code>structures_labellisees</code>" in section  # fields read from the schema
    assert "Mise à jour :" in section


def test_every_field_title_can_be_translated():
    """Each title the pages show of a shipped schema's fields is marked for the catalogue."""
    import json

    from cdess.opendata.schemas import DOCS, FIELD_TITLES

    titles = {
        field["title"]
        for path in DOCS.glob("*.schema.json")
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]
    }
    assert titles and titles <= set(FIELD_TITLES)
