"""The registry's exports stream (issue 21): the first chunk goes out before the rows are all
read, in as many statements whatever their number, the same text as when they were built
whole, and kept for the next visitors in a file written while the first downloads them."""

import csv
import hashlib
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from cdess.applications.models import Application, State
from cdess.certificates import queries
from cdess.certificates.models import Certificate, CertificateStatus
from cdess.extensions import db
from cdess.structures.models import Structure
from cdess.web import spreadsheet
from tests.factories import GRANTED_RESULT, statements, structure_values

EXPORTS = ("/registre.csv", "/registre.json")


class Labels:
    """Labelled structures added in bulk (a structure, its certified file, its certificate)."""

    def __init__(self):
        self.count = 0

    def grow(self, n: int, **fields) -> None:
        today = date.today()
        numbers = range(self.count, self.count + n)
        self.count += n
        structures = db.session.scalars(
            insert(Structure).returning(Structure.id, sort_by_parameter_order=True),
            [structure_values(5000 + i, name=f"Structure {i:05d}", **fields) for i in numbers],
        ).all()
        applications = db.session.scalars(
            insert(Application).returning(Application.id, sort_by_parameter_order=True),
            [
                {
                    "structure_id": s,
                    "state": State.certified,
                    "submitted_at": datetime(2025, 9, 1, 12),
                    "snapshot": {"charter_version": 1, "result": GRANTED_RESULT},
                    "verified_result": GRANTED_RESULT,
                    "label_valid_from": today,
                    "label_valid_until": today + timedelta(days=900),
                }
                for s in structures
            ],
        ).all()
        db.session.execute(
            insert(Certificate),
            [
                {
                    "number": f"CDESS-62-2025-{i:05d}",
                    "year": 2025,
                    "sequence": i + 1,
                    "application_id": a,
                    "structure_id": s,
                    "status": CertificateStatus.valid,
                    "valid_from": today,
                    "valid_until": today + timedelta(days=900),
                    "snapshot": {},
                    "pdf": b"%PDF-1.7",
                    "sha256": hashlib.sha256(f"certificat {i}".encode()).hexdigest(),
                }
                for i, s, a in zip(numbers, structures, applications, strict=True)
            ],
        )
        db.session.commit()


@pytest.fixture
def labels(app):
    return Labels()


def _read(client, url: str) -> tuple[bytes, int]:
    """The export's body and the statements run to serve it (the body read whole)."""
    with statements() as seen:
        body = client.get(url).get_data()
    return body, len(seen)


def _rows(url: str, body: bytes) -> list[dict]:
    text = body.decode("utf-8-sig")
    if url.endswith(".json"):
        return json.loads(text)["data"]
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("url", EXPORTS)
def test_an_export_reads_as_many_statements_whatever_its_rows(app, client, labels, url):
    app.config["REGISTRY_CACHE_SECONDS"] = 0  # every request reads
    labels.grow(20)
    client.get(url)  # warm: the territory file
    small, small_count = _read(client, url)
    labels.grow(180)
    large, large_count = _read(client, url)
    assert (len(_rows(url, small)), len(_rows(url, large))) == (20, 200)
    assert large_count == small_count, (small_count, large_count)


@pytest.mark.parametrize("url", EXPORTS)
def test_an_export_streams_its_first_rows_before_reading_the_others(
    app, client, labels, monkeypatch, url
):
    labels.grow(600)
    read = []
    rows_of = queries.open_data_rows

    def counted(filters):
        for row in rows_of(filters):
            read.append(row)
            yield row

    monkeypatch.setattr(queries, "OPEN_DATA_BATCH", 100)
    monkeypatch.setattr(queries, "open_data_rows", counted)
    response = client.get(url)
    assert response.is_streamed
    chunks = iter(response.response)
    first = next(chunks)
    assert first and 0 < len(read) < 600  # written out while the rest is still to read
    rest = b"".join(chunks)
    assert len(read) == 600 and len(_rows(url, first + rest)) == 600
    response.close()
    # Then kept: the next visitor's copy comes from the file, without a statement.
    again, count = _read(client, url)
    assert (again, count) == (first + rest, 0)


def test_a_download_broken_off_leaves_no_file(app, client, labels, monkeypatch):
    labels.grow(600)
    response = client.get("/registre.csv")
    next(iter(response.response))
    response.close()
    folder = Path(app.instance_path) / "cache" / "registry"
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    count = len(list(folder.iterdir()))
    client.get("/registre.csv").get_data()  # read whole: kept (its body and its headers)
    assert len(list(folder.iterdir())) == count + 2


@pytest.mark.parametrize("rows", [0, 3])
def test_the_exports_keep_the_text_they_had_when_built_whole(app, client, labels, rows):
    """The JSON as `json.dumps(…, ensure_ascii=False, indent=1)` wrote it, the CSV as the
    sheet writer did, row by row — names with quotes, accents and a formula's start too."""
    app.config["REGISTRY_CACHE_SECONDS"] = 0
    if rows:
        labels.grow(rows)
    db.session.execute(
        db.update(Structure)
        .where(Structure.id.in_(db.select(Structure.id).limit(1)))
        .values(name='=SOMME("A1") \\ Coopérative « œuvre »', rna='W"\\é\u2028')
    )
    db.session.commit()
    body = client.get("/registre.json").get_data(as_text=True)
    data = json.loads(body)
    assert len(data["data"]) == rows
    assert body == json.dumps(data, ensure_ascii=False, indent=1)
    sheet = spreadsheet.Writer()
    sheet.row(queries.FIELDS)
    for row in data["data"]:
        sheet.row(row[field] for field in queries.FIELDS)
    assert client.get("/registre.csv").get_data(as_text=True) == sheet.take()


@pytest.mark.parametrize(
    "row",
    [
        ["a", "b"],
        [""],
        ["", ""],
        ["un;deux", "x"],
        ['des "guillemets"', "x"],
        ["deux\nlignes", "x"],
        ["retour\r", "x"],
        ["=1+1", "x"],
        ["x", "-2"],
        ["x", None],
        [date(2026, 12, 3), "x"],
        [3, "x"],
    ],
)
def test_a_row_joined_quickly_reads_as_the_sheet_writer_writes_it(row):
    """A row of plain text is joined without the writer: the same text as the writer's."""
    sheet = spreadsheet.Writer()
    sheet.row(["en-tête"])
    sheet.row(spreadsheet._csv_cell(cell) for cell in row)
    assert "".join(spreadsheet.csv_chunks(["en-tête"], [row])) == sheet.take()
