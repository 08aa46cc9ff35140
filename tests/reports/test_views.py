"""The reports' pages through the test client: the public form and its bad inputs, the
receipt, the secretariat's queue and actions, the structure's answer page."""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdess.certificates.models import CertificateStatus
from cdess.extensions import db
from cdess.reports import services as reports
from cdess.reports.models import Report
from cdess.reports.rules import ReportState
from tests.factories import PDF, future_session, html

TEXT = "Les salariés ne sont jamais consultés, contrairement à la charte."


def count() -> int:
    return db.session.execute(db.select(db.func.count(Report.id))).scalar_one()


def form_url(certificate) -> str:
    return f"/signalements/{certificate.number}"


def post(client, certificate, **data):
    values = {"text": TEXT, "name": "", "email": "", "website": ""}
    values.update(data)
    return client.post(form_url(certificate), data=values, content_type="multipart/form-data")


def error_of(page: str, field: str) -> str:
    """The message tied to a field (its `<id>-erreur` paragraph)."""
    found = re.search(rf'id="{field}-erreur">(.*?)</p>', page, re.S)
    assert found, f"no error shown for {field}"
    return found.group(1).strip()


# --- the public form --------------------------------------------------------------------------


def test_the_registry_and_the_verification_page_offer_the_form(client, certificate):
    link = f'href="{form_url(certificate)}"'
    assert link in client.get("/registre").get_data(as_text=True)
    assert link in client.get(f"/verification/{certificate.number}").get_data(as_text=True)


def test_an_ended_label_offers_no_form(client, certificate):
    certificate.status = CertificateStatus.revoked
    db.session.commit()
    assert form_url(certificate) not in client.get(f"/verification/{certificate.number}").text
    response = client.get(form_url(certificate))
    assert response.status_code == 409 and "<textarea" not in response.text
    assert "plus en vigueur" in html(response)
    assert post(client, certificate).status_code == 409 and count() == 0


def test_the_form_hides_its_honeypot_from_people_and_assistive_technologies(client, certificate):
    page = client.get(form_url(certificate)).get_data(as_text=True)
    hidden = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', page, re.S)
    assert hidden and 'name="website"' in hidden.group(1)
    assert 'tabindex="-1"' in hidden.group(1) and "Laissez ce champ vide" in hidden.group(1)
    assert 'for="website"' in hidden.group(1)


def test_a_report_is_filed_and_its_receipt_shown(client, certificate, outbox):
    response = post(client, certificate, name="Jeanne", email="jeanne@exemple.fr")
    assert response.status_code == 302 and response.location.endswith("/signalements/recu")
    report = db.session.execute(db.select(Report)).scalar_one()
    assert (report.text, report.reporter_email) == (TEXT, "jeanne@exemple.fr")
    page = html(client.get("/signalements/recu"))
    assert report.reference in page and "accusé de réception" in page
    assert any(m["To"] == "jeanne@exemple.fr" for m in outbox())


def test_the_receipt_is_only_the_filers(client, app, certificate):
    post(client, certificate)
    assert app.test_client().get("/signalements/recu").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"website": "https://spam.example", "email": "bot@exemple.fr"},
        # Refused fields are not told either: a robot learns nothing from the answer.
        {"website": "https://spam.example", "text": "", "email": "pas une adresse"},
    ],
    ids=["valid", "invalid"],
)
def test_a_filled_honeypot_stores_nothing_and_says_nothing(client, certificate, outbox, data):
    sent = len(outbox())
    response = post(client, certificate, **data)
    assert response.status_code == 302 and count() == 0 and len(outbox()) == sent
    page = html(client.get("/signalements/recu"))
    assert "bien été transmis" in page and "Référence" not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": ""}, "text", "Ce champ est obligatoire."),
        ({"text": "x" * 5001}, "text", "5\u202f000 caractères au plus."),
        ({"text": "Un texte \x1b[31m coloré"}, "text", "caractère de contrôle"),
        ({"name": "Jeanne\r\nBcc: x@y.fr"}, "name", "caractère de contrôle"),
        ({"email": "pas une adresse"}, "email", "adresse électronique valide"),
        ({"text": "Texte \u202eenrevné"}, "text", "caractère de contrôle"),
    ],
    ids=["empty", "huge", "escape", "header-injection", "bad-email", "bidi"],
)
def test_bad_input_comes_back_with_its_message_and_what_was_typed(
    client, certificate, data, field, message
):
    typed = {"name": "Jeanne Dupont", "text": TEXT, **data}
    response = post(client, certificate, **typed)
    page = html(response)
    assert response.status_code == 400 and count() == 0
    assert message in error_of(page, field)
    if field != "name":
        assert 'value="Jeanne Dupont"' in page  # what was typed is kept


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"GIF89a not accepted", 400, "Ce type de fichier n'est pas accepté"),
        (PDF + b"0" * 4096, 413, "dépasse la taille autorisée (0,004 Mo)"),
    ],
    ids=["wrong-type", "too-big"],
)
def test_a_refused_file_comes_back_next_to_its_field(
    app, client, certificate, content, status, message
):
    app.config["REPORT_MAX_FILE_BYTES"] = 4096
    response = post(client, certificate, file=(io.BytesIO(content), "piece.pdf"))
    page = html(response)
    assert response.status_code == status and count() == 0
    assert message in error_of(page, "file")
    assert TEXT in page


def test_a_file_is_kept_for_the_secretariat(client, certificate, login, people):
    post(client, certificate, file=(io.BytesIO(PDF), "preuve.pdf"))
    report = db.session.execute(db.select(Report)).scalar_one()
    login(people["secretariat"])
    response = client.get(f"/secretariat/signalements/{report.id}/piece")
    content = response.get_data()
    response.close()  # a file download is streamed
    assert response.status_code == 200 and content == PDF
    assert "preuve.pdf" in response.headers["Content-Disposition"]


def test_a_flood_is_told_in_french_and_nothing_stored(app, client, certificate):
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 2
    assert [post(client, certificate).status_code for _ in range(2)] == [302, 302]
    response = post(client, certificate)
    assert response.status_code == 429 and count() == 2
    assert "2 signalements en 24 heures" in html(response) and TEXT in html(response)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_the_limiter_stops_a_burst_before_the_database(app, client, certificate):
    app.config["RATELIMIT_REPORT"] = "2 per minute"
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 100
    codes = [post(client, certificate).status_code for _ in range(3)]
    assert codes == [302, 302, 429] and count() == 2
    assert "Trop de tentatives" in html(post(client, certificate))


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
nasty = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "\x00", "\x1b", "é" * 6000, "<script>alert(1)</script>", "1e309"]),
)


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {"text": nasty, "name": nasty, "email": nasty, "website": st.sampled_from(["", "x"])}
    ),
    content=st.one_of(st.none(), st.binary(max_size=64), st.just(PDF)),
)
def test_no_input_gives_a_500(app, client, certificate, data, content):
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 10_000
    if content is not None:
        data = {**data, "file": (io.BytesIO(content), "f.pdf")}
    response = client.post(form_url(certificate), data=data, content_type="multipart/form-data")
    assert response.status_code in {302, 400, 413}


def test_an_unknown_certificate_has_no_form(client):
    assert client.get("/signalements/CDESS-62-1999-0001").status_code == 404
    assert client.get("/signalements/" + "9" * 5000).status_code == 404


# --- the secretariat --------------------------------------------------------------------------


@pytest.fixture
def three(file_report, people):
    """A dismissed report, an asked one, a received one, filed in that order."""
    dismissed, asked, received = (file_report(f"Signalement {n}") for n in range(3))
    reports.dismiss(dismissed, people["secretariat"], "Sans objet.")
    reports.ask(asked, people["secretariat"], "Votre AG ?")
    db.session.commit()
    return dismissed, asked, received


def test_the_queue_shows_received_reports_first(client, login, people, three):
    dismissed, asked, received = three
    login(people["secretariat"])
    page = client.get("/secretariat/signalements").get_data(as_text=True)
    order = [page.index(r.reference) for r in (received, asked, dismissed)]
    assert order == sorted(order)
    filtered = client.get("/secretariat/signalements?etat=asked").get_data(as_text=True)
    assert asked.reference in filtered and received.reference not in filtered
    unknown = client.get("/secretariat/signalements?etat=%00nope").get_data(as_text=True)
    assert all(r.reference in unknown for r in three)


def test_the_secretariat_asks_then_dismisses_through_the_pages(
    client, login, people, file_report, outbox
):
    report = file_report(TEXT, email="jeanne@exemple.fr")
    login(people["secretariat"])
    page = client.get(f"/secretariat/signalements/{report.id}")
    assert TEXT in html(page) and "jeanne@exemple.fr" in html(page)
    url = f"/secretariat/signalements/{report.id}"
    refused = client.post(f"{url}/classement", data={"reason": "  "})
    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in error_of(html(refused), "reason")
    assert client.post(f"{url}/question", data={"question": "Votre AG ?"}).status_code == 302
    again = client.post(f"{url}/question", data={"question": "Encore ?"})
    assert again.status_code == 400 and "déjà été interrogée" in html(again)
    response = client.post(f"{url}/classement", data={"reason": "PV reçu."})
    assert response.status_code == 302
    assert db.session.get(Report, report.id).state is ReportState.dismissed
    assert (
        "classé sans suite"
        in [m for m in outbox() if m["To"] == "jeanne@exemple.fr"][-1]["Subject"]
    )


def test_proposing_without_a_session_says_so(client, login, people, file_report):
    report = file_report(TEXT)
    login(people["secretariat"])
    url = f"/secretariat/signalements/{report.id}"
    assert "Aucune séance du conseil n'est en préparation" in html(client.get(url))
    response = client.post(f"{url}/suspension", data={"report": "AG non tenue."})
    assert response.status_code == 400 and "Aucune séance" in html(response)
    future_session()
    db.session.commit()
    assert client.post(f"{url}/suspension", data={"report": "AG non tenue."}).status_code == 302
    assert db.session.get(Report, report.id).state is ReportState.proposed


# --- the structure ----------------------------------------------------------------------------


def test_the_structure_sees_nothing_of_a_report_before_it_is_asked(
    client, login, people, file_report
):
    report = file_report(TEXT)
    login(people["applicant"])
    assert client.get(f"/signalements/{report.id}/reponse").status_code == 403
    response = client.post(f"/signalements/{report.id}/reponse", data={"answer": "Tiens ?"})
    assert response.status_code == 403
    assert db.session.get(Report, report.id).answer == ""


def test_the_structure_answers_and_an_intruder_is_refused(
    client, login, people, file_report, create_structure
):
    report = file_report(TEXT)
    reports.ask(report, people["secretariat"], "Quand s'est tenue votre AG ?")
    db.session.commit()
    url = f"/signalements/{report.id}/reponse"
    create_structure(owner=people["other"])  # acts for a structure, not this one
    login(people["other"])
    assert client.get(url).status_code == 403
    assert client.post(url, data={"answer": "Intrus"}).status_code == 403
    client.post("/compte/deconnexion")
    login(people["applicant"])
    page = html(client.get(url))
    assert "Quand s'est tenue votre AG ?" in page and TEXT not in page
    assert client.post(url, data={"answer": ""}).status_code == 400
    assert client.post(url, data={"answer": "Le 28 novembre."}).status_code == 302
    assert db.session.get(Report, report.id).answer == "Le 28 novembre."
    late = client.post(url, data={"answer": "Encore."})
    assert late.status_code == 400 and "déjà répondu" in html(late)
    assert "<textarea" not in client.get(url).get_data(as_text=True)


@FUZZ
@given(text=nasty, action=st.sampled_from(["question", "classement", "suspension"]))
def test_no_secretariat_input_gives_a_500(app, client, login, people, file_report, text, action):
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 10_000
    report = file_report(TEXT)  # a new one each time: an accepted action ends the last one
    login(people["secretariat"])
    field = {"question": "question", "classement": "reason", "suspension": "report"}[action]
    response = client.post(f"/secretariat/signalements/{report.id}/{action}", data={field: text})
    assert response.status_code in {302, 400}
