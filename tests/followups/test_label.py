"""« Mon label »: the structure's own page of its label (status, validity, next follow-up,
objectives, certificate and history), who may read it, and the renewal's steps on it and on
the structure's page once the label ends within the renewal window."""

from datetime import date, timedelta

import pytest

from cdess.accounts.models import Role
from cdess.applications import services as applications
from cdess.applications.models import Kind, Objective, State
from cdess.certificates import services as certificates
from cdess.extensions import db
from cdess.followups.label import in_window, label_of, renewal_steps
from cdess.sessions.live import local_date
from tests.factories import add_documents, html, new_application

DAY = timedelta(days=1)


@pytest.fixture
def labelled(ready, people):
    """A function giving the ready structure a label issued on `start` (two years long), with
    one progress objective. Committed."""

    def make(start: date):
        application = new_application(*ready, state=State.granted)
        application.objectives.append(
            Objective(
                criterion_code="GOV-03",
                target_date=start + 300 * DAY,
                text="Ouvrir l'assemblée générale aux salariés",
            )
        )
        certificate = certificates.issue(application, people["secretariat"], today=start)
        db.session.commit()
        return certificate

    return make


# --- the rules of the page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed", "assessed", "state", "done"),
    [
        (False, False, None, [False, False, False, False]),
        (True, False, None, [True, False, False, False]),
        (True, True, None, [True, True, False, False]),
        (True, True, State.draft, [True, True, False, False]),  # opened, not filed
        (True, False, State.submitted, [True, True, True, False]),  # filed: assessed with it
        (True, True, State.incomplete, [True, True, True, False]),
        (True, True, State.scheduled, [True, True, True, False]),
        (True, True, State.deferred, [True, True, True, False]),
        (True, True, State.granted, [True, True, True, True]),
        (True, True, State.certified, [True, True, True, True]),
        (True, True, State.refused, [True, True, False, False]),  # refused: file another
        (True, False, State.withdrawn, [True, False, False, False]),
        (False, True, State.not_admissible, [False, True, False, False]),
    ],
)
def test_renewal_steps(signed, assessed, state, done):
    steps = renewal_steps(signed=signed, assessed=assessed, renewal_state=state)
    assert [key for key, _done in steps] == ["sign", "assess", "file", "session"]
    assert [d for _key, d in steps] == done


TODAY = date(2027, 3, 15)


@pytest.mark.parametrize(
    ("until", "renewing", "expected"),
    [
        (date(2027, 9, 16), False, False),  # six months and a day
        (date(2027, 9, 15), False, True),  # six months
        (date(2027, 3, 16), False, True),
        (TODAY, False, True),  # its last day
        (date(2027, 3, 14), False, False),  # ended
        (date(2027, 3, 14), True, True),  # kept past its end by a renewal filed in time
        (date(2027, 9, 15), True, True),
    ],
)
def test_in_window(until, renewing, expected):
    assert in_window(until, TODAY, 6, renewing) is expected


# --- the page ---------------------------------------------------------------------------------


def test_the_structure_sees_its_label(app, ready, people, labelled, client, login):
    structure = ready[0]
    certificate = labelled(date.today() - 30 * DAY)
    login(people["applicant"])
    page = html(client.get(f"/structures/{structure.id}/label"))
    assert "<h1>Mon label</h1>" in page
    assert "Label valide" in page
    start, end = certificate.valid_from, certificate.valid_until
    first = {1: "1er"}  # French writes the first of a month « 1er »
    assert f"du {first.get(start.day, start.day)} " in page
    assert f"au {first.get(end.day, end.day)} " in page and str(end.year) in page
    # The next follow-up: on the label's first anniversary, not open yet, and what it needs.
    assert "Prochain suivi annuel" in page and "à venir" in page
    assert "procès-verbal de la dernière assemblée générale ;" in page
    assert "derniers comptes annuels ;" in page
    # The objective, its criterion then and now, the certificate, its history.
    assert "Ouvrir l'assemblée générale aux salariés" in page and "GOV-03" in page
    assert f"/certificats/{certificate.number}.pdf" in page
    assert f"/verification/{certificate.number}" in page
    assert "Historique du statut" in page and "Certificat délivré." in page
    # Not in the renewal window: no steps.
    assert "Renouvellement du label" not in page
    # The menu's entry goes straight to it.
    response = client.get("/structures/mon-label")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/structures/{structure.id}/label")
    assert 'href="/structures/mon-label"' in page


def test_a_structure_without_label(app, ready, people, client, login):
    login(people["applicant"])
    page = html(client.get(f"/structures/{ready[0].id}/label"))
    assert "n'a pas encore de label" in page and "Historique du statut" not in page


def test_who_reads_the_label(app, ready, people, labelled, client, login, create_structure):
    labelled(date.today())
    url = f"/structures/{ready[0].id}/label"
    assert client.get(url).status_code == 302  # to the login page
    create_structure(owner=people["other"])  # the intruder acts for a structure of their own
    login(people["other"])
    assert client.get(url).status_code == 403
    assert client.get("/structures/999999/label").status_code == 404
    assert client.get("/structures/99999999999999999999999/label").status_code == 404
    client.post("/compte/deconnexion")
    login(people["secretariat"])
    page = html(client.get(url))
    assert "Le label de la structure" in page and "Label valide" in page  # read-only
    assert client.get("/structures/mon-label").status_code == 403  # no structure of theirs


def test_several_structures_choose(app, ready, people, labelled, client, login, create_structure):
    labelled(date.today())
    other = create_structure(owner=people["applicant"], name="Coopérative du Ternois")
    login(people["applicant"])
    page = html(client.get("/structures/mon-label"))
    assert "Coopérative du Ternois" in page and "Pas encore de label." in page
    assert f"/structures/{ready[0].id}/label" in page and f"/structures/{other.id}/label" in page
    assert "Label valide jusqu'au" in page


def test_a_follow_up_open_links_to_its_page(app, ready, people, labelled, client, login):
    from cdess.followups import services as followups

    certificate = labelled(date(2026, 1, 15))
    followups.run(date(2026, 11, 16))  # opened 60 days before its day, 15 January 2027
    db.session.commit()
    with app.test_request_context():
        label = label_of(ready[0], date(2026, 11, 20))
    assert label.follow_up.day == date(2027, 1, 15)
    assert label.follow_up.url.startswith("/suivis/")
    assert not label.in_window and certificate.is_valid


# --- renewal on time --------------------------------------------------------------------------


def test_the_renewal_steps_in_the_window(app, ready, people, labelled, client, login):
    structure, assessment = ready
    # Certified 21 months ago: the label ends within three months.
    certificate = labelled(local_date() - timedelta(days=640))
    login(people["applicant"])
    for url in (f"/structures/{structure.id}/label", f"/structures/{structure.id}"):
        page = html(client.get(url))
        assert "Renouvellement du label" in page
        assert "Fait :</span> Signer la charte en vigueur" in page
        # The assessment the label was granted on is not an update.
        assert "Prochaine étape :" in page
        assert "Mettre à jour l'auto-évaluation" in page
        assert "Renouveler le label" in page
        assert "Renouvellement en cours" not in page
    # The structure opens the renewal from the page, updates its assessment and files it.
    response = client.post(f"/candidatures/{certificate.application_id}/renouvellement")
    assert response.status_code == 302
    renewal = applications.open_application(structure)
    assert renewal.kind is Kind.renewal
    page = html(client.get(f"/structures/{structure.id}/label"))
    assert f'href="/candidatures/{renewal.id}"' in page  # the step links to the open file
    assert "Renouveler le label" not in page
    applications.attach_assessment(renewal, assessment, people["applicant"])
    add_documents(renewal, people["applicant"])
    (objective,) = certificate.application.objectives
    applications.report_objective(renewal, objective, "AG ouverte aux salariés en juin.")
    applications.transition(renewal, "submit", people["applicant"])
    db.session.commit()
    page = html(client.get(f"/structures/{structure.id}/label"))
    assert "Renouvellement en cours" in page and "renouvellement en cours" in page
    assert "Fait :</span> Déposer la demande de renouvellement (déposée le" in page
    assert "Prochaine étape :</strong>" in page and "Examen par le conseil en séance" in page
    assert "séance du" in page
    structure_page = html(client.get(f"/structures/{structure.id}"))
    assert "renouvellement en cours" in structure_page


def test_staff_read_the_steps_without_acting(app, ready, people, labelled, client, login):
    labelled(local_date() - timedelta(days=640))
    login(people["secretariat"])
    page = html(client.get(f"/structures/{ready[0].id}/label"))
    assert "Renouvellement du label" in page
    assert "Renouveler le label" not in page
    assert "/charte" not in page.split("Renouvellement du label")[1].split("</section>")[0]


@pytest.mark.parametrize(
    ("role", "owns", "shown"),
    [
        (Role.applicant, True, True),  # acts for a structure
        (Role.applicant, False, False),  # no structure yet
        (Role.secretariat, False, False),
    ],
)
def test_the_menu_names_mon_label_for_structure_people_only(
    app, create_user, create_structure, client, login, role, owns, shown
):
    user = create_user(role)
    if owns:
        create_structure(owner=user)
    login(user)
    assert ('href="/structures/mon-label"' in html(client.get("/"))) is shown
