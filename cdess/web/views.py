"""Home page, a trivial liveness endpoint (the benchmarks' baseline) and the load balancer's
health check."""

from flask import Blueprint, jsonify, render_template
from flask_babel import lazy_gettext as _l

from cdess.extensions import limiter
from cdess.ops import health as ops_health
from cdess.web.navigation import add_entry, everyone

bp = Blueprint("web", __name__)
add_entry(bp, "web.home", _l("Accueil"), everyone, order=10)


@bp.get("/")
def home():
    return render_template("web/home.html")


@bp.get("/sante")
def health():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The database, the upload folder and the mail outbox: 200 when all answer, else 503
    naming what failed. No session, no login: the load balancer asks every few seconds."""
    checks = ops_health.check()
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "failed",
        "checks": {name: "ok" if passed else "failed" for name, passed in checks.items()},
    }
    return jsonify(body), 200 if healthy else 503
