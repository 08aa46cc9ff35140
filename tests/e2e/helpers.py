"""What a person does on the questionnaire pages, shared by the journeys."""

import re

from playwright.sync_api import expect


def answer_questions(page, best: bool = True, number: str = "30") -> int:
    """Answer every question shown: the first (best) or last proposed answer, a number, a text.
    Returns how many were answered."""
    fields = page.locator(".question-field")
    count = fields.count()
    for i in range(count):
        field = fields.nth(i)
        radios = field.get_by_role("radio")
        if radios.count():
            (radios.first if best else radios.last).check()
        elif field.get_by_role("textbox").count():
            box = field.get_by_role("textbox")
            box.fill(
                number
                if "input-number" in (box.get_attribute("class") or "")
                else "Nous accompagnons les habitants du quartier."
            )
    return count


def heading(page, text: str):
    return page.get_by_role("heading", name=re.compile(text), level=1)


def nav(page, name: str) -> None:
    """Follow a link of the main navigation."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name=name, exact=True
        ).click()


def field_error(page, label: str):
    """The error message tied to a field by aria-describedby (fails if there is none)."""
    field = page.get_by_label(label)
    expect(field).to_have_attribute("aria-describedby", re.compile(r"-erreur\b"))
    ids = (field.get_attribute("aria-describedby") or "").split()
    errors = [i for i in ids if i.endswith("-erreur")]
    assert errors, f"no error message tied to « {label} »"
    return page.locator(f"#{errors[0]}")
