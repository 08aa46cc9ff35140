"""Numbers read from the query string and from forms: `?page=` on every list is clamped (the
first page for a missing, malformed, zero or negative one, the last for one past the end,
however large), and an id posted in a form that the database cannot hold is refused (400, or
the form's own refusal), never a 500 from an overflow in the database driver."""

import re

import pytest

from cdess.accounts.models import Role
from cdess.certificates import services as certificates
from cdess.extensions import db
from cdess.sessions import services as sessions
from tests.factories import future_session, html, new_application

HUGE = "99999999999999999999"

LISTS = [
    "/registre",
    "/secretariat/candidatures",
    "/structures/",
    "/certificats",
    "/admin/utilisateurs",
    "/secretariat/journal",
]

# ?page= → which page is shown
PAGES = [
    (HUGE, "last"),
    ("2147483648", "last"),
    ("999", "last"),
    ("-1", "first"),
    ("0", "first"),
    ("abc", "first"),
    ("1e9", "first"),
    ("", "first"),
    ("2", "second"),
]


@pytest.fixture
def app_config():
    return {"PER_PAGE": 2}


@pytest.fixture
def lists(app, grant, people):
    """Three labelled structures: more than a page in each list (two a page)."""
    for n in range(3):
        certificates.issue(grant(name=f"Recyclerie {n}"), people["secretariat"])
    db.session.commit()


def shown(response) -> tuple[int, int]:
    """(the page shown, the number of pages) read from the pager."""
    found = re.search(r"Page (\d+) sur (\d+)", html(response))
    assert found, "no pager on the page"
    return int(found.group(1)), int(found.group(2))


@pytest.mark.parametrize("path", LISTS)
def test_every_list_clamps_its_page(client, login, people, lists, path):
    login(people["secretariat"] if path != "/admin/utilisateurs" else people["admin"])
    for value, expected in PAGES:
        response = client.get(path, query_string={"page": value})
        assert response.status_code == 200, (path, value, response.status_code)
        page, pages = shown(response)
        assert pages >= 2, path
        assert page == {"first": 1, "second": 2, "last": pages}[expected], (path, value)


def test_an_empty_list_past_its_end_is_its_first_page(client):
    response = client.get("/registre", query_string={"page": HUGE})
    assert response.status_code == 200
    assert "Page " not in html(response)  # one page, no pager


@pytest.fixture
def people(people, create_user):
    people["admin"] = create_user(Role.admin)
    people["president"].voting_right = True
    db.session.commit()
    return people


@pytest.fixture
def agenda(app, people):
    """A planned session with an information item."""
    session = future_session()
    sessions.add_information_item(session, "Point d'information", people["secretariat"])
    db.session.commit()
    return session


@pytest.mark.parametrize("value", [HUGE, "2147483648", "-5", "douze"])
def test_form_ids_the_database_cannot_hold_are_refused(client, login, people, ready, agenda, value):
    login(people["secretariat"])
    (item,) = agenda.items
    staff = [
        ("/seances/calendrier", {"year": value}, 400),
        (f"/seances/{agenda.id}/ordre-du-jour", {"application_id": value}, 400),
        (f"/seances/points/{item.id}/rapporteur", {"rapporteur_id": value}, 400),
    ]
    for path, data, status in staff:
        assert client.post(path, data=data).status_code == status, (path, data)
    client.post("/compte/deconnexion")
    login(people["president"])
    president = [
        (f"/seances/{agenda.id}/ouverture", {"secretary_id": value}, 302),  # « choose one »
        (f"/seances/{agenda.id}/presence", {"member_id": value}, 400),
        (f"/conseil/seances/{agenda.id}/pouvoir", {"holder_id": value}, 302),  # « choose one »
        (f"/seances/points/{item.id}/vote", {"choice": "pour", "member_id": value}, 400),
    ]
    for path, data, status in president:
        assert client.post(path, data=data).status_code == status, (path, data)
    client.post("/compte/deconnexion")
    login(people["applicant"])
    structure, assessment = ready
    draft = new_application(structure, assessment)
    response = client.post(
        f"/candidatures/{draft.id}/auto-evaluation", data={"assessment_id": value}
    )
    assert response.status_code == 302  # « choose a finished self-assessment »
    db.session.refresh(draft)
    assert draft.assessment_id == assessment.id


@pytest.mark.parametrize("value", [HUGE, "²", "-1", "abc"])
def test_the_journal_reads_a_subject_id_it_cannot_hold_as_none(client, login, people, value):
    login(people["secretariat"])
    response = client.get("/secretariat/journal", query_string={"sujet": "user", "id": value})
    assert response.status_code == 200
