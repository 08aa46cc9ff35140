"""The legal pages: public, their settings shown, linked from every page's footer, French
typography; the site map lists what this person may open, and no more."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import url_for

from cdess.accounts.models import Role
from cdess.legal import views
from tests.factories import html

NBSP = "\u00a0"
PAGES = ("/accessibilite", "/mentions-legales", "/donnees-personnelles", "/plan-du-site")
SETTINGS = {
    "DEPARTEMENT_NAME": "Département de l'Essai",
    "PUBLISHER_ADDRESS": "12 rue de l'Essai, 62000 Arras",
    "PUBLICATION_DIRECTOR": "Camille Essai, présidente",
    "HOST_NAME": "Hébergeur Essai SAS",
    "HOST_ADDRESS": "1 quai des Serveurs, 59000 Lille",
    "HOST_PHONE": "01 99 00 12 34",
    "DPO_EMAIL": "dpo@essai.test",
    "ACCESSIBILITY_CONTACT": "a11y@essai.test",
    "ACCESSIBILITY_AUDIT_DATE": "2026-03-15",
    "ACCESSIBILITY_STATEMENT_DATE": "2026-04-20",
    "RETENTION_UNCONFIRMED_DAYS": 45,
    "RETENTION_DRAFT_YEARS": 4,
    "RETENTION_INACTIVE_YEARS": 5,
    "RETENTION_WARNING_DAYS": 21,
    "REMEMBER_COOKIE_DURATION": 7 * 86400,  # seconds, as from CDESS_REMEMBER_COOKIE_DURATION
}


@pytest.fixture
def app_config():
    return SETTINGS


def main(response) -> str:
    """The page's own content (not the header's menu nor the footer), tags left in."""
    return re.search(r"<main.*?</main>", html(response), re.S).group(0)


def text(fragment: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", fragment))  # not U+00A0


def links(fragment: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', fragment))


@pytest.mark.parametrize("url", PAGES)
def test_each_page_is_public(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "<h1>" in html(response)


@pytest.mark.parametrize("url", PAGES)
def test_french_typography(client, url):
    """A non-breaking space before « : ; ! ? » and inside « », in the text of the page."""
    page = text(main(client.get(url)))
    assert re.findall(r".{0,30}(?: [:;!?»]|« ).{0,10}", page) == []
    assert ":" in page or url == "/plan-du-site"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "/mentions-legales",
            [
                "Département de l'Essai",
                "12 rue de l'Essai, 62000 Arras",
                "Camille Essai, présidente",
                "Hébergeur Essai SAS",
                "1 quai des Serveurs, 59000 Lille",
                "01 99 00 12 34",
                "Licence Ouverte",
            ],
        ),
        (
            "/donnees-personnelles",
            [
                "12 rue de l'Essai, 62000 Arras",
                'href="mailto:dpo@essai.test"',
                "Hébergeur Essai SAS",
                f"après 45{NBSP}jours",  # unconfirmed accounts
                f"après 4{NBSP}ans",  # abandoned drafts
                f"depuis 5{NBSP}ans",  # inactive accounts
                f"courriel 21{NBSP}jours avant",
                f"valable 7{NBSP}jours",  # « Rester connecté »
                f"art.{NBSP}6.1.e",
                "https://www.cnil.fr/fr/plaintes",
            ],
        ),
        (
            "/accessibilite",
            [
                "est non conforme avec",
                "RGAA), version 4.1",
                "du 15 mars 2026",
                "établie le 20 avril 2026",
                f"axe-core {views.AXE_VERSION}",
                'href="mailto:a11y@essai.test"',
                "12 rue de l'Essai, 62000 Arras",
                "https://formulaire.defenseurdesdroits.fr/",
                "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07",
            ],
        ),
    ],
)
def test_settings_shown(client, url, shown):
    page = main(client.get(url))
    missing = [value for value in shown if value not in page]
    assert missing == []


def test_the_hosts_telephone_only_when_set(app, client):
    app.config["HOST_PHONE"] = ""
    assert "Téléphone" not in main(client.get("/mentions-legales"))


@pytest.mark.parametrize("value", ["pas une date", "", None, 2026])
def test_an_audit_date_that_is_no_date_is_left_out(app, client, value):
    app.config["ACCESSIBILITY_AUDIT_DATE"] = value
    app.config["ACCESSIBILITY_STATEMENT_DATE"] = value
    response = client.get("/accessibilite")
    assert response.status_code == 200
    assert "Le dernier audit, du" not in html(response)
    assert "Cette déclaration a été établie le" not in html(response)


def test_an_audit_date_given_as_a_date(app, client):
    app.config["ACCESSIBILITY_AUDIT_DATE"] = date(2025, 11, 30)
    assert "du 30 novembre 2025" in main(client.get("/accessibilite"))


def test_the_footer_links_to_the_legal_pages(client):
    footer = re.search(r"<footer.*?</footer>", html(client.get("/")), re.S).group(0)
    assert set(PAGES) <= links(footer)
    assert f"Accessibilité{NBSP}: non conforme" in text(footer)


def test_the_accessibility_statement_names_the_axe_core_the_journeys_run():
    vendored = Path(__file__).parents[1] / "e2e" / "vendor" / "VERSION"
    assert vendored.read_text().startswith(f"axe-core {views.AXE_VERSION} ")


PUBLIC = {"/", "/charte", "/charte/signataires", "/registre", "/verification", "/statistiques"}
PUBLIC |= {"/journal", "/registre.csv", "/statistiques.json", *PAGES}
STAFF = {"/secretariat/candidatures", "/admin/utilisateurs", "/secretariat/journal", "/seances"}


def test_the_site_map_of_a_visitor(client):
    listed = links(main(client.get("/plan-du-site")))
    assert PUBLIC | {"/autodiagnostic", "/compte/connexion", "/compte/inscription"} <= listed
    assert not listed & (STAFF | {"/compte/", "/structures/mes-structures"})


def test_the_site_map_of_the_secretariat(client, create_user, login):
    login(create_user(Role.secretariat))
    page = main(client.get("/plan-du-site"))
    listed = links(page)
    assert PUBLIC | STAFF | {"/compte/", "/structures/", "/certificats"} <= listed
    assert "/compte/connexion" not in listed
    assert "Vos pages" in page and "Votre compte" in page


def test_the_site_map_of_an_applicant(client, create_user, login):
    login(create_user(Role.applicant))
    listed = links(main(client.get("/plan-du-site")))
    assert PUBLIC | {"/structures/mes-structures", "/compte/"} <= listed
    assert not listed & STAFF


def test_a_page_listed_only_once_it_exists(app):
    with app.test_request_context():
        pages = views._existing([("accounts.profile", "Mon compte"), ("nulle.part", "Ailleurs")])
    assert pages == [("accounts.profile", "Mon compte")]


def test_the_rights_link_to_the_accounts_pages_that_exist(app, client):
    page = main(client.get("/donnees-personnelles"))
    assert 'href="/compte/"' in page
    with app.test_request_context():
        for endpoint in ("accounts.my_data", "accounts.delete_account"):
            if endpoint in app.view_functions:
                assert f'href="{url_for(endpoint)}"' in page


@pytest.mark.parametrize(
    ("value", "days"),
    [(timedelta(days=30), 30), (2592000, 30), ("86400", 1), (3600, 1), (timedelta(hours=36), 2)],
)
def test_a_duration_setting_in_days(value, days):
    assert views._days(value) == days
