"""Personal-data rights in a browser with axe-core: a structure's person downloads their data,
then deletes their account (with their password); they are logged out and their address opens
nothing any more; the secretariat finds the journal intact. On a server of its own: the demo
loses an account."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import field_error
from tests.factories import DEMO_PASSWORD

PERSON = "structure0001@demo.cdess.test"
SECRETARIAT = "secretariat@demo.cdess.test"


@pytest.fixture(scope="module")
def server(own_server):
    return own_server


def test_a_person_downloads_their_data_and_deletes_their_account(journey):
    j = journey("privacy")
    page = j.page
    j.login(PERSON)
    j.goto("/compte/", "mon compte")
    page.get_by_role("link", name="Voir et télécharger mes données").click()
    expect(page.get_by_role("heading", name="Mes données personnelles", level=1)).to_be_visible()
    j.check("mes données personnelles")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == PERSON
    assert data["memberships"], "the demo's person acts for a structure"

    page.get_by_role("link", name="Supprimer mon compte").click()
    expect(page.get_by_role("heading", name="Supprimer mon compte", level=1)).to_be_visible()
    j.check("supprimer mon compte")
    # Without the confirmation, the form comes back with its message next to the box.
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(field_error(page, "J'ai compris que la suppression est définitive.")).to_have_text(
        "Cochez cette case pour confirmer."
    )
    j.check("suppression sans confirmation")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_label("J'ai compris que la suppression est définitive.").check()
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_text("Votre compte est supprimé")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    j.check("compte supprimé")

    # The address opens nothing any more.
    j.goto("/compte/connexion")
    page.get_by_label("Adresse électronique").fill(PERSON)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(field_error(page, "Mot de passe")).to_have_text("Adresse ou mot de passe incorrect.")

    # The journal still verifies.
    j.login(SECRETARIAT)
    j.goto("/secretariat/journal/verification", "vérification du journal")
    expect(page.get_by_text("Journal intact")).to_be_visible()
