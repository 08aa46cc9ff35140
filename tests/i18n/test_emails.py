"""Emails in the recipient's locale, whatever the locale of the person whose action sends them:
the subject, the paragraphs (lazy strings), the dates, the Content-Language header and the HTML
part's `lang`. French for an address without an account."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import lazy_gettext as _l

from cdess.accounts import services as accounts
from cdess.applications import notices
from cdess.clock import next_session
from cdess.extensions import db
from cdess.notifications.notices import tell
from cdess.notifications.services import build_message
from cdess.structures import services as structures
from tests.factories import email_text


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def by_recipient(messages) -> dict:
    return {message["To"]: message for message in messages}


@pytest.fixture
def file_of_two(grant, create_user, people):
    """An application whose structure has a French-speaking person and an English-speaking one."""
    application = grant(name="Recyclerie du Ternois")
    english = create_user(locale="en", email="english@exemple.fr")
    structures.add_member(application.structure, english, actor=people["applicant"])
    db.session.commit()
    return application, people["applicant"], english


@pytest.mark.parametrize("acting", ["fr", "en"])
def test_each_person_reads_a_file_s_email_in_their_own_locale(app, outbox, file_of_two, acting):
    application, french, english = file_of_two
    with app.test_request_context(headers={"Accept-Language": acting}):
        assert notices.after_transition(application, "submit") >= 2
    sent = by_recipient(outbox())
    fr, en = sent[french.email], sent[english.email]
    planned = next_session(date.today())

    assert fr["Content-Language"] == "fr" and '<html lang="fr">' in html_part(fr)
    assert fr["Subject"] == "Dossier déposé — Recyclerie du Ternois"
    assert "a bien été déposé" in email_text(fr)
    assert planned.strftime("%d/%m/%Y") in email_text(fr)

    assert en["Content-Language"] == "en" and '<html lang="en">' in html_part(en)
    assert en["Subject"] == "File submitted — Recyclerie du Ternois"
    assert "has been submitted" in email_text(en)
    assert f"{planned.month}/{planned.day}/{planned.year % 100:02d}" in email_text(en)


def test_a_name_inside_a_translated_sentence_is_still_escaped_in_html(app, outbox, grant, people):
    application = grant(name="<b>Gras</b> & Cie")
    with app.test_request_context():
        notices.after_transition(application, "submit")
    page = html_part(by_recipient(outbox())[people["applicant"].email])
    assert "&lt;b&gt;Gras&lt;/b&gt; &amp; Cie" in page and "<b>Gras</b>" not in page


def test_an_account_email_follows_the_account_s_locale(app, outbox, create_user):
    english = create_user(locale="en", email="reset-en@exemple.fr")
    french = create_user(locale="fr", email="reset-fr@exemple.fr")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        accounts.send_password_reset(english.email)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        accounts.send_password_reset(french.email)
    sent = by_recipient(outbox())
    assert sent[english.email]["Content-Language"] == "en"
    assert re.search(r'<html lang="en">', html_part(sent[english.email]))
    assert sent[french.email]["Content-Language"] == "fr"
    assert sent[french.email]["Subject"] == "Réinitialisation de votre mot de passe"


def test_an_address_without_an_account_reads_french(app, outbox):
    reporter = SimpleNamespace(email="temoin@exemple.fr", display_name="Témoin")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        tell([reporter], _l("Dossier déposé — %(s)s", s="X"), [], "http://cdess.test/")
    (message,) = outbox()
    assert message["Content-Language"] == "fr" and message["Subject"] == "Dossier déposé — X"


@pytest.mark.parametrize("locale", [None, "de", "fr_XX", "<script>"])
def test_a_locale_the_interface_does_not_speak_gives_french(app, locale):
    user = SimpleNamespace(display_name="Camille")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = build_message("a@exemple.fr", "Objet", "confirm", locale, user=user, link="")
    assert message["Content-Language"] == "fr"
    assert '<html lang="fr">' in html_part(message)
