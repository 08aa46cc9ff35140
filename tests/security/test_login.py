"""Logins are throttled per account as well as per address, the address read through the
trusted proxies only; registering and logging in answer alike, with the same work, whether
the address has an account or not."""

import re

import pytest

from cdess.accounts import models
from cdess.accounts.models import User
from cdess.extensions import db
from tests.factories import PASSWORD, html, link_in

LIMITED = {"RATELIMIT_ENABLED": True}
LOCKED = "Trop de tentatives de connexion ont échoué pour cette adresse"


def attempt(client, email: str, password: str, address: str = "192.0.2.1", forwarded_for=None):
    """A login attempt from `address` (a proxy's, when `forwarded_for` names its client)."""
    return client.post(
        "/compte/connexion",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {},
    )


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", page)


# --- throttled per account ------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [LIMITED])
def test_failed_logins_lock_the_account_whatever_the_address(client, create_user, outbox):
    user, other = create_user(), create_user()
    for n in range(10):  # each from its own address: the per-address limit never trips
        response = attempt(client, user.email, "pas-le-bon-mot-de-passe", f"198.51.100.{n}")
        assert response.status_code == 200
        assert "Adresse ou mot de passe incorrect." in html(response)

    # Locked now, even with the right password, from yet another address.
    response = attempt(client, user.email, PASSWORD, "203.0.113.7")
    assert response.status_code == 429
    assert LOCKED in html(response) and "15 minutes" in html(response)
    assert attempt(client, user.email.upper(), PASSWORD, "203.0.113.8").status_code == 429

    # The owner is told once, however many attempts follow.
    [notice] = outbox()
    assert notice["To"] == user.email and "suspendue" in notice["Subject"]
    # Another account is not affected.
    assert attempt(client, other.email, PASSWORD, "203.0.113.9").status_code == 302


@pytest.mark.parametrize("app_config", [LIMITED])
def test_an_unknown_address_locks_alike_and_nobody_is_emailed(client, outbox):
    for n in range(10):
        attempt(client, "personne@exemple.fr", "un-mot-de-passe-quelconque", f"198.51.100.{n}")
    response = attempt(client, "personne@exemple.fr", "un-autre", "203.0.113.7")
    assert response.status_code == 429 and LOCKED in html(response)
    assert outbox() == []


@pytest.mark.parametrize("app_config", [LIMITED])
def test_a_password_reset_lifts_the_lock(client, create_user, outbox):
    user = create_user()
    for n in range(10):
        attempt(client, user.email, "pas-le-bon-mot-de-passe", f"198.51.100.{n}")
    client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    new = "loutre violette sous la pluie"
    client.post(link_in(outbox()[-1]), data={"password": new, "confirm": new})
    assert attempt(client, user.email, new, "203.0.113.7").status_code == 302


def test_the_lock_is_off_with_the_rate_limiter(client, create_user):
    user = create_user()
    for _ in range(12):
        attempt(client, user.email, "pas-le-bon-mot-de-passe")
    assert attempt(client, user.email, PASSWORD).status_code == 302


# --- the client's address through the trusted proxies ---------------------------------------


@pytest.mark.parametrize(
    ("app_config", "other_client"),
    [
        (dict(LIMITED, TRUSTED_PROXIES=1), 200),  # behind one proxy: its X-Forwarded-For
        (LIMITED, 429),  # no proxy trusted: the header is anyone's to write
    ],
)
def test_the_address_limit_reads_the_client_through_the_trusted_proxies(client, other_client):
    proxy = "10.0.0.2"
    for n in range(10):  # a new unknown address each time: no account lock on the way
        response = attempt(client, f"p{n}@exemple.fr", "x", proxy, forwarded_for="203.0.113.5")
        assert response.status_code == 200
    same = attempt(client, "q@exemple.fr", "x", proxy, forwarded_for="203.0.113.5")
    assert same.status_code == 429
    other = attempt(client, "r@exemple.fr", "x", proxy, forwarded_for="203.0.113.6")
    assert other.status_code == other_client


# --- no account enumeration -----------------------------------------------------------------


def test_registering_a_known_address_answers_as_a_new_one(client, outbox):
    data = {
        "display_name": "Camille Lefebvre",
        "email": "camille@exemple.fr",
        "password": "loutre violette sous la pluie",
        "confirm": "loutre violette sous la pluie",
    }
    new = client.post("/compte/inscription", data=data)
    new_page = client.get(new.headers["Location"])
    known = client.post("/compte/inscription", data=dict(data, display_name="Quelqu'un"))
    known_page = client.get(known.headers["Location"])

    assert (new.status_code, new.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert without_csrf(html(new_page)) == without_csrf(html(known_page))
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1
    confirmation, warning = outbox()
    assert "Confirmez" in confirmation["Subject"]
    assert warning["To"] == "camille@exemple.fr"
    assert "Tentative de création" in warning["Subject"]
    text = warning.get_body(preferencelist=("plain",)).get_content()
    assert "/compte/connexion" in text and "/compte/mot-de-passe-oublie" in text


def test_login_checks_a_password_hash_whether_the_account_exists_or_not(
    client, create_user, monkeypatch
):
    checked = []
    real = models.check_password_hash

    def spy(hash_, password):
        checked.append(password)
        return real(hash_, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    unknown = attempt(client, "camille@exemple.fr", "essai-inconnu")
    assert checked == ["essai-inconnu"]

    create_user(email="camille@exemple.fr")
    known = attempt(client, "camille@exemple.fr", "essai-inconnu")
    assert checked == ["essai-inconnu"] * 2
    assert unknown.status_code == known.status_code == 200
    assert without_csrf(html(unknown)) == without_csrf(html(known))

    invited = create_user(email="invite@exemple.fr", password=None)
    attempt(client, invited.email, "essai-invite")
    assert checked[-1] == "essai-invite" and len(checked) == 3
