"""The application pages through the test client: apply, attach, submit, complements,
the queue with its counts and filters."""

import io

from cdess.applications import evidence
from cdess.applications.models import Application, State
from cdess.extensions import db
from tests.factories import PDF, email_text, html, link_in


def test_apply_submit_complements_resubmit(client, login, ready, people, outbox):
    structure, assessment = ready
    login(people["applicant"])
    assert "Candidater au label" in html(client.get(f"/structures/{structure.id}"))
    response = client.post(f"/structures/{structure.id}/candidatures")
    application = db.session.execute(db.select(Application)).scalar_one()
    assert response.headers["Location"].endswith(f"/candidatures/{application.id}")
    page = html(client.get(f"/candidatures/{application.id}"))
    assert "Rattachez une auto-évaluation terminée." in page and "brouillon" in page

    # Submitting too early is refused with the reason, nothing changes.
    client.post(f"/candidatures/{application.id}/actions/submit")
    db.session.expire_all()
    assert application.state is State.draft
    client.post(
        f"/candidatures/{application.id}/auto-evaluation",
        data={"assessment_id": str(assessment.id)},
    )
    page = html(client.get(f"/candidatures/{application.id}"))
    assert "Pièce manquante : Statuts" in page
    db.session.expire_all()
    for slot in evidence.slots(application):
        response = client.post(
            f"/candidatures/{application.id}/pieces",
            data={"slot": slot.key, "file": (io.BytesIO(PDF), f"{slot.key}.pdf")},
        )
        assert response.status_code == 302, slot
    assert "Le dossier est complet" in html(client.get(f"/candidatures/{application.id}"))
    client.post(f"/candidatures/{application.id}/actions/submit")
    db.session.expire_all()
    assert application.state is State.submitted and application.snapshot
    # Acknowledgement to the applicant, news to the secretariat.
    sent = {(m["To"], m["Subject"]) for m in outbox()}
    assert (people["applicant"].email, f"Dossier déposé — {structure.name}") in sent
    assert (people["secretariat"].email, f"Nouveau dossier à vérifier — {structure.name}") in sent

    # The secretariat asks for complements with a message the applicant reads.
    client.post("/compte/deconnexion")
    login(people["secretariat"])
    queue = html(client.get("/secretariat/candidatures?state=submitted"))
    assert structure.name in queue and "1 dossier" in queue
    client.post(f"/candidatures/{application.id}/actions/request_complements", data={"comment": ""})
    db.session.expire_all()
    assert application.state is State.submitted  # a message is required
    client.post(
        f"/candidatures/{application.id}/actions/request_complements",
        data={"comment": "Merci de joindre les statuts signés."},
    )
    complements = outbox()[-1]
    assert complements["To"] == people["applicant"].email
    assert "Merci de joindre les statuts signés." in email_text(complements)
    assert link_in(complements) == f"/candidatures/{application.id}"
    client.post("/compte/deconnexion")
    login(people["applicant"])
    page = html(client.get(f"/candidatures/{application.id}"))
    assert "Merci de joindre les statuts signés." in page and "à compléter" in page
    # The applicant cannot declare their own file admissible, even by a crafted post.
    assert (
        client.post(f"/candidatures/{application.id}/actions/declare_admissible").status_code == 403
    )
    client.post(f"/candidatures/{application.id}/actions/resubmit")
    db.session.expire_all()
    assert [e.to_state for e in application.transitions] == ["submitted", "incomplete", "submitted"]


def test_queue_counts_and_filters(client, login, ready, people):
    structure, _assessment = ready
    for state in (State.draft, State.submitted, State.submitted):
        db.session.add(Application(structure_id=structure.id, state=state))
    db.session.commit()
    login(people["secretariat"])
    page = html(client.get("/secretariat/candidatures"))
    assert "3 dossiers" in page
    assert "1 dossier" in html(client.get("/secretariat/candidatures?state=draft"))
    assert "0 dossier" in html(client.get("/secretariat/candidatures?family=fondation"))
    assert "3 dossiers" in html(client.get("/secretariat/candidatures?state=%00nimportequoi"))
