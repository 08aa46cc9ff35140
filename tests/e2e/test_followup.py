"""The annual follow-up of a label (issue 17), in a browser with axe-core. The structure whose
follow-up is due follows the reminder email's link, files its documents (a wrong file first:
refused beside its field, its answers kept) and confirms the eliminatory criteria; the
secretariat finds it in its queue and accepts it. The overdue, flagged follow-up comes first
in the queue; « Proposer une suspension » puts the proposal, with the secretariat's report,
on the agenda of the next session. The pages are photographed on a desktop and a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import nav, pdf_file

# The demo's follow-ups (cdess/demo/followups.py): the first two structures after the
# scenario's applications.
LATE = "structure0025@demo.cdess.test"
DUE = "structure0026@demo.cdess.test"
SECRETARIAT = "secretariat@demo.cdess.test"
REPORT = "Le suivi annuel n'a pas été déposé malgré trois rappels et le signalement."
PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(own_server):
    """This file's own demo server: its suspension proposal goes on the agenda of the demo's
    session of today, which other journeys hold."""
    return own_server


def status(page):
    return page.get_by_role("status")


def test_reminder_email_then_filing_then_acceptance(journey, server):
    reminders = server.emails_to(DUE)
    assert any("suivi annuel est attendu" in str(m["Subject"]) for m in reminders)
    link = server.link_in_last_email(DUE)
    assert re.search(r"/suivis/\d+$", link)

    s = journey("followup-structure")
    s.login(DUE)
    page = s.page
    s.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Suivi annuel du label")
    s.check("suivi a deposer")
    criteria = page.locator(".question-field")
    assert criteria.count() >= 1
    # A text file named « .pdf » and a criterion declared without its explanation: refused,
    # each beside its field; the answers are kept.
    page.get_by_label("Procès-verbal de la dernière assemblée générale").set_input_files(
        pdf_file("pv-ag.pdf", "PV AG")
    )
    page.get_by_label("Derniers comptes annuels").set_input_files(
        {"name": "comptes.pdf", "mimeType": "application/pdf", "buffer": b"Comptes (brouillon)"}
    )
    for i in range(criteria.count()):
        criteria.nth(i).get_by_label("Toujours respecté", exact=True).check()
    criteria.first.get_by_label("N'est plus respecté", exact=True).check()
    page.get_by_role("button", name="Déposer le suivi").click()
    expect(page.locator("#doc-accounts-erreur")).to_contain_text("type de fichier")
    expect(criteria.first.locator(".error-message")).to_contain_text("Expliquez")
    expect(criteria.first.get_by_label("N'est plus respecté", exact=True)).to_be_checked()
    s.check("suivi refuse")

    criteria.first.get_by_label("Toujours respecté", exact=True).check()
    page.get_by_label("Procès-verbal de la dernière assemblée générale").set_input_files(
        pdf_file("pv-ag.pdf", "PV AG")
    )
    page.get_by_label("Derniers comptes annuels").set_input_files(
        pdf_file("comptes.pdf", "Comptes")
    )
    boxes = page.locator("textarea[name^='obj-']")
    if boxes.count():
        boxes.first.fill("L'assemblée générale est ouverte aux salariés depuis juin.")
    page.get_by_role("button", name="Déposer le suivi").click()
    expect(status(page)).to_contain_text("Suivi annuel déposé")
    expect(page.get_by_role("link", name="comptes.pdf")).to_be_visible()
    s.check("suivi depose")
    followup_path = page.url.removeprefix(server.url)

    # The secretariat finds it in the queue (filtered on « déposé ») and accepts it.
    a = journey("followup-secretariat")
    a.login(SECRETARIAT)
    nav(a.page, "Suivis annuels")
    a.check("file des suivis")
    a.page.get_by_label("État").select_option(label="déposé")
    a.page.get_by_role("button", name="Filtrer").click()
    a.page.locator(f"main a[href='{followup_path}']").click()
    expect(a.page.get_by_role("cell", name=re.compile("oui")).first).to_be_visible()
    a.check("suivi a examiner")
    a.page.get_by_role("button", name="Accepter").click()
    expect(status(a.page)).to_contain_text("Suivi annuel accepté.")
    a.check("suivi accepte")
    assert any("accepté" in str(m["Subject"]) for m in server.emails_to(DUE))

    # The same pages on a phone.
    p = journey("followup-phone", **PHONE)
    p.login(SECRETARIAT)
    p.goto("/secretariat/suivis", "file des suivis telephone")
    p.goto(followup_path, "suivi accepte telephone")


def test_an_overdue_follow_up_leads_to_a_suspension_proposal(journey, server):
    a = journey("followup-suspension")
    page = a.page
    a.login(SECRETARIAT)
    nav(page, "Suivis annuels")
    first = page.locator("main table").first.get_by_role("row").nth(1)
    expect(first).to_contain_text("signalé")
    first.get_by_role("link").click()
    name = page.get_by_role("heading", level=1).inner_text().split(" — ", 1)[1]
    a.check("suivi signale")
    page.get_by_role("button", name="Proposer une suspension").click()
    expect(page.locator("#suspension-report-erreur")).to_contain_text("obligatoire")
    page.get_by_label("Rapport du secrétariat").fill(REPORT)
    page.get_by_role("button", name="Proposer une suspension").click()
    expect(status(page)).to_contain_text("inscrite à l'ordre du jour de la séance du")
    a.check("suspension proposee")
    expect(page.get_by_role("button", name="Proposer une suspension")).to_have_count(0)
    assert any("suspension" in str(m["Subject"]).lower() for m in server.emails_to(LATE))

    # On the agenda of the next session: the demo's session of today.
    nav(page, "Séances")
    page.get_by_role("row").filter(has_text="convoquée").get_by_role("link").click()
    expect(page.locator("main")).to_contain_text(f"Proposition de suspension du label — {name}")
    a.check("ordre du jour avec la proposition")


def test_the_year_s_verification_sample_is_drawn_once(journey, server):
    a = journey("followup-sample")
    page = a.page
    a.login(SECRETARIAT)
    nav(page, "Suivis annuels")
    sample = page.get_by_role("region", name=re.compile("Échantillon de vérification"))
    sample.get_by_role("button", name=re.compile("^Tirer l'échantillon")).click()
    expect(page.locator(".flash-success")).to_contain_text("tiré : 1 structure sur")
    expect(sample).to_contain_text("Graine du tirage")
    expect(sample.get_by_role("button")).to_have_count(0)  # once a year
    expect(page.get_by_text("échantillon", exact=True).first).to_be_visible()
    a.check("echantillon tire")
