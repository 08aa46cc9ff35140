"""The follow-up's pages through the test client: the structure files (refusals come back
with the form kept), the secretariat's queue, decisions, suspension proposal and the
sample's draw."""

import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdess import territories
from cdess.extensions import db
from cdess.followups import services
from cdess.followups.models import FollowUp, FollowUpState
from cdess.structures.models import Family
from tests.factories import PDF, future_session, html

State = FollowUpState
TODAY = date.today()


@pytest.fixture
def due_followup(label):
    """A follow-up opened today (its label started a year less 60 days ago)."""
    certificate = label(start=TODAY - timedelta(days=365 - 60))
    services.run(TODAY)
    return services.next_for(certificate.structure_id, TODAY)


@pytest.fixture
def submitted(due_followup, people, filing):
    services.file(due_followup, people["applicant"], filing(due_followup))
    db.session.commit()
    return due_followup


def _form(followup, holds="oui", explanation="", **files) -> dict:
    """The filing form as a browser sends it: every criterion answered, every file chosen."""
    criteria = services.eliminatory_criteria(followup)
    data = {f"crit-{c.code}": holds for c in criteria}
    data |= {f"expl-{c.code}": explanation for c in criteria}
    for kind in followup.kinds:
        data[f"doc-{kind.value}"] = (io.BytesIO(files.get(kind.value, PDF)), f"{kind.value}.pdf")
    return data


def _post(client, followup, data):
    return client.post(f"/suivis/{followup.id}", data=data, content_type="multipart/form-data")


# --- the structure's side -----------------------------------------------------------------------


def test_the_structure_files_its_follow_up(client, login, people, due_followup):
    login(people["applicant"])
    page = client.get(f"/suivis/{due_followup.id}")
    assert page.status_code == 200 and "Déposer le suivi" in html(page)
    assert _post(client, due_followup, _form(due_followup)).status_code == 302
    db.session.expire_all()
    assert due_followup.state is State.submitted and len(due_followup.documents) == 2
    shown = html(client.get(f"/suivis/{due_followup.id}"))
    assert "Déposer le suivi" not in shown and "minutes.pdf" in shown
    document = due_followup.documents[0]
    download = client.get(f"/suivis/{due_followup.id}/pieces/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()


def test_a_wrong_file_comes_back_with_the_answers_kept(client, login, people, due_followup):
    login(people["applicant"])
    data = _form(due_followup, holds="non", explanation="Le siège a déménagé.", accounts=b"MZ")
    response = _post(client, due_followup, data)
    body = html(response)
    assert response.status_code == 400
    assert "Ce type de fichier n'est pas accepté" in body and 'id="doc-accounts-erreur"' in body
    assert "Le siège a déménagé." in body  # the explanations kept
    code = services.eliminatory_criteria(due_followup)[0].code
    assert f'id="crit-{code}-non" name="crit-{code}" value="non" checked' in body
    db.session.expire_all()
    assert due_followup.state is State.due and due_followup.documents == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("Mot\x07", "caractère de contrôle"), ("x" * 5000, "2000 caractères"), ("", "Expliquez")],
)
def test_a_bad_explanation_is_a_400_beside_its_field(
    client, login, people, due_followup, value, message
):
    login(people["applicant"])
    response = _post(client, due_followup, _form(due_followup, holds="non", explanation=value))
    assert response.status_code == 400 and message in html(response)
    db.session.expire_all()
    assert due_followup.state is State.due


def test_a_missing_answer_is_a_400(client, login, people, due_followup):
    login(people["applicant"])
    data = _form(due_followup)
    code = services.eliminatory_criteria(due_followup)[0].code
    data[f"crit-{code}"] = "peut-être"
    response = _post(client, due_followup, data)
    assert response.status_code == 400 and "toujours respecté" in html(response)


def test_filed_twice_is_refused(client, login, people, submitted):
    login(people["applicant"])
    response = _post(client, submitted, _form(submitted))
    assert response.status_code == 400 and "déjà été déposé" in html(response)


def test_another_structure_s_people_get_403(client, login, people, due_followup):
    login(people["other"])
    assert client.get(f"/suivis/{due_followup.id}").status_code == 403
    assert _post(client, due_followup, _form(due_followup)).status_code == 403


def test_a_huge_id_is_a_404(client, login, people):
    login(people["secretariat"])
    assert client.get("/suivis/99999999999999999999").status_code == 404


# --- the secretariat ----------------------------------------------------------------------------


def test_the_secretariat_accepts(client, login, people, submitted):
    login(people["secretariat"])
    page = html(client.get(f"/suivis/{submitted.id}"))
    assert "Accepter" in page and "Demander des compléments" in page
    assert client.post(f"/suivis/{submitted.id}/acceptation").status_code == 302
    db.session.expire_all()
    assert submitted.state is State.accepted
    again = client.post(f"/suivis/{submitted.id}/acceptation")
    assert again.status_code == 400 and "déjà été examiné" in html(again)


def test_complements_need_a_reason_and_reach_the_structure(client, login, people, submitted):
    login(people["secretariat"])
    url = f"/suivis/{submitted.id}/complements"
    assert client.post(url, data={"reason": "  "}).status_code == 400
    assert client.post(url, data={"reason": "Les comptes signés."}).status_code == 302
    db.session.expire_all()
    assert submitted.state is State.incomplete
    client.post("/compte/deconnexion")
    login(people["applicant"])
    page = html(client.get(f"/suivis/{submitted.id}"))
    assert "Les comptes signés." in page and "Déposer le suivi" in page


def test_the_structure_cannot_decide(client, login, people, submitted):
    login(people["applicant"])
    assert client.post(f"/suivis/{submitted.id}/acceptation").status_code == 403
    db.session.expire_all()
    assert submitted.state is State.submitted


def test_propose_a_suspension_from_a_flagged_follow_up(client, login, people, label):
    certificate = label(start=TODAY - timedelta(days=365 + 30))
    services.run(TODAY)
    followup = services.next_for(certificate.structure_id, TODAY)
    assert followup.flagged_at is not None
    session = future_session()
    db.session.commit()
    login(people["secretariat"])
    url = f"/suivis/{followup.id}/suspension"
    assert client.post(url, data={"report": ""}).status_code == 400
    response = client.post(url, data={"report": "AG non tenue depuis deux ans."})
    assert response.status_code == 302
    db.session.expire_all()
    [item] = session.items
    assert item.proposal.report == "AG non tenue depuis deux ans."
    assert client.post(url, data={"report": "Encore."}).status_code == 400  # once


def test_the_queue_puts_flagged_first_and_filters(client, login, people, label, create_structure):
    other_epci = next(
        c for c in territories.communes() if c.epci_code and c.epci_code != "200033579"
    )
    late = label(start=TODAY - timedelta(days=365 + 30), name="Retard Flagrant")
    due = label(
        start=TODAY - timedelta(days=365 - 60),
        name="Coopérative Dans Les Temps",
        family=Family.cooperative,
        commune_code=other_epci.code,
        epci_code=other_epci.epci_code,
    )
    services.run(TODAY)
    login(people["secretariat"])
    page = html(client.get("/secretariat/suivis"))
    assert page.index("Retard Flagrant") < page.index("Coopérative Dans Les Temps")
    assert "signalé" in page
    only_due = html(client.get("/secretariat/suivis?etat=due"))
    assert "Coopérative Dans Les Temps" in only_due and "Retard Flagrant" not in only_due
    by_family = html(client.get("/secretariat/suivis?famille=cooperative"))
    assert "Retard Flagrant" not in by_family and "Coopérative Dans Les Temps" in by_family
    by_epci = html(client.get(f"/secretariat/suivis?epci={late.structure.epci_code}"))
    assert "Retard Flagrant" in by_epci and "Coopérative Dans Les Temps" not in by_epci
    assert due.structure.epci_code != late.structure.epci_code
    weird = client.get("/secretariat/suivis?etat=%00&famille=x&epci=" + "9" * 50 + "&page=-1")
    assert weird.status_code == 200


def test_draw_the_sample_once_a_year(client, login, people, label, outbox):
    label(start=TODAY - timedelta(days=100))
    login(people["secretariat"])
    assert "Tirer l'échantillon" in html(client.get("/secretariat/suivis"))
    assert client.post("/secretariat/suivis/echantillon").status_code == 302
    assert db.session.execute(db.select(FollowUp).filter_by(sample=True)).scalar_one()
    again = client.post("/secretariat/suivis/echantillon")
    assert again.status_code == 400 and "déjà été tiré" in html(again)
    assert "Graine du tirage" in html(client.get("/secretariat/suivis"))


def test_only_the_secretariat_sees_the_queue(client, login, people):
    login(people["applicant"])
    assert client.get("/secretariat/suivis").status_code == 403
    assert client.post("/secretariat/suivis/echantillon").status_code == 403


# --- no input gives a 500 -----------------------------------------------------------------------

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
nasty = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["\x00", "é" * 5000, "oui", "non", "-1", "99999999999999999999", "%00"]),
)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["crit-GOV-01", "expl-GOV-01", "obj-1", "x"]), nasty))
def test_the_filing_form_never_crashes(client, login, people, due_followup, data):
    login(people["applicant"])
    response = client.post(f"/suivis/{due_followup.id}", data=data)
    assert response.status_code in (302, 400)
    client.post("/compte/deconnexion")


@FUZZ
@given(args=st.dictionaries(st.sampled_from(["etat", "famille", "epci", "page"]), nasty))
def test_the_queue_filters_never_crash(client, login, people, args):
    login(people["secretariat"])
    assert client.get("/secretariat/suivis", query_string=args).status_code == 200
    client.post("/compte/deconnexion")
