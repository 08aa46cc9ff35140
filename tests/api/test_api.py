"""The public verification API: each answer (200, 400, 404, 429) checked against the OpenAPI
description it serves, which is itself a valid OpenAPI 3.1 document; a label's status and its
history as the council changes them; CORS, caching, the rate limit; the page explaining it."""

import html
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from cdess.certificates import services
from cdess.extensions import db
from tests.api.conftest import SITE
from tests.factories import council_vote

URL = "/api/v1/certificats/"


def test_the_description_is_valid_openapi_3_1_on_this_site(client):
    response = client.get("/api/v1/openapi.json")
    description = response.get_json()
    validate(description)  # raises on an invalid document
    assert description["openapi"] == "3.1.0"
    assert description["servers"] == [
        {"url": SITE + "/api/v1", "description": client.application.config["COUNCIL_NAME"]}
    ]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # The validator is not a rubber stamp: a description without its title is refused.
    del description["info"]["title"]
    with pytest.raises(OpenAPIValidationError):
        validate(description)


def test_a_label_through_its_life(api, certificate, people):
    """Issued, listed by its structure's identifiers, replaced by a new edition, past its end,
    suspended then revoked by the council: each answer as described, the status of the day."""
    number = certificate.number
    response = api(URL + number)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["numero"] == number
    assert answer["structure"]["nom"] == "Recyclerie du Ternois"
    assert answer["structure"]["siren"] == certificate.structure.siren
    assert answer["structure"]["siret"] == certificate.structure.siret
    assert answer["structure"]["rna"] is None
    assert answer["structure"]["commune"] == {"code": "62041", "nom": "Arras"}
    assert answer["statut"]["code"] == "valide" and answer["statut"]["motif"] is None
    assert answer["validite"] == {
        "debut": certificate.valid_from.isoformat(),
        "fin": certificate.valid_until.isoformat(),
    }
    session = answer["decision"]["seance"]
    assert session["date"] == "2026-05-20" and answer["decision"]["date"] == "2026-05-20"
    assert answer["charte"] == {"version": 1}
    assert answer["pdf"]["sha256"] == certificate.sha256
    assert answer["delivre_le"].endswith("Z")
    assert answer["editions"] == {"precedente": None, "suivante": None}
    assert answer["liens"]["verification"] == f"{SITE}/verification/{number}"
    assert answer["liens"]["badge"] == f"{SITE}/certificats/{number}/badge.svg"
    assert answer["liens"]["api"] == SITE + URL + number
    # The credential and the issuer's public keys: linked when the application serves them.
    routes = api.app.url_map.bind("localhost")
    credential = f"/certificats/{number}/credential.jwt"
    served = {
        "credential": routes.test(credential, "GET") and SITE + credential,
        "cles_publiques": routes.test("/.well-known/jwks.json", "GET")
        and SITE + "/.well-known/jwks.json",
    }
    assert {k: answer["liens"].get(k) or False for k in served} == served
    [issued] = answer["historique"]
    assert issued["decision"] == "delivrance" and issued["statut_precedent"] is None
    assert issued["seance"] == session  # the session that granted the label

    # Open for reading from any site, cached a minute, revalidated by its ETag.
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=60"
    etag = response.headers["ETag"]
    assert api(URL + number, headers={"If-None-Match": etag}).status_code == 304

    # A funder lists the structure's certificates by its SIREN or SIRET.
    siren, siret = certificate.structure.siren, certificate.structure.siret
    for query in (f"siren={siren}", f"siret={siret}"):
        listed = api(f"/api/v1/certificats?{query}").get_json()
        assert listed["total"] == 1 and listed["certificats"][0]["numero"] == number
        assert listed["certificats"][0]["statut"] == "valide"
    assert api("/api/v1/certificats?rna=W623000000").get_json()["total"] == 0

    # A new edition (a corrected name) replaces it: each names the other.
    new = services.reissue(certificate, people["secretariat"], "Nom corrigé.")
    db.session.commit()
    response = api(URL + number, headers={"If-None-Match": etag})
    assert response.status_code == 200  # a new answer, not the cached one
    old = response.get_json()
    assert old["statut"]["code"] == "remplacé" and old["statut"]["motif"] == "Nom corrigé."
    assert old["editions"]["suivante"] == {"numero": new.number, "api": SITE + URL + new.number}
    assert old["historique"][-1]["decision"] == "nouvelle_edition"
    current = api(URL + new.number).get_json()
    assert current["editions"]["precedente"]["numero"] == number
    assert current["statut"]["code"] == "valide"

    # Past its last day, the public sees it expired before the nightly command records it.
    until, new.valid_until = new.valid_until, date.today() - timedelta(days=1)
    db.session.commit()
    assert api(URL + new.number).get_json()["statut"] == {
        "code": "expiré",
        "depuis": date.today().isoformat(),
        "motif": None,
        "renouvellement_en_cours": False,
    }
    new.valid_until = until
    db.session.commit()

    # The council suspends it: the status, its reason, the vote's session in the history.
    item = council_vote(new)
    services.change_status(new, "suspend", people["secretariat"], "AG non tenue.", item=item)
    db.session.commit()
    answer = api(URL + new.number).get_json()
    assert answer["statut"]["code"] == "suspendu"
    assert answer["statut"]["motif"] == "AG non tenue."
    assert answer["statut"]["depuis"] == date.today().isoformat()
    suspension = answer["historique"][-1]
    assert suspension["decision"] == "vote_du_conseil"
    assert suspension["statut_precedent"] == "valide" and suspension["motif"] == "AG non tenue."
    assert suspension["seance"] == {"id": item.session_id, "date": "2026-11-20"}

    # Then revokes it.
    services.change_status(new, "revoke", people["secretariat"], "Statuts.", item=item)
    db.session.commit()
    answer = api(URL + new.number.lower()).get_json()  # the number in any case
    assert answer["statut"]["code"] == "retiré"
    assert [e["statut"] for e in answer["historique"]] == ["valide", "suspendu", "retiré"]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("CDESS-62-1999-0001", 404),
        ("CDESS-62-2026-99999999", 404),
        ("%00", 400),
        ("CDESS-62-2026-0001%00", 400),
        ("CDESS-62-2026-0001%1b%5b31m", 400),
        ("%FF%FE", 400),
        ("9" * 5000, 400),
        ("<script>", 400),
    ],
)
def test_unknown_and_malformed_numbers_answer_json(api, number, code):
    response = api(URL + number)
    assert response.status_code == code
    answer = response.get_json()
    if code == 404:
        assert answer == {
            "error": "certificat_inconnu",
            "message": "Aucun certificat ne porte ce numéro.",
        }
    else:
        assert answer["error"] == "numero_invalide"
        assert "CDESS-62-2026-0042" in answer["message"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text but a slash (a path of several segments, that routing merges or refuses itself).
@given(number=st.text(st.characters(exclude_characters="/"), min_size=1, max_size=80))
def test_no_number_gives_a_500_nor_html(client, number):
    response = client.get(URL + quote(number, safe=""))
    assert response.status_code in {400, 404}, number
    assert response.get_json()["error"] in {"numero_invalide", "certificat_inconnu"}


def test_a_path_beyond_a_number_is_refused_in_json_too(client):
    # Not an address the description names (a number has no slash): still JSON, never HTML.
    response = client.get(URL + "CDESS-62-2026-0001/suite")
    assert response.status_code == 400 and response.get_json()["error"] == "numero_invalide"


@pytest.mark.parametrize(
    ("method", "path", "code", "name"),
    [
        ("GET", "/api/v1/inconnu", 404, "adresse_inconnue"),
        ("GET", "/api/v1/", 404, "adresse_inconnue"),
        ("POST", "/api/v1/certificats", 405, "methode_refusee"),
        ("DELETE", "/api/v1/certificats/CDESS-62-2026-0001", 405, "methode_refusee"),
    ],
)
def test_every_other_error_under_the_api_is_json_too(client, method, path, code, name):
    response = client.open(path, method=method)
    assert response.status_code == code and response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == name and body["message"].endswith(".")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # Elsewhere the same error is the HTML page.
    assert client.open("/inconnu", method=method).mimetype == "text/html"


def test_a_list_needs_one_well_formed_identifier(api):
    queries = ("", "siren=123456789&siret=12345678900011", "siren=12345", "rna=%00", "siret=x")
    for query in queries:
        response = api(f"/api/v1/certificats?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"] in {"identifiant_attendu", "identifiant_invalide"}


def test_a_preflight_is_answered_for_any_origin(client):
    response = client.options(URL + "CDESS-62-2026-0001", headers={"Origin": "https://a.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_API": "3 per minute;1000 per hour"}]
)
def test_a_flood_is_stopped_in_json_and_in_french(api, client):
    codes = [api(URL + "CDESS-62-1999-0001").status_code for _ in range(2)]
    codes.append(api("/api/v1/certificats?siren=123456789").status_code)  # the same budget
    response = api(URL + "CDESS-62-1999-0001")
    assert [*codes, response.status_code] == [404, 404, 200, 429]
    assert response.get_json()["error"] == "trop_de_requetes"
    assert "Trop de requêtes" in response.get_json()["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # a page may read why
    # The description and the page that explains the API stay outside the budget.
    assert api("/api/v1/openapi.json").status_code == 200
    assert client.get("/api").status_code == 200


def test_the_page_that_explains_the_api(client):
    page = html.unescape(client.get("/api").get_data(as_text=True))
    assert "curl http://cdess.test/api/v1/certificats/CDESS-62-2026-0042" in page
    assert 'href="http://cdess.test/api/v1/openapi.json"' in page
    assert "60 requêtes par minute, 1000 requêtes par heure" in page
    verification = client.get("/verification").get_data(as_text=True)
    assert 'href="/api"' in verification
