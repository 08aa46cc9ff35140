"""Sessions can be revoked: the login identity carries the account's session version, bumped
on a password change or reset and on « se déconnecter partout », so that a copied session or
remember-me cookie stops working; a login starts a fresh session with a new CSRF token."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import g

from tests.factories import PASSWORD, link_in

NEW_PASSWORD = "loutre violette sous la pluie"


def as_browser(client):
    """`client`, whose requests each start from their cookies alone. The tests' application
    context outlives a request, and Flask-Login caches the request's user in its `g`: the next
    request, from any client, would inherit it (a server gives every request its own)."""

    def open_(*args, **kwargs):
        g.pop("_login_user", None)
        return type(client).open(client, *args, **kwargs)

    client.open = open_
    return client


def browsers(app, n: int):
    return [as_browser(app.test_client()) for _ in range(n)]


def copy_cookie(source, target, name: str) -> None:
    """Put `source`'s cookie `name` in `target`, as a thief who copied it would."""
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value)


def logged_in(client) -> bool:
    return client.get("/compte/").status_code == 200


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    response = client.post(
        "/compte/",
        data={
            "password-current_password": current,
            "password-password": new,
            "password-confirm": new,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_a_copied_session_dies_when_its_owner_logs_out_everywhere(app, create_user):
    owner, thief = browsers(app, 2)
    user = create_user()
    owner.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    copy_cookie(owner, thief, "session")
    assert logged_in(thief)

    response = owner.post("/compte/deconnexion-partout")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/connexion"
    assert not logged_in(owner)
    assert not logged_in(thief)
    # Logging in again works, with a new identity.
    owner.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert logged_in(owner) and not logged_in(thief)


def test_a_copied_session_dies_when_the_password_changes(app, create_user):
    owner, thief = browsers(app, 2)
    user = create_user()
    owner.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    copy_cookie(owner, thief, "session")
    assert logged_in(thief)

    change_password(owner)
    assert logged_in(owner)  # the browser that changed it stays
    assert not logged_in(thief)


def test_a_copied_remember_cookie_dies_when_the_password_changes(app, create_user):
    [owner] = browsers(app, 1)
    user = create_user()
    owner.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    [copied] = browsers(app, 1)
    copy_cookie(owner, copied, "remember_token")
    assert logged_in(copied)  # the remember cookie alone opens a session

    change_password(owner)
    [stale] = browsers(app, 1)
    copy_cookie(copied, stale, "remember_token")
    assert not logged_in(stale)
    assert not logged_in(copied)  # nor the session it had opened


def test_a_password_reset_ends_every_session(app, create_user, outbox):
    owner, visitor = browsers(app, 2)
    user = create_user()
    owner.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    visitor.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    visitor.post(link_in(outbox()[-1]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    [stale] = browsers(app, 1)
    copy_cookie(owner, stale, "remember_token")
    assert not logged_in(owner) and not logged_in(stale)


def test_logout_everywhere_is_a_post_with_a_csrf_token(app, create_user):
    app.config["WTF_CSRF_ENABLED"] = True
    [client] = browsers(app, 1)
    user = create_user()
    client.get("/compte/connexion")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert client.get("/compte/deconnexion-partout").status_code == 405
    assert client.post("/compte/deconnexion-partout").status_code == 400
    assert "Se déconnecter partout" in client.get("/compte/").get_data(as_text=True)
    assert logged_in(client)


def test_a_cookie_from_before_the_session_version_is_refused(app, client, create_user):
    """The identity is « id:version »: a bare id (or a stale version) opens nothing."""
    as_browser(client)
    user = create_user()
    for identity in (str(user.id), f"{user.id}:{user.session_version + 1}", "x:1", ""):
        with client.session_transaction() as session:
            session["_user_id"] = identity
        assert not logged_in(client), identity


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_starts_a_fresh_session_with_a_new_csrf_token(client, create_user):
    as_browser(client)
    user = create_user()
    client.get("/compte/connexion")
    with client.session_transaction() as session:
        before = session["csrf_token"]
        session["planted"] = "by someone else"  # session fixation
    page = client.get("/compte/connexion").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/compte/connexion",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    client.get("/compte/")
    with client.session_transaction() as session:
        assert session["csrf_token"] != before
        assert "planted" not in session
    # The token of before the login is refused after it.
    response = client.post(
        "/compte/", data={"profile-display_name": "X", "profile-locale": "fr", "csrf_token": token}
    )
    assert response.status_code == 400


def test_remember_me_lasts_thirty_days(app, client, create_user):
    as_browser(client)
    user = create_user()
    client.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    expires = client.get_cookie("remember_token").expires
    remaining = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(days=29) < remaining <= timedelta(days=30)


def test_logout_clears_the_remember_cookie(app, client, create_user):
    as_browser(client)
    user = create_user()
    client.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    client.post("/compte/deconnexion")
    assert client.get_cookie("remember_token") is None
    assert not logged_in(client)
