"""User and collège administration by the secretariat."""

import pytest

from cdess.accounts.models import College, Role, User
from cdess.extensions import db
from tests.factories import html


@pytest.fixture
def agent(create_user, login):
    user = create_user(Role.secretariat)
    login(user)
    return user


def test_users_list_filters_and_paginates(client, agent, create_user, app):
    app.config["PER_PAGE"] = 5
    for _ in range(7):
        create_user(Role.council_member)
    create_user(Role.applicant, name="Zoé Unique")
    page = html(client.get("/admin/utilisateurs?role=council_member"))
    assert "7 comptes" in page and "Page 1 sur 2" in page
    page = html(client.get("/admin/utilisateurs?q=zoé"))
    assert "1 compte" in page and "Zoé Unique" in page
    assert client.get("/admin/utilisateurs?q=%25_&role=inconnu&page=999").status_code == 200


def test_change_roles_college_and_deactivate(client, agent, create_user):
    member = create_user(Role.applicant)
    college = db.session.execute(db.select(College).order_by(College.position)).scalars().first()
    response = client.post(
        f"/admin/utilisateurs/{member.id}",
        data={
            "roles": ["council_member", "president"],
            "college_id": college.id,
            "voting_right": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert member.roles == {Role.council_member, Role.president}
    assert member.college_id == college.id and member.voting_right and not member.active


def test_voting_right_needs_a_council_role(client, agent, create_user):
    member = create_user(Role.applicant)
    client.post(
        f"/admin/utilisateurs/{member.id}",
        data={"roles": ["applicant"], "voting_right": "y", "active": "y"},
    )
    db.session.expire_all()
    assert member.voting_right is False


def test_agent_cannot_lock_themselves_out(client, agent):
    response = client.post(f"/admin/utilisateurs/{agent.id}", data={"roles": ["secretariat"]})
    assert "désactiver votre propre compte" in html(response)
    response = client.post(
        f"/admin/utilisateurs/{agent.id}", data={"roles": ["applicant"], "active": "y"}
    )
    assert "retirer vos propres droits" in html(response)
    db.session.expire_all()
    assert agent.active and agent.roles == {Role.secretariat}


def test_only_an_admin_makes_admins(client, agent, create_user):
    member = create_user(Role.applicant)
    response = client.post(
        f"/admin/utilisateurs/{member.id}", data={"roles": ["admin"], "active": "y"}
    )
    assert "Choisissez parmi les valeurs proposées." in html(response)
    db.session.expire_all()
    assert member.roles == {Role.applicant}
    admin = create_user(Role.admin)
    assert client.get(f"/admin/utilisateurs/{admin.id}").status_code == 403


def test_invite_duplicate_email_refused(client, agent, create_user):
    existing = create_user()
    response = client.post(
        "/admin/utilisateurs/inviter",
        data={
            "display_name": "X",
            "email": existing.email.upper(),
            "roles": ["council_member"],
            "college_id": 0,
        },
    )
    assert "Un compte existe déjà" in html(response)


def test_resend_invitation(client, agent, create_user, outbox):
    invited = create_user(Role.council_member, password=None)
    db.session.execute(db.update(User).where(User.id == invited.id).values(password_hash=None))
    db.session.commit()
    client.post(f"/admin/utilisateurs/{invited.id}/renvoyer-invitation")
    assert "Invitation" in outbox()[-1]["Subject"]


def test_colleges_default_add_rename(client, agent):
    page = html(client.get("/admin/colleges"))
    assert page.count("Collège ") >= 9 and "Personnalités qualifiées" in page
    response = client.post(
        "/admin/colleges", data={"name": "Collège 10 — Jeunesse", "position": 10}
    )
    assert response.status_code == 302
    response = client.post("/admin/colleges", data={"name": "Collège 10 — Jeunesse"})
    assert "Un collège porte déjà ce nom." in html(response)
    college = db.session.execute(db.select(College).filter_by(position=10)).scalar_one()
    response = client.post(
        f"/admin/colleges/{college.id}", data={"name": "Jeunesse", "position": 11}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert college.name == "Jeunesse"
