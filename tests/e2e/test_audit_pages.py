"""The pages no other journey goes through, for axe-core (which audits every page a journey
reaches, see conftest): a password reset from the emailed link, the error pages and the
administration of the accounts."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import heading, nav

RESET = "structure0033@demo.cdess.test"  # an account no other journey uses
NEW_PASSWORD = "un-autre-mot-de-passe-solide"


def test_password_reset_from_the_emailed_link(journey, server):
    j = journey("audit-password-reset")
    page = j.page
    j.goto("/compte/connexion", "connexion")
    page.get_by_role("link", name=re.compile("Mot de passe oublié")).click()
    expect(heading(page, "Mot de passe oublié")).to_be_visible()
    page.get_by_label("Adresse électronique").fill(RESET)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("status")).to_contain_text("lien de réinitialisation")

    page.goto(server.link_in_last_email(RESET))
    expect(heading(page, "Choisir un nouveau mot de passe")).to_be_visible()
    j.check("nouveau mot de passe")
    page.get_by_label("Mot de passe (12 caractères au moins)").fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill("pas-le-meme-mot-de-passe")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    j.check("nouveau mot de passe erreurs")
    page.get_by_label("Mot de passe (12 caractères au moins)").fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe est changé")
    j.login(RESET, NEW_PASSWORD)


def test_error_pages(journey):
    visitor = journey("audit-errors-visitor")
    response = visitor.page.goto("/nulle-part")
    assert response.status == 404
    expect(heading(visitor.page, "Page introuvable")).to_be_visible()
    visitor.check("page introuvable")

    applicant = journey("audit-errors-applicant")
    applicant.login("structure0034@demo.cdess.test")
    response = applicant.page.goto("/secretariat/candidatures")
    assert response.status == 403
    expect(heading(applicant.page, "Accès refusé")).to_be_visible()
    applicant.check("acces refuse")
    assert applicant.page.goto("/candidatures/999999").status == 404
    applicant.check("dossier introuvable")


def test_admin_pages(journey):
    j = journey("audit-admin")
    page = j.page
    j.login("secretariat@demo.cdess.test")
    nav(page, "Utilisateurs")
    expect(heading(page, "Utilisateurs")).to_be_visible()
    j.check("utilisateurs")
    page.get_by_label("Nom ou adresse").fill("membre12@")
    with page.expect_navigation():
        page.get_by_label("Nom ou adresse").press("Enter")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    j.check("utilisateur")

    nav(page, "Utilisateurs")
    page.get_by_role("link", name="Inviter une personne").click()
    page.get_by_role("button", name="Envoyer l'invitation").click()  # empty: errors
    expect(page.get_by_role("alert").first).to_be_visible()
    j.check("invitation erreurs")

    nav(page, "Collèges")
    j.check("colleges")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    j.check("college")
