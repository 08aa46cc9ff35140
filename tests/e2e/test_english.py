"""Journeys in English (issue 18): a browser set to English meets the site in English from its
first page — an applicant signs in, opens their organisation, its self-assessment and its
label; a council member opens the council's area and a session's agenda — with axe-core on
every page, and no French sentence of the application on any of them (what people typed,
names and the charter's legal text aside: tests/i18n/test_english_pages.py)."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import heading, nav
from tests.i18n.test_english_pages import _flat, french_fragments

ENGLISH = {"locale": "en-GB"}
MENU = "Main navigation"
APPLICANT = "structure0026@demo.cdess.test"  # a labelled structure, its follow-up due
MEMBER = "membre02@demo.cdess.test"
FRAGMENTS = french_fragments()


def no_french(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    text = _flat(page.locator("body").inner_text())
    left = sorted(f for f in FRAGMENTS if f in text)
    assert left == [], f"{page.url}: French left: {left}"


def sign_in(j, email: str) -> None:
    j.goto("/compte/connexion", "sign in")
    no_french(j.page)
    j.page.get_by_label("Email address").fill(email)
    j.page.get_by_label("Password").fill("demo-cdess-62")
    j.page.get_by_role("button", name="Sign in").click()
    j.page.wait_for_load_state()
    assert "/compte/connexion" not in j.page.url, "login refused"
    j.check("signed in")


def test_an_applicant_in_english(journey):
    j = journey("english-applicant", **ENGLISH)
    page = j.page
    sign_in(j, APPLICANT)
    nav(page, "My organisations", MENU)
    expect(heading(page, "My organisations")).to_be_visible()
    no_french(page)
    j.check("my organisations")
    with page.expect_navigation():
        page.locator("main").get_by_role("link").first.click()
    no_french(page)
    j.check("the organisation")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("^View the label")).click()
    no_french(page)
    j.check("my label")


def test_a_council_member_in_english(journey):
    j = journey("english-member", **ENGLISH)
    page = j.page
    sign_in(j, MEMBER)
    nav(page, "Council area", MENU)
    no_french(page)
    j.check("council area")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    no_french(page)
    j.check("a session's agenda")
