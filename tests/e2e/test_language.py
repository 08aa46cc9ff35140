"""A visitor switches the interface to English with the keyboard only, and the choice holds on
the next page; the header keeps its switch on one screen at desktop and phone widths."""

from playwright.sync_api import expect

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {tag: e.tagName, text: (e.innerText || e.value || '').trim(),
            lang: e.getAttribute('lang') || '',
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def tab_to_english(page) -> dict:
    for _ in range(15):  # the switch comes early in the header, right after the brand
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "BUTTON" and focused["text"] == "English":
            return focused
    raise AssertionError("the language switch is not reachable with Tab")


def test_a_visitor_switches_to_english_by_keyboard_and_it_holds(journey):
    j = journey("language")
    page = j.page
    j.goto("/registre", "registre en français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    current = page.locator(".language-switch [aria-current='true']")
    expect(current).to_have_text("Français")
    expect(current).to_have_attribute("lang", "fr")

    focused = tab_to_english(page)
    assert focused["lang"] == "en" and focused["outline"], f"focus not visible: {focused}"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/registre")  # back on the same page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".language-switch [aria-current='true']")).to_have_text("English")
    j.check("registry in English")

    j.goto("/verification", "next page in English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    french = page.locator(".language-switch button[lang='fr']")
    expect(french).to_have_text("Français")
    french.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_the_header_holds_its_switch_on_a_phone(journey):
    j = journey("language-phone", **PHONE)
    page = j.page
    j.goto("/", "accueil sur un téléphone")
    assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways"
    switch = page.locator(".language-switch")
    expect(switch).to_be_visible()
    box, header = switch.bounding_box(), page.locator(".site-header").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= header["width"]
    page.locator(".language-switch button[lang='en']").tap()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.evaluate(OVERFLOW) <= 0
    j.check("home on a phone in English")
