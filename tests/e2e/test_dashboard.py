"""The dashboard and the public statistics (issue 22), in a browser with axe-core. The
secretariat opens the dashboard from the menu, narrows it to the associations (the address keeps
the filter, the form shows it chosen) and follows « Candidatures en attente de recevabilité » to
the queue of submitted files, then from the figures to the lists behind them (a year's files, a
session); a visitor goes from the registry to the statistics page and from its associations'
row to the registry of labelled associations."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import heading, nav

SECRETARIAT = "secretariat@demo.cdess.test"


def test_secretariat_dashboard_filter_and_priority(journey):
    j = journey("dashboard-secretariat")
    page = j.page
    j.login(SECRETARIAT)
    nav(page, "Tableau de bord")
    expect(heading(page, "Tableau de bord")).to_be_visible()
    expect(page.get_by_role("heading", name="À traiter en priorité")).to_be_visible()
    # Each chart is an image named by its title, with its table.
    expect(page.get_by_role("img", name="Structures par famille de l'ESS")).to_be_visible()
    expect(
        page.get_by_role("table", name="Données : Structures par famille de l'ESS")
    ).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("^Carte des structures labellisées par EPCI"))
    ).to_be_visible()
    j.check("tableau de bord")

    page.get_by_label("Famille de l'ESS", exact=True).select_option("association")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer les filtres").click()
    assert "famille=association" in page.url
    expect(page.get_by_label("Famille de l'ESS", exact=True)).to_have_value("association")
    expect(
        page.get_by_role("link", name=re.compile("Télécharger ces données")).first
    ).to_have_attribute("href", re.compile(r"famille=association"))
    j.check("tableau de bord associations")

    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Candidatures en attente de recevabilité")).click()
    assert re.search(r"/secretariat/candidatures\?state=submitted$", page.url)
    expect(heading(page, "Candidatures")).to_be_visible()
    j.check("file des candidatures deposees")

    # From a figure to the list behind it: a year's files filed, a session's decisions.
    page.go_back()
    years = page.get_by_role("table", name="Données : Évolution par année")
    with page.expect_navigation():
        years.get_by_role("link", name=re.compile("^2025")).click()
    assert "annee=2025" in page.url and "family=association" in page.url
    expect(page.get_by_label("Déposées en")).to_have_value("2025")
    j.check("candidatures deposees en 2025")
    page.go_back()
    sessions = page.get_by_role("table", name="Données : Décisions par séance du conseil")
    with page.expect_navigation():
        sessions.get_by_role("link").last.click()
    assert re.search(r"/seances/\d+$", page.url)
    j.check("seance depuis le tableau de bord")


def test_visitor_statistics(journey):
    j = journey("dashboard-visitor")
    page = j.page
    j.goto("/registre", "registre")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Statistiques")).first.click()
    expect(heading(page, "Statistiques du label")).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("^Structures labellisées par EPCI"))
    ).to_be_visible()
    # The same counts on the map of the EPCI, each written on its EPCI.
    expect(
        page.get_by_role("img", name=re.compile("^Carte des structures labellisées par EPCI"))
    ).to_be_visible()
    expect(
        page.get_by_role("table", name="Données : Structures labellisées par EPCI")
    ).to_be_visible()
    j.check("statistiques")
    families = page.get_by_role("table", name=re.compile(r"^Données\s: Structures labellisées et"))
    with page.expect_navigation():
        families.get_by_role("link", name=re.compile("^Association")).click()
    assert "famille=association" in page.url
    j.check("registre des associations")
