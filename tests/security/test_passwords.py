"""Common, breached and personal passwords are refused, by one rule (`accounts.passwords`)
used on every form that sets a password: registration, reset, invitation, change."""

import pytest

from cdess.accounts.models import Role, User
from cdess.accounts.passwords import PERSONAL, TOO_COMMON, weakness
from cdess.extensions import db
from tests.factories import PASSWORD, html, link_in

NAME, EMAIL = "Camille Lefebvre", "camille.lefebvre@exemple.fr"
STRONG = "loutre violette sous la pluie"
COMMON = "Ce mot de passe est trop courant ou trop facile à deviner"
OWN = "Le mot de passe ne doit contenir ni votre nom ni votre adresse électronique."

CASES = [
    ("aaaaaaaaaaaa", TOO_COMMON),
    ("password1234", TOO_COMMON),
    ("azertyuiop12", TOO_COMMON),
    ("motdepasse123", TOO_COMMON),
    ("123456789012", TOO_COMMON),
    ("camille.lefebvre2024", PERSONAL),  # the email's local part and digits
    ("2024-LEFEBVRE-ok-ok", PERSONAL),  # a piece of it, any case
    ("jolie-camille-du-62", PERSONAL),  # the name
    (STRONG, None),
    ("vg7#Lq2!zP9@wX", None),
    ("mot-de-passe-solide-62", None),  # the tests' own
]


@pytest.mark.parametrize(("password", "expected"), CASES)
def test_weakness(app, password, expected):
    assert weakness(password, NAME, EMAIL) == expected


def test_short_pieces_of_a_name_do_not_count(app):
    assert weakness("lou-al-violette-pluie", "Lou Al", "al@exemple.fr") is None


def test_a_long_passphrase_is_judged_on_its_beginning(app):
    long = "une loutre violette nage sous la pluie fine du Pas-de-Calais en décembre " * 2
    assert len(long) > 72 and weakness(long, NAME, EMAIL) is None
    assert weakness("a" * 200, NAME, EMAIL) == TOO_COMMON


def register(client, password: str):
    data = {"display_name": NAME, "email": EMAIL, "password": password, "confirm": password}
    return client.post("/compte/inscription", data=data)


@pytest.mark.parametrize(("password", "expected"), CASES)
def test_registration(client, password, expected):
    response = register(client, password)
    if expected is None:
        assert response.status_code == 302
        return
    page = html(response)
    assert response.status_code == 200
    assert str(expected) in page and 'id="password-erreur"' in page
    assert db.session.execute(db.select(User)).first() is None


def test_a_short_password_gets_one_message(client):
    page = html(register(client, "aaaa"))
    assert "au moins 12 caractères" in page and COMMON not in page


def test_reset_refuses_a_weak_password(client, create_user, outbox):
    user = create_user(name=NAME, email=EMAIL)
    client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    link = link_in(outbox()[-1])
    for weak, message in (("password1234", COMMON), ("lefebvre-du-nord-62", OWN)):
        page = html(client.post(link, data={"password": weak, "confirm": weak}))
        assert message in page
    assert client.post(link, data={"password": STRONG, "confirm": STRONG}).status_code == 302


def test_invitation_refuses_a_weak_password(client, create_user, login, outbox):
    login(create_user(Role.secretariat))
    client.post(
        "/admin/utilisateurs/inviter",
        data={"display_name": NAME, "email": EMAIL, "roles": ["council_member"]},
    )
    client.post("/compte/deconnexion")
    link = link_in(outbox()[-1])
    for weak, message in (("azertyuiop12", COMMON), ("camille.lefebvre62", OWN)):
        page = html(client.post(link, data={"password": weak, "confirm": weak}))
        assert message in page
    assert client.post(link, data={"password": STRONG, "confirm": STRONG}).status_code == 302


def test_password_change_refuses_a_weak_password(client, create_user, login):
    user = create_user(name=NAME, email=EMAIL)
    login(user)
    for weak, message in (("aaaaaaaaaaaa", COMMON), ("Camille-2024-xyz", OWN)):
        response = client.post(
            "/compte/",
            data={
                "password-current_password": PASSWORD,
                "password-password": weak,
                "password-confirm": weak,
            },
        )
        assert message in html(response)
    db.session.expire_all()
    assert user.check_password(PASSWORD)
