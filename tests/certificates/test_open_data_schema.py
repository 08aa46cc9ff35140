"""The open-data schema (docs/registre.schema.json, a Table Schema) describes the registry's
exports as they are: the same fields in the same order, and rows that keep its types,
patterns and lists of values."""

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from cdess.certificates import services
from cdess.certificates.queries import FIELDS
from cdess.extensions import db
from cdess.structures.models import Family

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "registre.schema.json").read_text("utf-8")
)


def problems(row: dict) -> list[str]:
    """What a row breaks in the schema. Plain checks of what the schema uses (required, type
    date, pattern, enum, maxLength): the frictionless package is not a dependency."""
    found = []
    for field in SCHEMA["fields"]:
        name, value = field["name"], row[field["name"]]
        constraints = field.get("constraints", {})
        if value in SCHEMA["missingValues"]:
            if constraints.get("required"):
                found.append(f"{name}: missing")
            continue
        if field["type"] == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found.append(f"{name}: not a date {value!r}")
        elif field["type"] == "date":
            date.fromisoformat(value)
        pattern = constraints.get("pattern")
        if pattern and not re.fullmatch(pattern, value, re.ASCII):
            found.append(f"{name}: {value!r} does not match {pattern}")
        if "enum" in constraints and value not in constraints["enum"]:
            found.append(f"{name}: {value!r} not in {constraints['enum']}")
        if len(value) > constraints.get("maxLength", len(value)):
            found.append(f"{name}: longer than {constraints['maxLength']}")
    return found


def test_the_schema_lists_the_export_fields_in_their_order():
    assert [field["name"] for field in SCHEMA["fields"]] == list(FIELDS)
    assert SCHEMA["$schema"] == "https://frictionlessdata.io/schemas/table-schema.json"
    assert SCHEMA["countryCode"] == "FR" and SCHEMA["missingValues"] == [""]
    assert SCHEMA["primaryKey"] == "numero"
    for field in SCHEMA["fields"]:
        assert field["title"] and field["description"] and "example" in field, field["name"]
        assert field["type"] in {"string", "date"}, field["name"]


def test_the_lists_of_values_are_the_applications():
    enums = {
        f["name"]: f["constraints"].get("enum") for f in SCHEMA["fields"] if "constraints" in f
    }
    assert enums["famille"] == [family.value for family in Family]
    assert enums["statut"] == ["valide"]


def test_each_example_keeps_its_own_field_rules():
    assert problems({field["name"]: field["example"] for field in SCHEMA["fields"]}) == []


def test_a_row_breaking_the_rules_is_caught():
    example = {field["name"]: field["example"] for field in SCHEMA["fields"]}
    wrong = {**example, "siret": "3476123190002", "famille": "sarl", "numero": ""}
    wrong["date_fin"] = "19/05/2028"
    assert problems(wrong) == [
        "numero: missing",
        "siret: '3476123190002' does not match ^\\d{14}$",
        "famille: 'sarl' not in " + str([family.value for family in Family]),
        "date_fin: not a date '19/05/2028'",
    ]


@pytest.fixture
def exported(grant, people):
    """Three labelled structures: every identifier filled, an association known by its RNA
    only, a cooperative with a SIREN only."""
    for fields in (
        {"name": "Recyclerie du Ternois", "rna": "W622001234"},
        {"name": "Amicale laïque d'Arras", "siret": None, "siren": None, "rna": "W621009876"},
        {"name": "SCOP de Lens", "siret": None, "family": Family.cooperative},
    ):
        services.issue(grant(**fields), people["secretariat"])
    db.session.commit()


def test_the_csv_rows_keep_the_schema(client, exported):
    text = client.get("/registre.csv").data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    rows = list(reader)
    assert reader.fieldnames == list(FIELDS)
    assert len(rows) == 3
    for row in rows:
        assert problems(row) == [], row
        assert row["url_verification"].endswith("/verification/" + row["numero"])
    assert {row["rna"] for row in rows} == {"W622001234", "W621009876", ""}


def test_the_json_rows_keep_the_schema_and_the_order(client, exported):
    body = json.loads(client.get("/registre.json").data)
    assert len(body["data"]) == 3
    for row in body["data"]:
        assert list(row) == list(FIELDS)
        assert problems(row) == [], row
