"""The certificate pages through the test client: the secretariat's, the structure's and the
public's (verification, registry, open data)."""

import csv
import html
import io
import json
import re
import zipfile
from datetime import date, datetime

import pytest
from flask import g

from cdess.applications.models import State
from cdess.certificates import services
from cdess.certificates.models import Certificate
from cdess.certificates.models import CertificateStatus as Status
from cdess.extensions import db
from tests.factories import council_vote


def test_the_secretariat_issues_from_the_application_page(client, login, grant, people, outbox):
    application = grant(name="Les Jardins d'Arras")
    login(people["secretariat"])
    page = client.get(f"/candidatures/{application.id}").get_data(as_text=True)
    assert "Recommandations du conseil" in page and "Délivrer le certificat" in page
    response = client.post(
        f"/candidatures/{application.id}/certificat", data={"recommendations": "Ouvrir le CA."}
    )
    certificate = db.session.execute(db.select(Certificate)).scalar_one()
    assert response.status_code == 302
    assert response.location.endswith(f"/certificats/{certificate.number}")
    assert certificate.snapshot["recommendations"] == "Ouvrir le CA."
    mail = outbox()[-1]
    assert mail["Subject"] == "Votre certificat de label — Les Jardins d'Arras"
    assert mail["To"] == people["applicant"].email
    assert certificate.number in mail.get_body(preferencelist=("plain",)).get_content()
    # Twice: refused with a message, nothing more issued.
    again = client.post(f"/candidatures/{application.id}/certificat", follow_redirects=True)
    assert "déjà été délivré" in again.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Certificate.id))).scalar_one() == 1


def test_recommendations_longer_than_the_certificate_holds_are_refused(
    client, login, grant, people
):
    application = grant(name="Les Jardins d'Arras")
    login(people["secretariat"])
    response = client.post(
        f"/candidatures/{application.id}/certificat",
        data={"recommendations": "Ouvrir le CA. " * 40},
        follow_redirects=True,
    )
    assert "tiennent en 400 caractères au plus" in html.unescape(response.text)
    assert db.session.execute(db.select(Certificate)).first() is None
    db.session.expire_all()
    assert application.state is State.granted


def test_the_workflow_action_leads_to_the_certificate(client, login, grant, people):
    application = grant()
    login(people["secretariat"])
    response = client.post(f"/candidatures/{application.id}/actions/certify")
    assert response.status_code == 307
    assert response.location.endswith(f"/candidatures/{application.id}/certificat")


def test_a_refused_application_gets_no_certificate(client, login, grant, people):
    application = grant()
    application.state = State.refused
    db.session.commit()
    login(people["secretariat"])
    response = client.post(f"/candidatures/{application.id}/certificat", follow_redirects=True)
    assert "Seul un dossier dont le label a été attribué" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Certificate)).first() is None


def test_batch_issue_of_a_session_downloads_a_zip(client, login, closed_session, people):
    login(people["secretariat"])
    page = client.get("/certificats").get_data(as_text=True)
    assert "Délivrer tous les certificats de la séance du 20 mai 2026" in page
    # Each file waits with the day of the council's vote, not of its last change.
    rows = re.findall(r"Structure votée \d</a></th>\s*<td>([^<]+)</td>", page)
    assert rows == ["20 mai 2026", "20 mai 2026"]
    response = client.post(f"/seances/{closed_session.id}/certificats")
    assert response.status_code == 302  # then the page lists them and links the archive
    assert f"/seances/{closed_session.id}/certificats?lot=" in response.location
    response = client.get(f"/seances/{closed_session.id}/certificats.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    year = date.today().year
    assert archive.namelist() == [f"CDESS-62-{year}-0001.pdf", f"CDESS-62-{year}-0002.pdf"]
    stored = {c.number: c.pdf for c in db.session.execute(db.select(Certificate)).scalars()}
    assert all(archive.read(name) == stored[name[:-4]] for name in archive.namelist())
    again = client.get(f"/seances/{closed_session.id}/certificats.zip")
    assert zipfile.ZipFile(io.BytesIO(again.data)).namelist() == archive.namelist()
    refused = client.post(f"/seances/{closed_session.id}/certificats", follow_redirects=True)
    assert "Aucun dossier de cette séance" in refused.get_data(as_text=True)


def test_the_structure_downloads_the_same_bytes_others_cannot(
    client, login, certificate, people, create_user
):
    login(people["applicant"])
    page = client.get(f"/candidatures/{certificate.application_id}").get_data(as_text=True)
    assert certificate.number in page and "Télécharger le certificat (PDF)" in page
    assert "Gérer le certificat" not in page
    first = client.get(f"/certificats/{certificate.number}.pdf")
    second = client.get(f"/certificats/{certificate.number}.pdf")
    assert first.data == second.data == certificate.pdf
    assert first.headers["Content-Disposition"] == (
        f'attachment; filename="{certificate.number}.pdf"'
    )
    client.post("/compte/deconnexion")
    login(people["other"])
    assert client.get(f"/certificats/{certificate.number}.pdf").status_code == 403
    assert client.get(f"/certificats/{certificate.number}").status_code == 403


def test_a_proposal_through_the_form_and_its_errors(client, login, certificate, people, outbox):
    """The secretariat proposes; the status changes only by the council's vote."""
    login(people["secretariat"])
    url = f"/certificats/{certificate.number}/proposition"
    empty = client.post(url, data={"action": "revoke", "report": ""})
    assert empty.status_code == 400
    text = empty.get_data(as_text=True)
    assert text.count("Ce champ est obligatoire.") == 2  # in the summary and by the field
    assert 'aria-invalid="true"' in text
    refused = client.post(url, data={"action": "reinstate", "report": "Rétablir"})
    assert refused.status_code == 400 and "pas possible" in refused.get_data(as_text=True)
    done = client.post(url, data={"action": "revoke", "report": "Statuts modifiés en 2026."})
    assert done.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status is Status.valid  # nothing decided yet
    mail = next(m for m in outbox() if "Proposition de retrait" in str(m["Subject"]))
    assert "Statuts modifiés en 2026." in mail.get_body(preferencelist=("plain",)).get_content()
    again = client.post(url, data={"action": "suspend", "report": "Autre"})
    assert again.status_code == 400 and "attend déjà" in again.get_data(as_text=True)
    # The old direct change is gone: only the council decides.
    assert client.post(f"/certificats/{certificate.number}/statut").status_code == 404


def test_the_president_suspends_urgently_and_the_public_page_says_so(
    client, login, certificate, people
):
    url = f"/certificats/{certificate.number}/suspension-urgente"
    login(people["secretariat"])
    assert client.post(url, data={"reason": "Fraude signalée"}).status_code == 403
    client.post("/compte/deconnexion")
    login(people["president"])
    assert client.post(url, data={"reason": ""}).status_code == 400
    assert client.post(url, data={"reason": "Fraude signalée"}).status_code == 302
    db.session.refresh(certificate)
    assert certificate.status is Status.suspended
    public = html.unescape(client.get(f"/verification/{certificate.number}").get_data(as_text=True))
    assert "Suspension d'urgence décidée par le président" in public
    assert "Historique du statut" in public and "Fraude signalée" in public


def test_a_suspended_certificate_reissued_stays_suspended(client, login, certificate, people):
    services.change_status(
        certificate,
        "suspend",
        people["secretariat"],
        "Contrôle en cours",
        item=council_vote(certificate),
    )
    db.session.commit()
    new = services.reissue(certificate, people["secretariat"], "Nom corrigé")
    db.session.commit()
    assert certificate.status is Status.superseded and new.status is Status.suspended
    assert new.status_reason == "Contrôle en cours"
    page = html.unescape(client.get(f"/verification/{new.number}").get_data(as_text=True))
    assert "Suspendu" in page and "Contrôle en cours" in page
    assert new.number not in client.get("/registre.csv").data.decode("utf-8-sig")


def test_reissue_through_the_form(client, login, certificate, people):
    login(people["secretariat"])
    url = f"/certificats/{certificate.number}/reedition"
    assert client.post(url, data={"reason": ""}).status_code == 400
    response = client.post(url, data={"reason": "Nom corrigé"})
    db.session.refresh(certificate)
    new = certificate.superseded_by
    assert response.location.endswith(f"/certificats/{new.number}")
    page = client.get(f"/verification/{certificate.number}").get_data(as_text=True)
    assert "Remplacé" in page and new.number in page


# --- public -----------------------------------------------------------------------------------


def test_verification_page_of_a_valid_certificate(client, certificate):
    page = client.get(f"/verification/{certificate.number}").get_data(as_text=True)
    assert "Valide</strong> — Ce certificat est valide." in page
    assert "Recyclerie du Ternois" in page and certificate.snapshot["siret"] in page


def test_verification_of_an_expired_certificate(client, certificate):
    certificate.valid_until = date(2020, 1, 1)
    db.session.commit()
    assert "Expiré</strong>" in client.get(f"/verification/{certificate.number}").text


@pytest.mark.parametrize(
    "number",
    ["CDESS-62-2026-9999", "n'importe quoi", "<script>alert(1)</script>", "a/b/c", "x" * 300],
)
def test_unknown_or_malformed_numbers_give_a_clear_page(client, certificate, number):
    response = client.get(f"/verification/{number}")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Numéro inconnu" in text and "<script>alert" not in text


def test_the_number_form_leads_to_the_page(client, certificate):
    response = client.get("/verification", query_string={"numero": certificate.number})
    assert response.location.endswith(f"/verification/{certificate.number}")


def _upload(client, content: bytes, name: str = "certificat.pdf"):
    response = client.post(
        "/verification",
        data={"pdf": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    response.close()
    return response


def test_uploading_the_genuine_pdf_recognises_it(client, certificate):
    response = _upload(client, certificate.pdf)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "bien un certificat délivré par le conseil" in text and certificate.number in text


def test_an_altered_pdf_is_not_recognised(client, certificate):
    text = _upload(client, certificate.pdf[:-10] + b"%%EOF    \n").get_data(as_text=True)
    assert "Non reconnu" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00 un programme", "Ce fichier n'est pas un PDF."),
        (b"", "Ce fichier n'est pas un PDF."),
        (b"%PDF-" + b"0" * 2048, "bien trop grand"),
    ],
)
def test_bad_uploads_get_a_clear_message(app, client, certificate, content, message):
    app.config["VERIFY_MAX_BYTES"] = 2048  # (a 5 MB upload leaks a temporary file in tests)
    response = _upload(client, content)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_no_file_chosen(client):
    response = client.post("/verification", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choisissez le fichier PDF du certificat." in response.get_data(as_text=True)


# --- registry and open data -------------------------------------------------------------------


@pytest.fixture
def registry(app, grant, people):
    from cdess.structures.models import Family

    for name, fields in [
        ("Recyclerie du Ternois", {}),
        ("Coopérative de Lens", {"family": Family.cooperative, "commune_code": "62498"}),
        ("Association révoquée", {}),
    ]:
        services.issue(grant(name=name, **fields), people["secretariat"])
    revoked = (
        db.session.execute(db.select(Certificate).order_by(Certificate.id.desc())).scalars().first()
    )
    services.change_status(
        revoked, "revoke", people["secretariat"], "Décision", item=council_vote(revoked)
    )
    db.session.commit()


def test_the_registry_page_searches_and_filters(client, registry):
    page = client.get("/registre").get_data(as_text=True)
    assert "2 structures labellisées" in page
    assert "Recyclerie du Ternois" in page and "Association révoquée" not in page
    lens = client.get("/registre", query_string={"famille": "cooperative"}).text
    assert "1 structure labellisée" in lens and "Coopérative de Lens" in lens
    by_commune = client.get("/registre", query_string={"commune": "62498"}).text
    assert "Coopérative de Lens" in by_commune and "Recyclerie" not in by_commune


@pytest.mark.parametrize(
    "query", ["<script>alert(1)</script>", "' OR '1'='1", "%", "a" * 500, "Robert'); --"]
)
def test_hostile_searches_find_nothing_and_execute_nothing(client, registry, query):
    response = client.get("/registre", query_string={"q": query, "famille": "nope", "page": "x"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Aucune structure labellisée ne correspond" in text and "<script>alert(1)" not in text


def test_a_nul_character_is_dropped_from_the_search(client, registry):
    response = client.get("/registre", query_string={"q": "\x00"})
    assert response.status_code == 200 and "2 structures labellisées" in response.text


def test_csv_export_opens_in_a_french_spreadsheet(client, registry):
    response = client.get("/registre.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    raw = response.data
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [r["structure"] for r in rows] == ["Coopérative de Lens", "Recyclerie du Ternois"]
    lens = rows[0]
    assert lens["famille"] == "cooperative" and lens["code_commune"] == "62498"
    assert lens["statut"] == "valide" and lens["numero"].startswith("CDESS-62-")
    assert lens["url_verification"].endswith(f"/verification/{lens['numero']}")
    filtered = client.get("/registre.csv", query_string={"q": "ternois"}).data.decode("utf-8-sig")
    assert len(filtered.strip().splitlines()) == 2  # header + one row


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example/","Cliquez")', "+33 Solidarité", "@SOMME(A1)"]
)
def test_a_name_that_a_spreadsheet_would_run_comes_out_as_text(app, client, grant, people, name):
    """Formula injection (OWASP « CSV injection »): the cell starts with an apostrophe."""
    services.issue(grant(name=name), people["secretariat"])
    db.session.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/registre.csv").data.decode("utf-8-sig")), delimiter=";"
        )
    )
    assert [r["structure"] for r in rows] == ["'" + name]
    assert client.get("/registre.json").json["data"][0]["structure"] == name  # data, not a sheet


def test_json_export(client, registry):
    body = json.loads(client.get("/registre.json").data)
    assert body["generated_on"] == date.today().isoformat()
    assert [r["structure"] for r in body["data"]] == [
        "Coopérative de Lens",
        "Recyclerie du Ternois",
    ]
    assert set(body["data"][0]) == set(
        __import__("cdess.certificates.queries").certificates.queries.FIELDS
    )


# --- the registry's cache for visitors ----------------------------------------------------------


def _rename(name: str, new: str) -> None:
    from cdess.structures.models import Structure

    db.session.execute(db.update(Structure).filter_by(name=name).values(name=new))
    db.session.commit()


def test_visitors_get_a_cached_registry_that_certificate_changes_refresh(
    app, client, registry, people, monkeypatch
):
    from cdess.certificates import cache

    def csv_text():
        return client.get("/registre.csv").data.decode("utf-8-sig")

    assert "Recyclerie du Ternois" in client.get("/registre").text
    assert "Recyclerie du Ternois" in csv_text()
    _rename("Recyclerie du Ternois", "Ressourcerie du Ternois")
    # Visitors keep the page they were given for up to REGISTRY_CACHE_SECONDS …
    assert "Recyclerie du Ternois" in client.get("/registre").text
    assert "Recyclerie du Ternois" in csv_text()
    # … other addresses are other pages …
    assert "Ressourcerie du Ternois" in client.get("/registre?q=ternois").text
    # … and a change of any certificate shows at once.
    lens = db.session.execute(
        db.select(Certificate).join(Certificate.structure).filter_by(name="Coopérative de Lens")
    ).scalar_one()
    services.change_status(
        lens, "suspend", people["secretariat"], "Contrôle", item=council_vote(lens)
    )
    db.session.commit()
    page = client.get("/registre").text
    assert "Ressourcerie du Ternois" in page and "1 structure labellisée" in page
    # Without a change of certificate, a structure's change shows once the time is up.
    _rename("Ressourcerie du Ternois", "Recyclerie du Ternois")
    assert "Ressourcerie du Ternois" in client.get("/registre").text
    later = cache.time.monotonic() + app.config["REGISTRY_CACHE_SECONDS"] + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert "Recyclerie du Ternois" in client.get("/registre").text


def test_a_change_made_by_another_worker_shows_within_a_second(app, client, registry, monkeypatch):
    from cdess.certificates import cache

    assert "2 structures labellisées" in client.get("/registre").text
    with db.engine.begin() as other_worker:  # outside this process's session: no event
        other_worker.execute(
            db.update(Certificate)
            .where(Certificate.status == Status.valid)
            .values(status=Status.suspended, updated_at=datetime(2099, 1, 1))
        )
    assert "2 structures labellisées" in client.get("/registre").text
    later = cache.time.monotonic() + cache.VERSION_SECONDS
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert "Aucune structure labellisée" in client.get("/registre").text


def test_signed_in_people_and_pending_messages_always_get_a_fresh_registry(
    app, client, login, registry, people
):
    assert "Recyclerie du Ternois" in client.get("/registre").text  # cached for visitors
    _rename("Recyclerie du Ternois", "Ressourcerie du Ternois")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Message pour ce visiteur seul")]
    page = client.get("/registre").text
    assert "Message pour ce visiteur seul" in page and "Ressourcerie du Ternois" in page
    assert "Message pour ce visiteur seul" not in client.get("/registre").text  # not cached
    login(people["applicant"])
    assert "Ressourcerie du Ternois" in client.get("/registre").text


def test_each_visitor_of_the_cached_registry_gets_a_csrf_token_of_their_own(app, registry):
    """The language switch on a page served from the cache works for every visitor (CI found
    a second visitor refused: the first one's token was in the kept page)."""
    app.config["WTF_CSRF_ENABLED"] = True
    tokens = []
    for _visitor in range(3):
        g.pop("csrf_token", None)  # the tests' requests share one `g`; a server's are fresh
        client = app.test_client()
        page = client.get("/registre").text
        assert "Recyclerie du Ternois" in page and "csrf-" not in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        tokens.append(token)
        answer = client.post(
            "/langue", data={"langue": "en", "next": "/registre", "csrf_token": token}
        )
        assert answer.status_code == 303 and answer.location == "/registre"
    assert len(app.extensions["registry_cache"]["pages"]) == 1  # the same page, kept once
    assert len(set(tokens)) == 3


def test_the_cache_keeps_a_bounded_number_of_pages(app, client, registry, monkeypatch):
    from cdess.certificates import cache

    monkeypatch.setattr(cache, "ENTRIES", 3)
    for n in range(6):
        assert client.get("/registre", query_string={"q": f"visiteur {n}"}).status_code == 200
    pages = app.extensions["registry_cache"]["pages"]
    assert len(pages) == 3 and all("visiteur+" in key[0] for key in pages)
    assert client.get("/registre.csv").headers["Content-Disposition"].startswith("attachment")
    cached = client.get("/registre.csv")  # from the cache: the same answer, headers included
    assert cached.headers["Content-Disposition"] == 'attachment; filename="registre-label-ess.csv"'
    assert cached.content_type == "text/csv; charset=utf-8"


def test_no_cache_when_turned_off(app, client, registry, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRY_CACHE_SECONDS", 0)
    client.get("/registre")
    _rename("Recyclerie du Ternois", "Ressourcerie du Ternois")
    assert "Ressourcerie du Ternois" in client.get("/registre").text
    assert "registry_cache" not in app.extensions
