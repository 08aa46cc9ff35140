"""Registration, confirmation, login, password reset, invitations, rate limits."""

import pytest

from cdess.accounts.models import Role, User
from cdess.extensions import db
from tests.factories import PASSWORD, email_text, html, link_in

REGISTRATION = {
    "display_name": "Camille Lefebvre",
    "email": "Camille@Exemple.fr",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def test_register_confirm_and_login(client, outbox):
    response = client.post("/compte/inscription", data=REGISTRATION)
    assert response.status_code == 302
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "camille@exemple.fr"  # stored in lower case
    assert user.roles == {Role.applicant}
    assert user.password_hash != PASSWORD and user.check_password(PASSWORD)

    # Not confirmed yet: login refused, and a fresh link is sent.
    response = client.post(
        "/compte/connexion", data={"email": "camille@exemple.fr", "password": PASSWORD}
    )
    assert "pas encore confirmée" in html(response)
    messages = outbox()
    assert len(messages) == 2
    assert messages[0]["To"] == "camille@exemple.fr"
    assert "Confirmez votre adresse" in messages[0]["Subject"]
    assert "http://cdess.test/compte/confirmer/" in email_text(messages[0])

    response = client.get(link_in(messages[0]))
    assert response.status_code == 302
    response = client.post(
        "/compte/connexion", data={"email": "CAMILLE@exemple.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "Camille Lefebvre" in html(client.get("/"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "pas-une-adresse", "Saisissez une adresse électronique valide"),
        ("password", "court", "au moins 12 caractères"),
        ("confirm", "autre-mot-de-passe-62", "ne sont pas identiques"),
        ("display_name", "", "Ce champ est obligatoire."),
    ],
)
def test_register_errors_are_french_and_keep_input(client, field, value, message):
    data = dict(REGISTRATION, **{field: value})
    if field == "password":
        data["confirm"] = value
    response = client.post("/compte/inscription", data=data)
    page = html(response)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    assert f'id="{field}-erreur"' in page
    if field != "display_name":
        assert 'value="Camille Lefebvre"' in page
    assert db.session.execute(db.select(User)).first() is None


def test_password_equal_to_email_refused(client):
    data = dict(
        REGISTRATION,
        email="camille.lefebvre@ex.fr",
        password="camille.lefebvre@ex.fr",
        confirm="camille.lefebvre@ex.fr",
    )
    assert "ne doit pas être votre adresse" in html(client.post("/compte/inscription", data=data))


def test_duplicate_email_case_insensitive(client, create_user, outbox):
    """No second account; the page says nothing (tests/security/test_login.py compares it with a
    new address's) and the owner is told by email."""
    create_user(email="camille@exemple.fr")
    response = client.post("/compte/inscription", data=REGISTRATION)
    assert response.status_code == 302
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1
    [message] = outbox()
    assert message["To"] == "camille@exemple.fr" and "Tentative" in message["Subject"]


def test_email_unique_in_database(app, create_user):
    create_user(email="a@exemple.fr")
    db.session.add(User(email="a@exemple.fr", display_name="Doublon"))
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_confirmation_link_tampered_or_reused(client, outbox):
    client.post("/compte/inscription", data=REGISTRATION)
    link = link_in(outbox()[0])
    assert client.get(link[:-3] + "xyz").status_code == 302
    assert db.session.execute(db.select(User)).scalar_one().email_confirmed_at is None
    client.get(link)
    response = client.get(link, follow_redirects=True)
    assert "n'est pas valide" in html(response)


@pytest.mark.parametrize(
    ("email", "password"),
    [("inconnu@exemple.fr", PASSWORD), ("applicant1@exemple.fr", "mauvais-mot-de-passe")],
)
def test_login_failure_says_nothing_more(client, create_user, email, password):
    create_user()
    response = client.post("/compte/connexion", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "Adresse ou mot de passe incorrect." in html(response)


def test_inactive_account_cannot_log_in(client, create_user):
    user = create_user(active=False)
    response = client.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert "Adresse ou mot de passe incorrect." in html(response)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/compte/", "/compte/"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_login_redirects_only_to_local_paths(client, create_user, target, expected):
    user = create_user()
    response = client.post(
        f"/compte/connexion?next={target}", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == expected


def test_logout_is_a_post(client, create_user, login):
    login(create_user())
    assert client.get("/compte/deconnexion").status_code == 405
    assert client.post("/compte/deconnexion").status_code == 302
    assert client.get("/compte/").status_code == 302


def test_password_reset_flow_single_use(client, create_user, outbox):
    user = create_user()
    response = client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    assert response.status_code == 302
    link = link_in(outbox()[-1])
    new = "un-nouveau-mot-de-passe"
    response = client.post(link, data={"password": new, "confirm": new})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.check_password(new)
    # The link served once: the password changed, so the token no longer matches.
    response = client.post(link, data={"password": "encore-un-autre-mdp", "confirm": "x"})
    assert response.status_code == 302 and "mot-de-passe-oublie" in response.headers["Location"]


def test_password_reset_does_not_reveal_accounts(client, outbox):
    response = client.post(
        "/compte/mot-de-passe-oublie", data={"email": "personne@exemple.fr"}, follow_redirects=True
    )
    assert "Si un compte existe" in html(response)
    assert outbox() == []


def test_invitation_sets_password_and_logs_in(app, client, create_user, login, outbox):
    agent = create_user(Role.secretariat)
    login(agent)
    college = db.session.execute(db.select(db.text("id from college order by position"))).first()
    response = client.post(
        "/admin/utilisateurs/inviter",
        data={
            "display_name": "Hélène Caron",
            "email": "helene@exemple.fr",
            "roles": ["council_member"],
            "college_id": college[0],
            "voting_right": "y",
        },
    )
    assert response.status_code == 302
    invited = db.session.execute(db.select(User).filter_by(email="helene@exemple.fr")).scalar_one()
    assert invited.password_hash is None and invited.voting_right
    assert invited.roles == {Role.council_member}
    message = outbox()[-1]
    assert "Invitation" in message["Subject"] and agent.display_name in email_text(message)

    client.post("/compte/deconnexion")
    link = link_in(message)
    assert "Activer votre compte" in html(client.get(link))
    response = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Hélène Caron" in html(client.get("/"))
    # Used once: the link is dead now.
    client.post("/compte/deconnexion")
    assert client.get(link).status_code == 302


def test_expired_token_refused(app, create_user):
    from datetime import timedelta

    from cdess.accounts.tokens import make_token, read_token

    user = create_user()
    with app.test_request_context():
        token = make_token(user, "reset")
        assert read_token(token, "reset") == user
        assert read_token(token, "confirm") is None  # another purpose
        app.config["RESET_TOKEN_MAX_AGE"] = timedelta(seconds=-1)
        assert read_token(token, "reset") is None


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_login_is_rate_limited(client, create_user):
    user = create_user()
    codes = [
        client.post(
            "/compte/connexion", data={"email": user.email, "password": "faux-mdp"}
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def test_profile_update_and_password_change(client, create_user, login):
    user = create_user()
    login(user)
    response = client.post(
        "/compte/", data={"profile-display_name": "Nom Modifié", "profile-locale": "fr"}
    )
    assert response.status_code == 302
    response = client.post(
        "/compte/",
        data={
            "password-current_password": "faux",
            "password-password": "nouveau-mdp-solide",
            "password-confirm": "nouveau-mdp-solide",
        },
    )
    assert "Mot de passe actuel incorrect." in html(response)
    response = client.post(
        "/compte/",
        data={
            "password-current_password": PASSWORD,
            "password-password": "nouveau-mdp-solide",
            "password-confirm": "nouveau-mdp-solide",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert user.display_name == "Nom Modifié" and user.check_password("nouveau-mdp-solide")


def test_nul_characters_are_dropped_not_crashing(client):
    data = dict(REGISTRATION, display_name="Cam\x00ille")
    assert client.post("/compte/inscription", data=data).status_code == 302
    assert db.session.execute(db.select(User.display_name)).scalar_one() == "Camille"


def test_passwords_are_hashed_with_scrypt_by_default(app):
    from cdess.config import Defaults

    app.config["PASSWORD_HASH_METHOD"] = Defaults.PASSWORD_HASH_METHOD
    user = User(email="x@exemple.fr", display_name="X")
    user.set_password(PASSWORD)
    assert user.password_hash.startswith("scrypt:") and user.check_password(PASSWORD)


def test_an_smtp_failure_keeps_the_email_and_the_registration(app, client, monkeypatch):
    """The account is created even when the mail server is down; the email waits in
    outbox/non-envoyes/ for a person to send it."""
    import socket
    from pathlib import Path

    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    response = client.post(
        "/compte/inscription",
        data={
            "email": "panne@exemple.fr",
            "display_name": "Camille Panne",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert db.session.execute(db.select(User).filter_by(email="panne@exemple.fr")).scalar_one()
    kept = list((Path(app.config["OUTBOX_DIR"]) / "non-envoyes").glob("*.eml"))
    assert len(kept) == 1 and b"panne@exemple.fr" in kept[0].read_bytes()
