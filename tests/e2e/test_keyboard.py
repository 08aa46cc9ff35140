"""Keyboard only, no mouse: log in, open a structure, start a self-assessment, answer with the
arrow keys and save; a council member checks in to the live session and votes. Every focused
control must show a visible focus."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.helpers import check_in_for_quorum
from tests.factories import DEMO_PASSWORD

FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {tag: e.tagName, type: e.type || '', text: (e.innerText || e.value || '').trim(),
            id: e.id, name: e.name || '',
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""


def tab_to(page, matches, limit: int = 80) -> dict:
    """Press Tab until the focused element matches; its focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if matches(focused):
            assert focused["outline"], f"focus not visible on {focused}"
            return focused
    raise AssertionError("not reachable with Tab")


def press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_self_assessment(journey):
    j = journey("keyboard")
    page = j.page
    j.goto("/compte/connexion")
    tab_to(page, lambda f: f["id"] == "email")
    page.keyboard.type("structure0002@demo.cdess.test")
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(DEMO_PASSWORD)
    press_enter_and_wait(page)
    expect(page.get_by_text("Bienvenue")).to_be_visible()

    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "Mes structures")
    press_enter_and_wait(page)
    tab_to(
        page,
        lambda f: (
            f["tag"] == "A"
            and "/structures/" in page.evaluate("document.activeElement.getAttribute('href')")
            and f["text"]
            not in ("Mes structures", "Structures", "Inscrire une structure", "Mon label")
        ),
    )
    press_enter_and_wait(page)
    tab_to(page, lambda f: f["text"] == "Auto-évaluations")
    press_enter_and_wait(page)
    tab_to(
        page,
        lambda f: (
            f["text"] in ("Commencer une auto-évaluation", "Reprendre l'auto-évaluation en cours")
        ),
    )
    press_enter_and_wait(page)
    expect(page.get_by_text("Principe 1 sur 5")).to_be_visible()
    j.check("clavier principe")

    # The first question: into its radio group, then the arrow keys choose the answer.
    # Tab lands on the checked answer (copied from the last assessment) or on the first one.
    focused = tab_to(page, lambda f: f["type"] == "radio" and f["name"] == "c-GOV-01")
    page.keyboard.press("Space" if focused["id"] == "c-GOV-01-1" else "ArrowLeft")
    expect(page.locator("#c-GOV-01-1")).to_be_checked()
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Enregistrer")
    press_enter_and_wait(page)
    expect(page.get_by_text("Réponses enregistrées.")).to_be_visible()
    expect(page.locator("#c-GOV-01-1")).to_be_checked()
    j.check("clavier enregistre")


def open_a_vote(sec, skip: set[str]) -> str:
    """Set-up, by the secretariat in its own browser, on a session of its own (the demo's
    sessions belong to the council journeys): created, one proposed file on its agenda with a
    rapporteur, convened, opened, enough members marked present for the quorum (not those in
    `skip`), the vote open. Returns the path of its live page."""
    page = sec.page
    sec.login("secretariat@demo.cdess.test")
    sec.goto("/seances")
    # A session opens only on its day: today, in the département's time.
    day = datetime.now(ZoneInfo("Europe/Paris")).date()
    page.get_by_label("Date de la séance").fill(day.isoformat())
    page.get_by_label("Date limite de dépôt des dossiers").fill(
        (day - timedelta(days=60)).isoformat()
    )
    page.get_by_label("Lieu").fill("Maison de l'ESS, Lens")
    page.get_by_role("button", name="Créer la séance").click()
    expect(page.get_by_role("status")).to_have_text("Séance créée.")
    page.get_by_role("button", name=re.compile("^Inscrire ")).last.click()
    expect(page.get_by_role("status")).to_contain_text("inscrit à l'ordre du jour")
    page.get_by_label(re.compile("^Rapporteur pour ")).select_option(index=1)
    page.get_by_role("button", name=re.compile("^Désigner le rapporteur")).click()
    expect(page.get_by_role("status")).to_have_text("Rapporteur enregistré.")
    page.get_by_role("button", name="Convoquer le conseil").click()
    page.get_by_role("link", name="Conduire la séance").click()
    page.get_by_role("button", name="Ouvrir la séance").click()
    expect(page.get_by_role("status")).to_have_text("Séance ouverte.")
    check_in_for_quorum(page, skip)
    page.get_by_role("button", name=re.compile("^Ouvrir le vote sur")).click()
    expect(page.get_by_role("heading", name=re.compile("^Vote en cours"))).to_be_visible()
    sec.check("vote ouvert")
    return page.url.split("#")[0].removeprefix(sec.server.url)


def test_keyboard_only_vote(journey):
    """A council member, keyboard only: to the live session, check in, vote."""
    j = journey("keyboard-vote")
    page = j.page
    j.goto("/compte/connexion")
    tab_to(page, lambda f: f["id"] == "email")
    page.keyboard.type("membre08@demo.cdess.test")
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(DEMO_PASSWORD)
    press_enter_and_wait(page)
    j.goto("/compte/")
    name = page.get_by_label("Nom et prénom").input_value()

    live = open_a_vote(journey("keyboard-vote-secretariat"), skip={name})

    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "Espace du conseil")
    press_enter_and_wait(page)
    tab_to(
        page,
        lambda f: (
            f["text"] == "Rejoindre la séance en direct"
            and page.evaluate("document.activeElement.getAttribute('href')") == live
        ),
    )
    press_enter_and_wait(page)
    expect(page.get_by_role("heading", name=re.compile("^Vote en cours"))).to_be_visible()
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Je suis présent(e)")
    press_enter_and_wait(page)
    expect(page.get_by_text("Vous êtes enregistré(e) comme présent(e).")).to_be_visible()
    j.check("clavier seance en direct")

    # Into « Mon vote », past « Quitter la séance »: Space presses « Pour ».
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Pour")
    page.keyboard.press("Space")  # the panel comes back in place, the focus on « Pour »
    expect(page.locator("#direct-annonce")).to_contain_text("Vote enregistré : pour.")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Pour"
    expect(page.get_by_role("group", name="Mon vote")).to_contain_text(
        re.compile(r"Vote (secret )?enregistré")
    )
    j.check("clavier vote enregistre")
