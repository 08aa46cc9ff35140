"""Open data: the Table Schemas at the addresses they name, the public statistics as CSV and
JSON, and the labelled peers a structure's result page compares it with. Everything here is
public and holds no personal data: counts and medians of structures, never a person."""

import json
from datetime import date

from flask import Blueprint, abort, current_app

from cdess import signals
from cdess.assessments.models import Assessment
from cdess.certificates import cache
from cdess.opendata import queries, schemas
from cdess.web import spreadsheet

bp = Blueprint("opendata", __name__)

# The registry's and the statistics' pages describe their exports from the schemas.
bp.add_app_template_global(schemas.named, "open_data_schema")


@signals.assessment_result.connect
def _peer_groups(assessment: Assessment, **_kwargs) -> dict:
    """A result page compares the structure with the labelled structures of its family and of
    its EPCI (`assessments.peers` keeps only groups of 5 or more, and only medians)."""
    structure = assessment.structure
    same_family, same_epci = queries.peer_scores(structure, assessment.family)
    groups = [("family", assessment.family.label, same_family)]
    if epci := structure.epci:
        groups.append(("epci", epci.name, same_epci))
    return {"peer_groups": groups}


@bp.get("/<name>.schema.json")
def schema(name: str):
    """A Table Schema, byte for byte as shipped, at the path its `path` names."""
    published = schemas.at(f"/{name}.schema.json")
    if published is None:
        abort(404)
    return current_app.response_class(published.body, mimetype="application/json")


@bp.get("/statistiques.csv")
@cache.for_visitors
def statistics_csv():
    sheet = spreadsheet.Writer()
    sheet.row(queries.STATISTICS_FIELDS)
    for row in queries.statistics_rows():
        sheet.row(row[field] for field in queries.STATISTICS_FIELDS)
    response = current_app.response_class(sheet.take(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="statistiques-label-ess.csv"'
    return response


@bp.get("/statistiques.json")
@cache.for_visitors
def statistics_json():
    body = json.dumps(
        {"generated_on": date.today().isoformat(), "data": queries.statistics_rows()},
        ensure_ascii=False,
        indent=1,
    )
    return current_app.response_class(body, mimetype="application/json")
