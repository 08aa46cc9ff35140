"""Home page and a trivial health endpoint (also the benchmarks' baseline)."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from cdess.web.navigation import add_entry, everyone

bp = Blueprint("web", __name__)
add_entry(bp, "web.home", _l("Accueil"), everyone, order=10)


@bp.get("/")
def home():
    return render_template("web/home.html")


@bp.get("/sante")
def health():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
