"""The secretariat's tools (issue 20), in a browser with axe-core: the batch issue of a session's
certificates ends on a page that lists them and links their archive (clicking again issues
nothing); the queue puts the files to act on first and searches by name or number; the
criterion editor shows the chosen type's fields only and edits the answers as rows (added,
removed, reordered with buttons and the keyboard)."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import heading, nav


@pytest.fixture(scope="module")
def server(own_server):
    """This file's own demo server: the demo's one batch of certificates is issued here, and
    tests/e2e/test_certificates.py issues it on the suite's server."""
    return own_server


# Posts the batch again from the page (with its CSRF token), as a stale page's button would.
RESEND = """() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = location.pathname;
    form.appendChild(document.querySelector('input[name=csrf_token]').cloneNode());
    document.body.appendChild(form);
    form.submit();
}"""


def test_batch_certificates_confirmation(journey):
    sec = journey("tools-certificates")
    page = sec.page
    sec.login("secretariat@demo.cdess.test")
    nav(page, "Certificats")
    batch = page.get_by_role("button", name=re.compile("^Délivrer tous les certificats"))
    batch.first.click()
    announced = page.get_by_role("region", name=re.compile("(vient|viennent) d'être délivrés?$"))
    expect(announced.get_by_role("listitem").first).to_contain_text(re.compile(r"CDESS-62-.+ — "))
    expect(heading(page, "Certificats de la séance du")).to_be_visible()
    expect(
        page.get_by_role(
            "heading", name=re.compile(r"^\d+ certificats? délivrés? pour cette séance$")
        )
    ).to_be_visible()
    rows = page.locator("tbody tr").filter(
        has=page.get_by_role("link", name=re.compile("^CDESS-62-"))
    )
    assert rows.count() >= 1
    archive = page.get_by_role("link", name=re.compile(r"archive ZIP"))
    expect(archive).to_have_attribute("href", re.compile(r"/seances/\d+/certificats\.zip$"))
    # The « à délivrer » list is today's: no batch button left for this session.
    expect(
        page.get_by_role("button", name=re.compile("^Délivrer tous les certificats"))
    ).to_have_count(0)
    sec.check("certificats de la seance")
    with page.expect_download() as download:
        archive.click()
    assert download.value.suggested_filename.startswith("certificats-seance-")
    # The form sent again (a second click from a stale page): nothing more, and it says why.
    issued = rows.count()
    with page.expect_navigation():
        page.evaluate(RESEND)
    expect(page.locator(".flash-error")).to_have_text(
        "Aucun dossier de cette séance n'attend son certificat."
    )
    expect(rows).to_have_count(issued)
    sec.check("certificats de la seance deja delivres")


def test_queue_sorted_and_searched(journey):
    sec = journey("tools-queue")
    page = sec.page
    sec.login("secretariat@demo.cdess.test")
    nav(page, "Candidatures")
    files = page.get_by_role("table", name="Candidatures, celles qui attendent une action d'abord")
    first = files.locator("tbody tr td:nth-child(3)").first.inner_text()
    assert first == "déposée", first  # files waiting for admissibility come first
    name = files.locator("tbody tr td:first-child a").first.inner_text()
    word = max(name.split(), key=len)
    page.get_by_label("Structure, SIRET, SIREN ou RNA").fill(word)
    page.get_by_label("État").select_option(label="déposée")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"q=.+&state=submitted|state=submitted.*q="))
    expect(page.get_by_role("status")).to_contain_text(f"pour « {word} »")
    expect(page.get_by_label("Structure, SIRET, SIREN ou RNA")).to_have_value(word)
    names = files.locator("tbody tr td:first-child a").all_inner_texts()
    assert names and all(word.lower() in n.lower() for n in names), names
    sec.check("candidatures recherche")


def test_criterion_editor_rows(journey):
    sec = journey("tools-criterion")
    page = sec.page
    sec.login("secretariat@demo.cdess.test")
    nav(page, "Édition de la charte")
    page.get_by_role("button", name="Modifier la charte (brouillon)").click()
    page.get_by_role("link", name=re.compile("^Ajouter un critère à ")).first.click()
    code = f"E2E-{uuid.uuid4().hex[:6].upper()}"
    page.get_by_label("Code (par exemple GOV-01)").fill(code)
    page.get_by_label("Question").fill("Le bureau est-il renouvelé par tiers ?")
    # Yes / no: its points only; the rows of the other types hidden.
    expect(page.get_by_label("Points (oui / non)")).to_be_visible()
    expect(page.get_by_role("group", name="Réponses proposées (choix unique)")).to_be_hidden()
    sec.check("critere oui non")
    page.get_by_label("Type de réponse").select_option(label="Choix unique (points par réponse)")
    expect(page.get_by_label("Points (oui / non)")).to_be_hidden()
    answers = page.get_by_role("group", name="Réponses proposées (choix unique)")
    expect(answers).to_be_visible()
    expect(page.get_by_role("group", name="Tranches (nombre)")).to_be_hidden()

    def fill(n: int, key: str, label: str, points: str) -> None:
        row = answers.get_by_role("group", name=f"Réponse {n}", exact=True)
        row.get_by_label("Clé").fill(key)
        row.get_by_label("Libellé").fill(label)
        row.get_by_label("Points").fill(points)

    fill(1, "non", "Non", "0")
    fill(2, "oui", "Oui, chaque année", "3")
    # Added with the mouse, then with the keyboard; the new row takes the focus.
    answers.get_by_role("button", name="Ajouter une réponse").click()
    expect(
        answers.get_by_role("group", name="Réponse 3", exact=True).get_by_label("Clé")
    ).to_be_focused()
    fill(3, "parfois", "Parfois", "1")
    answers.get_by_role("button", name="Ajouter une réponse").focus()
    page.keyboard.press("Enter")
    fill(4, "jamais", "Jamais", "0")
    # The 3rd moves up (keyboard), the focus following it; the 4th is removed.
    answers.get_by_role("button", name="Monter la réponse 3").focus()
    page.keyboard.press("Enter")
    expect(answers.get_by_role("button", name="Monter la réponse 2")).to_be_focused()
    expect(
        answers.get_by_role("group", name="Réponse 2", exact=True).get_by_label("Clé")
    ).to_have_value("parfois")
    answers.get_by_role("button", name="Supprimer la réponse 4").click()
    expect(answers.get_by_role("group", name=re.compile(r"^Réponse \d$"))).to_have_count(3)
    page.get_by_label("Association", exact=True).check()
    sec.check("critere choix lignes")
    page.get_by_role("button", name="Enregistrer le critère").click()
    expect(page.get_by_text(f"Critère {code} enregistré.")).to_be_visible()

    # Saved in the order shown; a wrong row comes back with its message next to it.
    page.get_by_role("link", name=code, exact=True).click()
    keys = [
        answers.get_by_role("group", name=f"Réponse {n}", exact=True)
        .get_by_label("Clé")
        .input_value()
        for n in (1, 2, 3)
    ]
    assert keys == ["non", "parfois", "oui"], keys
    row = answers.get_by_role("group", name="Réponse 2", exact=True)
    row.get_by_label("Libellé").fill("")
    page.get_by_role("button", name="Enregistrer le critère").click()
    row = answers.get_by_role("group", name="Réponse 2", exact=True)
    expect(row.get_by_label("Libellé")).to_have_attribute("aria-invalid", "true")
    expect(row.locator(".error-message")).to_have_text("Indiquez un libellé.")
    sec.check("critere ligne en erreur")
    # Leave the draft as it was (other journeys publish it).
    page.get_by_role("button", name=f"Supprimer le critère {code}").click()
    expect(page.get_by_text("Critère supprimé.")).to_be_visible()
