"""The applicant's path as a volunteer uses it: the quick diagnostic (about ten questions, a
result that says what it means), the self-assessment at desktop and phone widths with its
sticky save status, the structure page's « Candidater au label » offer, the menu folded on a
phone."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import answer_questions, heading

APPLICANT = "structure0040@demo.cdess.test"  # an account no other journey uses
PHONE = {"viewport": {"width": 390, "height": 844}}


def test_quick_diagnostic_then_self_assessment_and_offer(journey):
    j = journey("applicant_path")
    page = j.page
    j.goto("/autodiagnostic", "autodiagnostic")
    expect(page.get_by_text("10 questions, environ 3 minutes")).to_be_visible()
    assert answer_questions(page) == 10
    page.get_by_role("button", name="Voir mon résultat").click()
    expect(page.get_by_role("heading", name="Votre résultat indicatif")).to_be_visible()
    expect(page.get_by_text("c'est une indication")).to_be_visible()
    expect(page.get_by_role("heading", name="Points forts")).to_be_visible()
    j.check("autodiagnostic resultat")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Vérifier un certificat")).to_be_visible()

    j.login(APPLICANT)
    j.goto("/structures/mes-structures")
    page.locator("main a[href^='/structures/']").first.click()
    expect(page.get_by_role("heading", name="Candidature au label")).to_be_visible()
    j.check("structure offre")
    structure_url = page.url
    apply = page.get_by_role("button", name="Candidater au label")
    if apply.count():  # offered: once applied, the page says an application runs
        apply.click()
        page.goto(structure_url)
    expect(apply).to_have_count(0)
    expect(page.locator(".apply-steps li").first).to_be_visible()
    j.check("structure sans offre")

    page.get_by_role("link", name="Auto-évaluations").click()
    start = page.get_by_role("button", name=re.compile("Commencer une auto-évaluation"))
    if start.count():
        start.click()
    else:
        page.get_by_role("link", name=re.compile("Reprendre|Continuer")).first.click()
    if "/principes/" not in page.url:
        page.goto(page.url.rsplit("/", 1)[0] + "/principes/GOV")
    bar = page.locator(".sticky-actions")
    status = bar.get_by_role("status")
    expect(status).to_have_text("Vos réponses sont enregistrées à chaque changement.")
    page.locator(".question-field").first.get_by_role("radio").first.check()
    expect(status).to_contain_text("enregistrée")
    expect(bar).to_be_in_viewport()
    j.check("auto-evaluation bureau")
    steps = page.get_by_role("navigation", name="Principes de la charte")
    expect(steps.locator(".step-number").nth(2)).to_have_text("3.")

    page.set_viewport_size(PHONE["viewport"])
    page.reload()
    expect(bar).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    j.check("auto-evaluation telephone")


def test_menu_folds_on_a_phone(journey):
    j = journey("applicant_path_phone", **PHONE)
    page = j.page
    j.goto("/autodiagnostic")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    menu = page.locator("#menu-principal")
    expect(menu).to_be_hidden()
    j.check("menu replie")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Vérifier un certificat")).to_be_visible()
    j.check("menu ouvert")
    expect(heading(page, "Autodiagnostic rapide")).to_be_visible()


def test_menu_shown_without_javascript(journey):
    j = journey("applicant_path_nojs", java_script_enabled=False, **PHONE)
    page = j.page
    page.goto("/autodiagnostic")
    expect(page.locator("#menu-principal")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
