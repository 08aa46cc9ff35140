"""Keyboard only, no mouse: log in, open a structure, start a self-assessment, answer with the
arrow keys and save. Every focused control must show a visible focus."""

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD

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
            and f["text"] not in ("Mes structures", "Structures", "Inscrire une structure")
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
