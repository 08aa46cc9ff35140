"""Home page and a trivial health endpoint (also the benchmarks' baseline)."""

from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    return render_template("web/home.html")


@bp.get("/sante")
def health():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
