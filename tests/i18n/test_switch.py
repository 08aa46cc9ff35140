"""The language switch in the header and the order in which the locale is chosen: the
explicit choice (the account, then the visitor's session), then Accept-Language, then French.
An unknown locale is refused with a message and changes nothing."""

import re

import pytest

from cdess.accounts.models import User
from cdess.extensions import db
from tests.factories import PASSWORD, html

REFUSED = "Cette langue n'est pas proposée\u00a0: la langue de l'interface est inchangée."


def page_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', html(response)).group(1)


def flashes(client) -> list:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.5,fr;q=0.4", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,es;q=0.8", "fr"),  # nothing offered: French
        (None, "fr"),
    ],
)
def test_a_visitor_without_a_choice_gets_the_browser_s_language_else_french(client, accept, lang):
    headers = {"Accept-Language": accept} if accept else {}
    assert page_lang(client.get("/", headers=headers)) == lang


def test_a_visitor_s_choice_is_remembered_and_beats_accept_language(client):
    response = client.post("/langue", data={"langue": "en", "next": "/registre?page=2"})
    assert response.status_code == 303 and response.location == "/registre?page=2"
    assert page_lang(client.get("/registre", headers={"Accept-Language": "fr"})) == "en"
    client.post("/langue", data={"langue": "fr", "next": "/"})
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "fr"


def test_a_user_s_choice_is_kept_on_the_account_for_every_later_session(
    app, client, create_user, login
):
    user = create_user()
    login(user)
    client.post("/langue", data={"langue": "en", "next": "/compte/"})
    assert db.session.get(User, user.id).locale == "en"
    other = app.test_client()  # another browser: the account carries the choice
    other.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert page_lang(other.get("/compte/", headers={"Accept-Language": "fr"})) == "en"


def test_the_account_s_locale_beats_the_session_s(client, create_user, login):
    client.post("/langue", data={"langue": "en", "next": "/"})  # as a visitor
    login(create_user(locale="fr"))  # the account says French
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "fr"


def test_an_account_that_never_chose_follows_the_browser(client, create_user, login):
    """No choice stored (None, every account before the switch existed): the visitor's
    choice, else the browser's language; the profile shows the language read."""
    user = create_user()
    assert user.locale is None
    login(user)
    assert page_lang(client.get("/compte/", headers={"Accept-Language": "en"})) == "en"
    assert page_lang(client.get("/compte/", headers={"Accept-Language": "fr"})) == "fr"
    client.post("/langue", data={"langue": "en", "next": "/"})
    assert db.session.get(User, user.id).locale == "en"


@pytest.mark.parametrize(
    "chosen",
    ["fr_XX", "de", "EN", "<script>alert(1)</script>", "e" * 5000, "en\x00", "en\n", "\x1b", ""],
)
def test_an_unknown_locale_is_refused_with_a_message_and_changes_nothing(
    client, create_user, login, chosen
):
    user = create_user(locale="fr")
    login(user)
    response = client.post("/langue", data={"langue": chosen, "next": "/compte/"})
    assert response.status_code == 303 and response.location == "/compte/"
    assert flashes(client)[-1] == REFUSED
    assert db.session.get(User, user.id).locale == "fr"
    assert page_lang(client.get("/compte/", headers={"Accept-Language": "en"})) == "fr"


def test_an_unknown_locale_from_a_visitor_leaves_the_session_alone(client):
    client.post("/langue", data={"langue": "en", "next": "/"})
    client.post("/langue", data={"langue": "xx", "next": "/"})
    assert page_lang(client.get("/")) == "en"
    assert client.post("/langue", data={}).location == "/"  # nothing sent: home, refused


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\t/evil.example", "\\\\evil.example", "évil"],
)
def test_the_way_back_stays_on_the_site(client, target):
    response = client.post("/langue", data={"langue": "en", "next": target})
    assert response.status_code == 303 and response.location == "/"


def test_the_switch_names_each_language_in_itself_and_marks_the_current_one(client):
    page = html(client.get("/", headers={"Accept-Language": "fr"}))
    switch = re.search(r'<form class="language-switch".*?</form>', page, re.S).group(0)
    assert 'action="/langue"' in switch and 'name="next" value="/"' in switch
    assert re.search(r'<span lang="fr" aria-current="true">Français</span>', switch)
    assert re.search(
        r'<button type="submit" name="langue" value="en" lang="en"[^>]*>English</button>', switch
    )
    client.post("/langue", data={"langue": "en", "next": "/"})
    switch = re.search(r'<form class="language-switch".*?</form>', html(client.get("/")), re.S)
    assert '<span lang="en" aria-current="true">English</span>' in switch.group(0)
    assert 'value="fr" lang="fr"' in switch.group(0)


def test_the_switch_keeps_the_page_and_its_query(client):
    page = html(client.get("/registre?commune=Arras"))
    assert 'name="next" value="/registre?commune=Arras"' in page


def test_the_switch_needs_its_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/langue", data={"langue": "en"}).status_code == 400
    page = html(client.get("/"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/langue", data={"langue": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 303
    assert page_lang(client.get("/")) == "en"


def test_the_profile_offers_english_too(client, create_user, login):
    user = create_user()
    login(user)
    page = html(client.get("/compte/"))
    assert '<option value="en">English</option>' in page
    client.post("/compte/", data={"profile-display_name": "Camille", "profile-locale": "en"})
    assert db.session.get(User, user.id).locale == "en"
