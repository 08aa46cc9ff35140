"""Personal-data rights: a person's data (export) and the erasure of an account, by the person
or by the secretariat on request; the journal keeps verifying after it."""

import json

import pytest

from cdess.accounts.models import Role, User
from cdess.applications import services as applications
from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.privacy import services as privacy
from cdess.sessions.models import AgendaItem, BallotReceipt, SessionStatus, Vote
from cdess.sessions.rules import Choice
from cdess.structures import services as structures
from tests.factories import PASSWORD, future_session, html

NBSP = "\u00a0"


def tamper(statement) -> None:
    """Change the table behind the application's back, as someone with database access."""
    with db.engine.begin() as connection:
        connection.execute(statement)
    db.session.expire_all()


def entries(**filters) -> list[AuditEntry]:
    return list(
        db.session.execute(db.select(AuditEntry).filter_by(**filters).order_by(AuditEntry.id))
        .scalars()
        .all()
    )


def erase_form(password: str = PASSWORD) -> dict:
    return {"password": password, "understood": "y"}


@pytest.fixture
def member_of_structure(create_structure, people):
    """The applicant acting for a structure with nothing running (no application)."""
    structure = create_structure(owner=people["applicant"], name="Les Jardins d'Arras")
    return people["applicant"], structure


# --- export ---------------------------------------------------------------------------------


def test_export_holds_the_persons_data_and_nothing_of_anyone_else(
    client, login, ready, people, create_structure
):
    structure, _assessment = ready
    application = applications.create(structure, people["applicant"])
    create_structure(owner=people["other"], name="Coopérative voisine")
    db.session.commit()
    login(people["applicant"])
    page = html(client.get("/compte/donnees"))
    assert "Mes données personnelles" in page and people["applicant"].email in page
    response = client.get("/compte/donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == people["applicant"].email
    assert data["account"]["roles"] == ["applicant"]
    assert [m["structure_id"] for m in data["memberships"]] == [structure.id]
    assert [s["signer_name"] for s in data["charter_signatures"]] == ["Camille Martin"]
    assert [a["id"] for a in data["applications"]] == [application.id]
    assert data["applications"][0]["created_by_you"] is True
    assert [e["action"] for e in data["journal"]["about_account"]] == ["account_created"]
    assert {"structure_created", "charter_signed", "created"} <= {
        e["action"] for e in data["journal"]["by_person"]
    }
    # Someone else's id, in the query or the path, gives nothing of theirs.
    text = response.get_data(as_text=True)
    assert people["other"].email not in text and "Coopérative voisine" not in text
    other = client.get(f"/compte/donnees.json?id={people['other'].id}").get_data(as_text=True)
    assert people["other"].email not in other and people["applicant"].email in other
    assert client.get(f"/compte/donnees/{people['other'].id}").status_code == 404
    assert client.get(f"/compte/donnees.json/{people['other'].id}").status_code == 404


def test_export_lists_open_votes_and_never_a_secret_choice(client, login, ready, people):
    structure, _assessment = ready
    member = people["member"]
    application = applications.create(structure, people["applicant"])
    session = future_session()
    open_item = AgendaItem(session=session, application_id=application.id, position=1)
    secret_item = AgendaItem(session=session, position=2, secret=True, title="Point secret")
    db.session.add_all([open_item, secret_item])
    db.session.flush()
    db.session.add(
        Vote(item_id=open_item.id, member_id=member.id, cast_by_id=member.id, choice=Choice.pour)
    )
    db.session.add(BallotReceipt(item_id=secret_item.id, member_id=member.id))
    secret_item.secret_contre = 1
    db.session.commit()
    login(member)
    data = client.get("/compte/donnees.json").get_json()
    assert [(v["item_id"], v["choice"]) for v in data["open_votes"]] == [(open_item.id, "pour")]
    assert [(b["item_id"], b["choice"]) for b in data["secret_ballots"]] == [(secret_item.id, None)]
    assert "contre" not in json.dumps(data)


# --- erasure by the person ------------------------------------------------------------------


def test_erasure_pseudonymises_the_account_and_ends_every_session(
    app, client, login, member_of_structure, people
):
    user, structure = member_of_structure
    name, email, version = user.display_name, user.email, user.session_version
    login(user)
    other_device = app.test_client()
    other_device.post("/compte/connexion", data={"email": email, "password": PASSWORD})
    assert "Supprimer définitivement" in html(client.get("/compte/supprimer"))
    response = client.post("/compte/supprimer", data=erase_form())
    assert response.status_code == 302 and response.location.endswith("/")
    db.session.expire_all()
    erased = db.session.get(User, user.id)
    assert erased.email == f"supprime-{user.id}@invalid"
    assert erased.display_name == f"Compte supprimé n° {user.id}"
    assert erased.password_hash is None and not erased.active and erased.erased_at
    assert erased.session_version == version + 1 and erased.roles == frozenset()
    assert erased.memberships == []
    for device in (client, other_device):  # logged out everywhere
        assert device.get("/compte/").status_code == 302
    # The journal: the erasure without what was erased, the structure's leaving, and nothing
    # left of the name or the address in the entries written since scheme 3.
    erasure = entries(action="account_erased")[-1]
    assert erasure.detail == {"by": "person"} and erasure.actor_id == user.id
    left = entries(subject_kind="structure", action="member_removed")[-1]
    assert left.detail == {"member": erased.display_name, "member_id": user.id}
    for entry in entries():
        text = json.dumps([entry.actor_name, entry.detail, entry.reason], ensure_ascii=False)
        assert name not in text and email not in text, entry.action
    assert audit.verify().intact
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "Journal intact" in result.output
    # The pages now show the pseudonym: the secretariat's journal, the structure's people.
    login(people["secretariat"])
    page = html(client.get(f"/secretariat/journal?sujet=structure&id={structure.id}"))
    assert f"Compte supprimé n° {user.id}" in page and name not in page
    # The old address opens nothing any more.
    client.post("/compte/deconnexion")
    response = client.post("/compte/connexion", data={"email": email, "password": PASSWORD})
    assert response.status_code == 200 and "Adresse ou mot de passe incorrect" in html(response)


@pytest.mark.parametrize(
    "form",
    [erase_form("mauvais mot de passe"), {"password": PASSWORD}, {}],
    ids=["wrong password", "not confirmed", "empty"],
)
def test_erasure_needs_the_password_and_the_confirmation(client, login, people, form):
    user = people["applicant"]
    login(user)
    response = client.post("/compte/supprimer", data=form)
    assert response.status_code == 200
    page = html(response)
    assert "Mot de passe incorrect" in page or "obligatoire" in page or "Cochez" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).erased_at is None


def test_erasure_waits_while_a_session_is_open_for_the_member(client, login, people):
    member = people["member"]
    member.voting_right = True
    session = future_session()
    session.status = SessionStatus.open
    db.session.commit()
    login(member)
    page = html(client.get("/compte/supprimer"))
    assert "Une séance du conseil est en cours" in page
    assert "Supprimer définitivement" not in page
    response = client.post("/compte/supprimer", data=erase_form())
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(User, member.id).erased_at is None
    session = db.session.merge(session)
    session.status = SessionStatus.closed
    db.session.commit()
    assert client.post("/compte/supprimer", data=erase_form()).status_code == 302


def test_the_last_person_of_a_structure_with_a_running_file_hands_over_first(
    client, login, ready, people, create_user
):
    structure, _assessment = ready
    user = people["applicant"]
    applications.create(structure, user)
    db.session.commit()
    login(user)
    page = html(client.get("/compte/supprimer"))
    assert f"dernier à agir pour «{NBSP}{structure.name}{NBSP}»" in page
    assert f'href="/structures/{structure.id}"' in page
    assert client.post("/compte/supprimer", data=erase_form()).status_code == 409
    colleague = create_user(Role.applicant)
    structures.add_member(db.session.merge(structure), colleague, colleague)
    db.session.commit()
    assert client.post("/compte/supprimer", data=erase_form()).status_code == 302
    db.session.expire_all()
    assert [m.user_id for m in db.session.merge(structure).memberships] == [colleague.id]


def test_the_last_administrator_stays(create_user):
    admin = create_user(Role.admin)
    with pytest.raises(privacy.ErasureRefused, match="dernier compte administrateur"):
        privacy.erase(admin, admin, privacy.BY_PERSON)
    create_user(Role.admin)
    privacy.erase(admin, admin, privacy.BY_PERSON)
    assert admin.erased_at is not None


# --- by the secretariat, on request ---------------------------------------------------------


def test_the_secretariat_exports_and_erases_on_request(client, login, people):
    user, agent = people["applicant"], people["secretariat"]
    login(agent)
    response = client.get(f"/admin/utilisateurs/{user.id}/donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.get_json()["account"]["email"] == user.email
    assert "Supprimer ce compte" in html(client.get(f"/admin/utilisateurs/{user.id}"))
    # A reason is required.
    response = client.post(f"/admin/utilisateurs/{user.id}/supprimer", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).erased_at is None
    response = client.post(
        f"/admin/utilisateurs/{user.id}/supprimer",
        data={"erase-reason": "Demande écrite du 2 décembre"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).erased_at is not None
    erasure = entries(action="account_erased")[-1]
    assert erasure.detail == {"by": "secretariat"} and erasure.actor_id == agent.id
    assert erasure.reason == "Demande écrite du 2 décembre"
    page = html(client.get(f"/admin/utilisateurs/{user.id}"))
    assert "Compte supprimé le" in page and "Supprimer ce compte" not in page
    # Once erased, it cannot be erased again.
    again = client.post(f"/admin/utilisateurs/{user.id}/supprimer", data={"erase-reason": "x"})
    assert again.status_code == 403


def test_the_secretariat_meets_the_same_refusals(client, login, people):
    member = people["member"]
    member.voting_right = True
    future_session().status = SessionStatus.open
    db.session.commit()
    login(people["secretariat"])
    response = client.post(
        f"/admin/utilisateurs/{member.id}/supprimer", data={"erase-reason": "Demande"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).erased_at is None
    assert "Une séance du conseil est en cours" in html(client.get(response.location))


def test_an_applicant_cannot_reach_the_secretariats_tools(client, login, people):
    login(people["other"])
    target = people["applicant"].id
    assert client.get(f"/admin/utilisateurs/{target}/donnees.json").status_code == 403
    response = client.post(f"/admin/utilisateurs/{target}/supprimer", data={"erase-reason": "x"})
    assert response.status_code == 403


# --- the journal ------------------------------------------------------------------------------


def test_the_journal_still_detects_tampering_after_an_erasure(member_of_structure):
    user, _structure = member_of_structure
    privacy.erase(user, user, privacy.BY_PERSON)
    db.session.commit()
    assert audit.verify().intact
    table = AuditEntry.__table__
    created = entries(action="account_created", subject_id=user.id)[0]
    # An erased value may only be a pseudonym; a sealed one must match its digest.
    forged = {**created.detail, "email": "x@y.fr"}
    tamper(table.update().where(table.c.id == created.id).values(detail=forged))
    problems = audit.verify().problems
    assert len(problems) == 1 and "contenu modifié après coup" in problems[0]


def test_entries_of_earlier_schemes_stay_as_legal_records(member_of_structure):
    """A scheme-2 entry hashes the name itself: erasing would break the anchors, so it stays."""
    user, _structure = member_of_structure
    head = audit.head()
    legacy = AuditEntry(
        scheme=2,
        subject_kind="user",
        subject_id=user.id,
        action="account_changed",
        actor_id=user.id,
        actor_name=user.display_name,
        from_state="",
        to_state="",
        reason="",
        detail={"email": user.email},
        at=audit.utcnow(),
        prev_hash=head.hash,
    )
    legacy.hash = audit.entry_hash(legacy)
    db.session.add(legacy)
    db.session.commit()
    name = user.display_name
    privacy.erase(user, user, privacy.BY_PERSON)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(AuditEntry, legacy.id)
    assert kept.actor_name == name and audit.verify().intact


def test_pending_invitations_die_and_copied_names_take_the_pseudonym(
    member_of_structure, people, create_user
):
    from cdess.accounts.tokens import make_token, read_link, read_token
    from cdess.applications.models import Application, InternalNote, State
    from cdess.structures import invitations

    user, structure = member_of_structure
    invited = create_user(Role.applicant)
    invitation = make_token(user, "invite")
    joining = make_token(invited, invitations.PURPOSE, structure=structure.id, inviter=user.id)
    agent = people["secretariat"]
    application = Application(structure_id=structure.id, state=State.withdrawn)
    db.session.add(application)
    db.session.flush()
    note = InternalNote(
        application_id=application.id,
        author_id=agent.id,
        author_name=agent.display_name,
        text="Pièces reçues.",
    )
    db.session.add(note)
    db.session.commit()
    privacy.erase(agent, agent, privacy.BY_PERSON)
    privacy.erase(user, user, privacy.BY_PERSON)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(InternalNote, note.id).author_name == f"Compte supprimé n° {agent.id}"
    assert read_token(invitation, "invite") is None
    assert read_link(joining, invitations.PURPOSE) is not None  # the link itself is sound
    with pytest.raises(invitations.InvitationRefused):  # but its inviter acts for nobody now
        invitations.read(joining, db.session.get(User, invited.id))
