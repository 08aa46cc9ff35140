"""The public verification API, for funders and anyone who checks a label by machine:
`/api/v1/certificats/<numéro>` (a certificate, its status now and its history),
`/api/v1/certificats?siren=…` (a structure's certificates), `/api/v1/openapi.json` (their
OpenAPI 3.1 description, `openapi.json` beside this module), and `/api`, the page that explains
them.

Where DESIGN is silent, decided here:
- read-only and open: no account, CORS open to any origin for GET (no credentials, so no
  cookie ever crosses); the answers are public data (those of the verification page);
- one budget per address for the whole API (`RATELIMIT_API`), its 429 in JSON, in French, with
  Retry-After; the OpenAPI description and the explanation page are outside it;
- every answer, errors included, is JSON of the shape the description gives; a number no
  certificate could bear (not of the form CDESS-62-2026-0042: control characters, a NUL, too
  long) is a 400, a well-formed one no certificate bears a 404;
- answers may be cached a minute (ETag, Cache-Control max-age=60): a suspension or a
  revocation shows within a minute, as on the badge.
"""

import copy
import json
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from limits import parse_many

from cdess.certificates import records, services
from cdess.extensions import limiter
from cdess.web import ERROR_ANSWERS
from cdess.web.urls import external_url

bp = Blueprint("api", __name__)

DESCRIPTION = Path(__file__).with_name("openapi.json")
PREFIX = "/api/v1"
MAX_AGE = 60  # seconds an answer may be reused
EXAMPLE = "CDESS-62-2026-0042"
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match"
EXPOSED_HEADERS = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def _budget() -> str:
    return current_app.config["RATELIMIT_API"]


# One budget for every answer of the API, per address (the limiter's key).
limited = limiter.shared_limit(_budget, scope="api", methods=["GET"])


@cache
def _description() -> dict:
    return json.loads(DESCRIPTION.read_text(encoding="utf-8"))


def description() -> dict:
    """The OpenAPI description as served: the shipped file, on this site's address."""
    found = copy.deepcopy(_description())
    found["servers"] = [
        {
            "url": current_app.config["BASE_URL"].rstrip("/") + PREFIX,
            "description": current_app.config["COUNCIL_NAME"],
        }
    ]
    return found


def _json(body: dict, code: int = 200, cached: bool = True):
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False, indent=1), code, mimetype="application/json"
    )
    if cached:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept-Language")  # the messages follow the reader's language
    if code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def error(code: int, name: str, message: str, cached: bool = True):
    """An error of the API: its HTTP status, a stable name for programs, a sentence for people."""
    return _json({"error": name, "message": message}, code, cached=cached)


@bp.after_request
def _open_for_reading(response):
    """CORS: any site may read the API from a browser, by GET, without credentials."""
    if request.endpoint != "api.guide":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# The names, for programs, of the errors the API's own views do not answer.
ERROR_NAMES = {404: "adresse_inconnue", 405: "methode_refusee", 500: "erreur_interne"}


def _any_error(code: int, _title: str, message: str):
    """Any other error under the API's prefix (an unknown path, a POST, a 500): JSON too, with
    the error pages' sentence, CORS open like the rest."""
    response = error(code, ERROR_NAMES.get(code, f"erreur_{code}"), message, cached=False)
    _open_for_reading(response)
    return response


ERROR_ANSWERS[PREFIX + "/"] = _any_error


@bp.errorhandler(429)
def _too_many(_error):
    return error(
        429,
        "trop_de_requetes",
        _(
            "Trop de requêtes depuis votre adresse : patientez avant de recommencer "
            "(l'en-tête Retry-After dit combien de secondes)."
        ),
        cached=False,
    )


@bp.get(PREFIX + "/certificats/<path:number>")
@limited
def certificate(number: str):
    """A certificate by its number: who holds it, its status now and how it came to be."""
    wanted = records.well_formed(number)
    if wanted is None:
        return error(
            400,
            "numero_invalide",
            _("Ce numéro n'a pas la forme d'un numéro de certificat, comme CDESS-62-2026-0042."),
        )
    found = services.by_number(wanted)
    if found is None:
        return error(404, "certificat_inconnu", _("Aucun certificat ne porte ce numéro."))
    return _json(records.certificate_record(found))


@bp.get(PREFIX + "/certificats")
@limited
def certificates():
    """A structure's certificates, newest first, by one of its identifiers."""
    asked = {k: request.args.get(k, "") for k in records.IDENTIFIERS if k in request.args}
    if len(asked) != 1:
        return error(
            400,
            "identifiant_attendu",
            _("Indiquez un seul identifiant de la structure : siren, siret ou rna."),
        )
    ((kind, value),) = asked.items()
    value = value.strip().upper()
    if not records.IDENTIFIERS[kind].fullmatch(value):
        return error(
            400,
            "identifiant_invalide",
            _(
                "Cet identifiant n'a pas la forme attendue : SIREN à 9 chiffres, SIRET à 14 "
                "chiffres, RNA en W suivi de 9 caractères."
            ),
        )
    found = records.by_identifier(kind, value)
    return _json(
        {
            kind: value,
            "total": len(found),
            "certificats": [records.summary(c) for c in found],
        }
    )


@bp.get(PREFIX + "/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of the API."""
    return _json(description())


@bp.get("/api")
def guide():
    """The page that explains the API to people, with examples."""
    return render_template(
        "api/guide.html",
        example=external_url("api.certificate", number=EXAMPLE),
        example_list=external_url("api.certificates", siren="123456789"),
        description_url=external_url("api.openapi"),
        badge_example=external_url("certificates.badge", number=EXAMPLE),
        verification_example=external_url("certificates.verify", number=EXAMPLE),
        budget=budget_text(current_app.config["RATELIMIT_API"]),
        max_age=MAX_AGE,
    )


def budget_text(setting: str) -> list[str]:
    """The API's budget as people read it: « 60 requêtes par minute », « 5 requêtes par
    15 minutes »."""
    units = {
        "second": (_("seconde"), _("secondes")),
        "minute": (_("minute"), _("minutes")),
        "hour": (_("heure"), _("heures")),
        "day": (_("jour"), _("jours")),
        "month": (_("mois"), pgettext("pluriel", "mois")),  # the same word: told apart
        "year": (_("an"), _("ans")),
    }
    texts = []
    for item in parse_many(setting):
        one, many = units[item.GRANULARITY.name]
        if item.multiples == 1:
            texts.append(_("%(n)s requêtes par %(unit)s", n=item.amount, unit=one))
        else:
            texts.append(
                _("%(n)s requêtes par %(m)s %(unit)s", n=item.amount, m=item.multiples, unit=many)
            )
    return texts
