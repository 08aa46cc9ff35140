"""Nobody is made to act for a structure without consenting: adding an address sends an
invitation (only to an applicant account, and the page answers the same whether the address has
one), and the membership exists only once the invited account accepts its link by a POST."""

import re
import time

import pytest
from itsdangerous import TimestampSigner

from cdess.accounts.models import Role
from cdess.accounts.tokens import make_token
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.structures import services
from cdess.structures.models import Membership
from tests.factories import PASSWORD, email_text, html, link_in

SENT = "Une invitation a été envoyée à {} s'il existe un compte porteur de projet à cette adresse"
INVALID = "Ce lien d'invitation n'est pas valide ou a expiré"


@pytest.fixture
def signed_in(client):
    """The test client, logged out then logged in as `user` (the welcome message read)."""

    def as_user(user):
        client.post("/compte/deconnexion")
        response = client.post(
            "/compte/connexion", data={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        client.get(response.headers["Location"])
        return client

    return as_user


@pytest.fixture
def owner(create_user):
    return create_user(Role.applicant, email="responsable@exemple.fr", name="Camille Martin")


@pytest.fixture
def structure(create_structure, owner):
    return create_structure(owner=owner, name="Recyclerie du Ternois")


@pytest.fixture
def invited(create_user):
    return create_user(Role.applicant, email="collegue@exemple.fr", name="Léa Petit")


def members(structure) -> set[int]:
    return set(
        db.session.execute(
            db.select(Membership.user_id).filter_by(structure_id=structure.id)
        ).scalars()
    )


def invite(client, structure, email: str):
    return client.post(f"/structures/{structure.id}/membres", data={"email": email})


@pytest.fixture
def link(signed_in, owner, structure, invited, outbox) -> str:
    """The invitation link emailed to `invited`, as a path."""
    invite(signed_in(owner), structure, invited.email)
    (message,) = outbox()
    return link_in(message)


# --- the inviter learns nothing ---------------------------------------------------------------


def test_a_known_and_an_unknown_address_get_the_same_answer(
    signed_in, owner, structure, invited, create_user, outbox
):
    council = create_user(Role.council_member, email="conseil@exemple.fr")
    client = signed_in(owner)
    pages = {}
    for email in (invited.email, "personne@exemple.fr", council.email):
        response = invite(client, structure, email)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/structures/{structure.id}"
        page = html(client.get(response.headers["Location"]))
        assert SENT.format(email) in page
        pages[email] = page.replace(email, "ADRESSE")
    assert len(set(pages.values())) == 1  # the same page, but for the address typed
    # Only the applicant account was written to, and nobody joined.
    (message,) = outbox()
    assert message["To"] == invited.email
    assert "Recyclerie du Ternois" in message["Subject"]
    text = email_text(message)
    assert "Camille Martin vous invite à agir pour la structure « Recyclerie du Ternois »" in text
    assert "valable 14 jours" in text
    assert members(structure) == {owner.id}


def test_an_address_already_of_the_structure_is_said_so(signed_in, owner, structure, outbox):
    page = html(invite(signed_in(owner), structure, "RESPONSABLE@exemple.fr"))
    assert "Cette personne fait déjà partie de la structure." in page
    assert outbox() == []


def test_an_outsider_cannot_invite(signed_in, structure, invited, outbox):
    assert invite(signed_in(invited), structure, invited.email).status_code == 403
    assert outbox() == []


# --- nothing before consent -------------------------------------------------------------------


def test_no_access_before_acceptance(signed_in, structure, invited, owner, link):
    client = signed_in(invited)
    assert members(structure) == {owner.id}
    assert client.get(f"/structures/{structure.id}").status_code == 403
    page = html(client.get(link))  # reading the invitation is not accepting it
    assert "Camille Martin vous invite à agir pour cette structure" in page
    assert "Ce qu'accepter veut dire" in page and "Recyclerie du Ternois" in page
    assert "responsable@exemple.fr" not in page  # the structure's people stay private
    assert members(structure) == {owner.id}
    assert client.get(f"/structures/{structure.id}").status_code == 403


def test_the_invited_account_accepts_and_the_structure_is_told(
    signed_in, structure, invited, owner, link, outbox
):
    client = signed_in(invited)
    response = client.post(link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/structures/{structure.id}"
    assert members(structure) == {owner.id, invited.id}
    assert "Vous agissez maintenant pour la structure" in html(
        client.get(f"/structures/{structure.id}")
    )
    entry = db.session.execute(
        db.select(AuditEntry).filter_by(action="member_added", subject_id=structure.id)
    ).scalar_one()
    assert entry.actor_id == invited.id
    assert entry.detail == {"member": "Léa Petit", "invited_by": "Camille Martin"}
    told = [m for m in outbox() if m["To"] == owner.email]
    assert len(told) == 1 and "Léa Petit" in told[0]["Subject"]
    assert "a accepté l'invitation de Camille Martin" in email_text(told[0])
    assert [m["To"] for m in outbox()].count(invited.email) == 1  # the invitation only


def test_an_anonymous_visitor_logs_in_first_then_comes_back(client, structure, invited, link):
    client.post("/compte/deconnexion")
    response = client.get(link)
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    response = client.post(
        response.headers["Location"], data={"email": invited.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == link
    assert "Ce qu'accepter veut dire" in html(client.get(link))


# --- refused links ----------------------------------------------------------------------------


def refused(client, link: str, message: str, structure, expected: set[int]) -> None:
    for method in ("GET", "POST"):
        response = client.open(link, method=method)
        assert (
            response.status_code == 302
            and response.headers["Location"] == "/structures/mes-structures"
        )
        assert message in html(client.get(response.headers["Location"]))
    assert members(structure) == expected


def test_another_account_cannot_use_the_link(signed_in, create_user, structure, owner, link):
    stranger = create_user(Role.applicant)
    refused(signed_in(stranger), link, "adressée à un autre compte", structure, {owner.id})
    # Nor can a person of the structure accept it for the invited one.
    refused(signed_in(owner), link, "adressée à un autre compte", structure, {owner.id})


def test_an_expired_link_is_refused(signed_in, monkeypatch, structure, invited, owner, link):
    fifteen_days_later = int(time.time()) + 15 * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: fifteen_days_later)
    refused(signed_in(invited), link, INVALID, structure, {owner.id})


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: token.split(".", 1)[1],  # payload dropped
        lambda token: "eyJ1IjoxLCJzIjoieCJ9." + token.split(".", 1)[1],  # payload replaced
    ],
    ids=["signature", "truncated", "payload"],
)
def test_a_tampered_link_is_refused(signed_in, structure, invited, owner, link, tamper):
    path, token = link.rsplit("/", 1)
    refused(signed_in(invited), f"{path}/{tamper(token)}", INVALID, structure, {owner.id})


def test_a_link_of_another_kind_is_refused(signed_in, structure, invited, owner):
    token = make_token(invited, "invite", structure=structure.id, inviter=owner.id)
    refused(signed_in(invited), f"/structures/rejoindre/{token}", INVALID, structure, {owner.id})


def test_a_used_link_is_refused_and_so_is_it_after_a_removal(
    signed_in, structure, invited, owner, link
):
    client = signed_in(invited)
    client.post(link)
    expected = {owner.id, invited.id}
    refused(client, link, "Vous agissez déjà pour la structure", structure, expected)
    signed_in(owner).post(f"/structures/{structure.id}/membres/{invited.id}/retirer")
    # Removed by the structure, the person cannot come back with the old link.
    refused(signed_in(invited), link, "retiré de la structure", structure, {owner.id})


def test_the_link_dies_when_the_inviter_leaves(
    signed_in, create_user, structure, invited, owner, outbox
):
    colleague = create_user(Role.applicant, email="tresorier@exemple.fr", name="Tom Leroy")
    services.add_member(structure, colleague)
    db.session.commit()
    invite(signed_in(colleague), structure, invited.email)
    link = link_in(outbox()[-1])
    signed_in(owner).post(f"/structures/{structure.id}/membres/{colleague.id}/retirer")
    refused(signed_in(invited), link, "n'agit plus pour la structure", structure, {owner.id})


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_accepting_needs_the_form_s_csrf_token(app, signed_in, structure, invited, owner, link):
    client = signed_in(invited)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(link).status_code == 400  # no token: refused before the view
    assert members(structure) == {owner.id}
    token = csrf_token(html(client.get(link)))
    assert client.post(link, data={"csrf_token": token}).status_code == 302
    assert members(structure) == {owner.id, invited.id}
