"""Journey 1 (applicant): register, confirm the email, create the structure with the commune
search, sign the charter, self-assess principle by principle, finish, get the PDF report."""

import re

from playwright.sync_api import expect

from tests.conftest import valid_siret
from tests.e2e.helpers import answer_questions, field_error, heading, nav

EMAIL = "camille.leroy@asso-exemple.fr"
PASSWORD = "un-mot-de-passe-solide"


def test_applicant_registers_signs_and_self_assesses(journey, server):
    j = journey("applicant")
    page = j.page

    # Register, with one mistake first: the form keeps what was typed.
    j.goto("/compte/inscription", "inscription")
    page.get_by_label("Nom et prénom").fill("Camille Leroy")
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe (12").fill("court")
    page.get_by_label("Confirmez le mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_label("Mot de passe (12")).to_have_attribute("aria-invalid", "true")
    expect(field_error(page, "Mot de passe (12")).to_contain_text(
        "Le mot de passe doit compter au moins 12 caractères."
    )
    expect(page.get_by_label("Adresse électronique")).to_have_value(EMAIL)
    j.check("inscription erreur")
    page.get_by_label("Mot de passe (12").fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    # The confirmation link arrives by email (written to the outbox).
    page.goto(server.link_in_last_email(EMAIL))
    expect(page.get_by_text("Votre adresse est confirmée")).to_be_visible()
    j.check("adresse confirmee")
    j.login(EMAIL, PASSWORD)

    # Create the structure; the commune is found by name.
    nav(page, "Mes structures")
    j.check("mes structures vide")
    page.get_by_role("link", name="Inscrire une structure").click()
    page.get_by_label("Nom de la structure").fill("Les Jardins partagés d'Arras")
    page.get_by_label("SIRET (14 chiffres)").fill(valid_siret(987_001))
    page.get_by_label("Forme juridique").select_option(value="9220")
    page.get_by_label("Adresse du siège").fill("12 rue des Potagers")
    page.get_by_label("Commune du siège").fill("Commune inconnue")
    page.get_by_role("button", name="Enregistrer").click()
    expect(field_error(page, "Commune du siège")).to_be_visible()
    j.check("structure erreur commune")
    page.get_by_label("Commune du siège").fill("Arras (62000)")
    page.get_by_label("Nombre de salariés").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(heading(page, "Les Jardins partagés d'Arras")).to_be_visible()
    expect(page.get_by_text("CU d'Arras")).to_be_visible()
    j.check("structure creee")

    # Sign the charter: the commitments are shown, acceptance is explicit.
    page.get_by_role("link", name="Signer la charte").click()
    expect(page.get_by_role("heading", name=re.compile("Les engagements"))).to_be_visible()
    page.get_by_label("Nom et prénom du représentant légal").fill("Camille Leroy")
    page.get_by_label("Qualité").fill("Présidente")
    page.get_by_role("button", name="Signer la charte").click()
    expect(field_error(page, "J'ai lu les engagements")).to_contain_text(
        "Cochez cette case pour signer la charte."
    )
    j.check("signature erreur")
    page.get_by_label("J'ai lu les engagements").check()
    page.get_by_role("button", name="Signer la charte").click()
    expect(page.get_by_text("Charte signée le")).to_be_visible()

    # Self-assess, one page per principle.
    page.get_by_role("link", name="Auto-évaluations").click()
    expect(heading(page, "Auto-évaluations")).to_be_visible()
    j.check("auto-evaluations historique")
    page.get_by_role("button", name="Commencer une auto-évaluation").click()

    # Answers are saved as they change: a page closed without « Enregistrer » loses nothing,
    # and a wrong number gets its message next to the field at once.
    page.get_by_role("group", name="GOV-01").get_by_label("Oui").check()
    expect(page.get_by_role("status").filter(has_text="GOV-01")).to_have_text(
        "Réponse GOV-01 enregistrée."
    )
    share = page.get_by_label("GOV-07")
    share.fill("80")
    share.blur()
    expect(field_error(page, "GOV-07")).to_have_text("Saisissez un nombre entre 0 et 50.")
    j.check("auto-evaluation enregistrement automatique")
    page.reload()
    expect(page.get_by_role("group", name="GOV-01").get_by_label("Oui")).to_be_checked()
    for step in range(5):
        expect(page.get_by_text(f"Principe {step + 1} sur 5")).to_be_visible()
        answer_questions(page, best=step != 3, number="30" if step != 1 else "12,5")
        if step == 0:
            j.check("auto-evaluation principe")
        page.get_by_role("button", name="Enregistrer et continuer").click()
        if step == 1:  # LUC-08: a spread of 12,5 is allowed, then on to the next page
            pass
    expect(heading(page, "Résultat de l'auto-évaluation")).to_be_visible()
    expect(page.get_by_text("Il reste")).to_have_count(0)
    page.get_by_role("button", name="Terminer l'auto-évaluation").click()
    expect(page.get_by_text("ce résultat est conservé tel quel")).to_be_visible()
    expect(page.get_by_role("table", name="Scores par principe")).to_be_visible()
    expect(page.get_by_role("heading", name="Pour progresser")).to_be_visible()
    j.check("auto-evaluation resultat")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le rapport (PDF)").click()
    pdf = download.value
    path = j.folder / "rapport-auto-evaluation.pdf"
    pdf.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")

    # Apply for the label with this assessment, and submit the file.
    page.get_by_role("link", name="Les Jardins partagés d'Arras").click()
    page.get_by_role("link", name="Retour à la structure").click()
    page.get_by_role("button", name="Candidater au label").click()
    expect(heading(page, "Candidature au label")).to_be_visible()
    expect(page.get_by_text("Rattachez une auto-évaluation terminée.")).to_be_visible()
    j.check("candidature brouillon")
    page.get_by_role("button", name="Joindre cette auto-évaluation").click()
    expect(page.get_by_text("Le dossier est complet")).to_be_visible()
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_text("le dossier est maintenant « déposé »")).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="brouillon → déposé")).to_be_visible()
    j.check("candidature deposee")
