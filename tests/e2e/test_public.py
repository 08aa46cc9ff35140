"""Journey 4 (public, no account): home, charter, signatories, quick self-diagnostic, logging
in, a forgotten password and a page not found; the legal pages from the footer, on a computer
and on a phone."""

from playwright.sync_api import expect

from tests.e2e.helpers import answer_questions, heading, nav


def test_public_pages_and_quick_diagnostic(journey):
    j = journey("public")
    page = j.page
    j.goto("/", "accueil")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    nav(page, "La charte")
    expect(heading(page, "Charte départementale")).to_be_visible()
    j.check("charte publiee")

    j.goto("/charte/signataires", "signataires")
    expect(page.get_by_role("table")).to_be_visible()

    j.goto("/autodiagnostic", "autodiagnostic vide")
    expect(page.get_by_text("10 questions, environ 3 minutes")).to_be_visible()
    page.get_by_role("button", name="Voir mon résultat").click()  # nothing answered first
    expect(page.get_by_role("alert")).to_contain_text("Répondez à cette question")
    j.check("autodiagnostic erreurs")
    assert answer_questions(page) == 10
    page.get_by_role("button", name="Voir mon résultat").click()
    expect(page.get_by_text("Score global")).to_be_visible()
    expect(page.get_by_text("c'est une indication")).to_be_visible()
    expect(page.get_by_role("table", name="Scores par principe")).to_be_visible()
    j.check("autodiagnostic resultat")
    page.get_by_role("link", name="Créer un compte pour conserver ces réponses").click()
    expect(heading(page, "Créer un compte")).to_be_visible()
    j.check("inscription")

    # The pages every visitor may meet: logging in, a forgotten password, a page not found.
    j.goto("/compte/connexion", "connexion")
    j.goto("/compte/mot-de-passe-oublie", "mot de passe oublie")
    assert page.goto("/nulle-part").status == 404
    expect(heading(page, "Page introuvable")).to_be_visible()
    j.check("page introuvable")


def test_a_visitor_opens_the_legal_pages_from_the_footer(journey):
    """Every page's footer leads to the legal pages of a public service (each audited with
    axe-core as it is reached); the site map leads on to the public pages."""
    j = journey("legal")
    page = j.page
    j.goto("/charte")
    footer = page.get_by_role("contentinfo")
    for link, title, shot in [
        ("Accessibilité\u00a0: non conforme", "Déclaration d'accessibilité", "a11y"),
        ("Mentions légales", "Mentions légales", "mentions legales"),
        ("Données personnelles", "Données personnelles", "donnees personnelles"),
        ("Plan du site", "Plan du site", "plan du site"),
    ]:
        with page.expect_navigation():
            footer.get_by_role("link", name=link, exact=True).click()
        expect(heading(page, title)).to_be_visible()
        j.check(shot)
    expect(page.get_by_role("link", name="Espace du conseil")).to_have_count(0)
    with page.expect_navigation():
        site_map = page.get_by_role("main")
        site_map.get_by_role("link", name="Statistiques du label", exact=True).click()
    expect(heading(page, "Statistiques")).to_be_visible()

    phone = journey("legal-phone", viewport={"width": 390, "height": 844})
    phone.goto("/donnees-personnelles")
    expect(heading(phone.page, "Données personnelles")).to_be_visible()
    phone.check("donnees personnelles telephone")
