"""Journey: a report from the public. A visitor finds a labelled structure in the registry and
reports a breach of the charter, the form first refusing an empty text; the secretariat finds
it in its queue (beside the demo's own report) and asks the structure for an answer; the
structure answers from the email's link; the secretariat dismisses the report with a reason,
and the reporter's outcome email is in the outbox. The form and the report's page are also
looked at on a phone."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import field_error, heading, nav, pdf_file

STRUCTURE = "structure0020@demo.cdess.test"  # its label is valid (it ends within six months)
REPORTER = "temoin.signalement@exemple.fr"
TEXT = (
    "Les salariés n'ont pas été consultés sur la fermeture de l'atelier, contrairement à la charte."
)
QUESTION = "Pouvez-vous nous dire comment les salariés ont été consultés sur cette fermeture ?"
ANSWER = "Le comité social a été réuni le 14 octobre ; son compte rendu est à votre disposition."
REASON = "La structure a bien consulté ses salariés : compte rendu du comité social reçu."
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}


def status(page):
    return page.get_by_role("status")


def on_phone(journey, name: str) -> None:
    """Look at the page as a phone shows it, then go back to the desktop's width."""
    journey.page.set_viewport_size(PHONE)
    journey.check(f"{name} telephone")
    journey.page.set_viewport_size(DESKTOP)


def test_a_visitor_reports_the_structure_answers_the_secretariat_dismisses(journey, server):
    # The structure's name, as its people see it.
    a = journey("reports-structure")
    a.login(STRUCTURE)
    nav(a.page, "Mes structures")
    names = a.page.locator("main a[href^='/structures/']").all_inner_texts()
    name = next(n for n in names if n != "Inscrire une structure")

    # A visitor finds it in the registry and opens the form.
    v = journey("reports-visitor")
    page = v.page
    v.goto("/registre")
    page.get_by_label("Nom, SIRET, RNA ou numéro de certificat").fill(name)
    page.get_by_role("button", name="Chercher").click()
    row = page.get_by_role("row").filter(has_text=name)
    v.check("registre")
    row.get_by_role("link", name=f"Signaler un manquement à la charte : {name}").click()
    expect(heading(page, "Signaler un manquement à la charte")).to_be_visible()
    expect(page.get_by_text(f"Structure concernée : {name}")).to_be_visible()
    v.check("formulaire")
    on_phone(v, "formulaire")

    # An empty text is refused next to its field, what was typed kept.
    page.get_by_label("Votre nom (facultatif)").fill("Claire Martin")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(field_error(page, "Le manquement constaté")).to_contain_text("Ce champ est obligatoire.")
    expect(page.get_by_label("Votre nom (facultatif)")).to_have_value("Claire Martin")
    v.check("signalement sans texte")

    page.get_by_label("Le manquement constaté").fill(TEXT)
    page.get_by_label("Votre adresse électronique (facultatif)").fill(REPORTER)
    page.get_by_label("Une pièce (facultatif)").set_input_files(pdf_file("constat.pdf"))
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(heading(page, "Signalement envoyé")).to_be_visible()
    reference = page.get_by_role("definition").first.inner_text()
    assert re.fullmatch(r"S-\d{4}-\d{5}", reference), reference
    v.check("accuse de reception")
    [receipt] = server.emails_to(REPORTER)
    assert reference in receipt["Subject"]

    # The secretariat finds it in its queue, received first, and asks the structure.
    s = journey("reports-secretariat")
    sp = s.page
    s.login("secretariat@demo.cdess.test")
    nav(sp, "Signalements")
    queue = sp.get_by_role("table", name="Signalements, ceux qui attendent une action d'abord")
    expect(queue.get_by_role("row")).to_have_count(3)  # the demo's report and this one
    s.check("file des signalements")
    sp.get_by_role("link", name=reference).click()
    expect(heading(sp, f"Signalement {reference}")).to_be_visible()
    expect(sp.get_by_role("region", name="Le manquement signalé")).to_contain_text(TEXT)
    expect(sp.get_by_role("link", name="constat.pdf")).to_be_visible()
    s.check("signalement recu")
    on_phone(s, "signalement recu")
    sp.get_by_label("Question posée à la structure").fill(QUESTION)
    sp.get_by_role("button", name="Demander une réponse à la structure").click()
    expect(status(sp)).to_have_text("Question envoyée à la structure.")

    # The structure answers from the email's link: the question, never the reporter.
    a.page.goto(server.link_in_last_email(STRUCTURE))
    expect(heading(a.page, "Réponse au secrétariat du conseil")).to_be_visible()
    expect(a.page.get_by_text(QUESTION)).to_be_visible()
    expect(a.page.get_by_text("Claire Martin")).to_have_count(0)
    a.check("question du secretariat")
    a.page.get_by_label("Réponse de la structure").fill(ANSWER)
    a.page.get_by_role("button", name="Envoyer la réponse").click()
    expect(status(a.page)).to_have_text("Votre réponse est transmise au secrétariat du conseil.")
    a.check("reponse envoyee")

    # The secretariat reads the answer and dismisses the report, its reason required.
    sp.reload()
    exchange = sp.get_by_role("region", name="Question à la structure et sa réponse")
    expect(exchange).to_contain_text(ANSWER)
    sp.get_by_role("button", name="Classer sans suite").click()
    expect(field_error(sp, "Motif du classement sans suite")).to_contain_text(
        "Ce champ est obligatoire."
    )
    s.check("classement sans motif")
    sp.get_by_label("Motif du classement sans suite").fill(REASON)
    sp.get_by_role("button", name="Classer sans suite").click()
    expect(status(sp)).to_have_text("Signalement classé sans suite.")
    expect(sp.get_by_role("region", name="Suite donnée")).to_contain_text(REASON)
    s.check("signalement classe")

    # The reporter is told the outcome, with the reason.
    outcome = server.emails_to(REPORTER)[-1]
    assert "classé sans suite" in outcome["Subject"] and reference in outcome["Subject"]
    assert REASON in outcome.get_body(preferencelist=("plain",)).get_content()
