"""Commune search, used by the structure form (the form also works without it)."""

from flask import Blueprint, jsonify

from cdess import territories
from cdess.web.queries import query_arg

bp = Blueprint("territories", __name__, url_prefix="/territoires")
bp.add_app_template_global(territories, "territories")  # the communes and EPCI lists


@bp.get("/communes")
def search_communes():
    query = query_arg("q", 80)
    return jsonify(
        [
            {
                "code": c.code,
                "name": c.name,
                "label": c.label,
                "postcodes": list(c.postcodes),
                "epci": c.epci_code,
                "epci_name": e.name if (e := territories.epci(c.epci_code)) else None,
            }
            for c in territories.search(query)
        ]
    )
