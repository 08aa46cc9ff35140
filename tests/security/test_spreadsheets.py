"""Every CSV the application writes is safe to open in a spreadsheet: a cell that would run
as a formula comes out as text (the registry's export: tests/certificates/test_views.py)."""

import csv
import io

import pytest

from cdess.audit import services as audit
from cdess.extensions import db
from cdess.web import spreadsheet


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Recyclerie =1", "Recyclerie =1"),
        ("", ""),
        (-2, -2),  # a number the application writes is not text typed by someone
        (None, None),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell, written):
    assert spreadsheet.neutral(cell) == written


def test_the_journal_export_neutralises_what_people_typed(app, ready, people, client, login):
    structure, _assessment = ready
    audit.record(structure, "structure_changed", people["applicant"], reason='=cmd|"/c calc"!A1')
    db.session.commit()
    login(people["secretariat"])
    text = client.get("/secretariat/journal.csv?action=structure_changed").data.decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["motif"] == '\'=cmd|"/c calc"!A1'
