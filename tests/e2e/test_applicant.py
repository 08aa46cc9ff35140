"""Journey 1 (applicant, then the secretariat on the same file): register, confirm the email,
create the structure with the commune search, sign the charter, self-assess principle by
principle, finish, get the PDF report; then apply with evidence files (a disguised text file
refused first), add a progress objective and submit. The secretariat, in its own browser,
leaves an internal note and asks for complements; the applicant reads the message (not the
note), replaces the statutes, adds a piece and resubmits; the secretariat verifies the answers
against the evidence (one corrected, with its reason), ticks its checklist and declares the
file admissible; the applicant reads the correction. A first submission with an assessment
that fails the charter is refused with its reasons, and a new assessment put right. The
timeline shows every round, the emails are in the
outbox and `flask audit verify` finds the chain intact."""

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.helpers import (
    answer_questions,
    field_error,
    heading,
    nav,
    pdf_file,
    png_file,
)
from tests.factories import valid_siret

EMAIL = "camille.leroy@asso-exemple.fr"
# The questions by their words: the criterion's code is in their help, not their label.
GOV_01 = re.compile("^Vos statuts organisent-ils une gouvernance démocratique")
GOV_07 = re.compile("^Quelle est la part du sexe le moins représenté")
PASSWORD = "un-mot-de-passe-solide"


def test_applicant_self_assesses_applies_and_is_declared_admissible(journey, server):
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
    page.get_by_role("group", name=GOV_01).get_by_label("Oui").check()
    expect(page.get_by_role("status").filter(has_text="GOV-01")).to_have_text(
        "Réponse GOV-01 enregistrée."
    )
    share = page.get_by_label(GOV_07)
    share.fill("80")
    share.blur()
    expect(field_error(page, GOV_07)).to_have_text("Saisissez un nombre entre 0 et 50.")
    j.check("auto-evaluation enregistrement automatique")
    page.reload()
    expect(page.get_by_role("group", name=GOV_01).get_by_label("Oui")).to_be_checked()
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

    apply_with_evidence(j, journey, server)


def apply_with_evidence(j, journey, server) -> None:
    """Apply with this assessment: upload a file for every slot (one refused first), add an
    objective, submit; the secretariat asks for complements, the applicant answers and
    resubmits, the secretariat ticks its checklist and declares the file admissible."""
    page = j.page
    page.get_by_role("link", name="Les Jardins partagés d'Arras").click()
    page.get_by_role("link", name="Retour à la structure").click()
    page.get_by_role("button", name="Candidater au label").click()
    expect(heading(page, "Candidature au label")).to_be_visible()
    expect(page.get_by_text("Rattachez une auto-évaluation terminée.")).to_be_visible()
    j.check("candidature brouillon")
    url = page.url.split("#")[0]
    page.get_by_role("button", name="Joindre cette auto-évaluation").click()
    expect(page.get_by_text("Pièce manquante : Statuts")).to_be_visible()

    # A text file renamed « .pdf » is refused next to its field; the page keeps working.
    page.get_by_label("Fichier pour « Statuts »").set_input_files(
        {"name": "statuts.pdf", "mimeType": "application/pdf", "buffer": b"Statuts (brouillon)"}
    )
    page.get_by_role("button", name=re.compile(r"^Ajouter la pièce\W+Statuts$")).click()
    expect(field_error(page, "Fichier pour « Statuts »")).to_have_text(
        "Ce type de fichier n'est pas accepté : déposez un PDF, PNG, JPEG, ODT ou DOCX."
    )
    expect(page.get_by_label("Fichier pour « Statuts »")).to_have_attribute("aria-invalid", "true")
    j.check("piece refusee")

    # One file per slot: the three general documents, then each criterion's evidence.
    pieces = page.get_by_role("table", name="Pièces obligatoires et justificatifs des critères")
    rows = pieces.locator("tbody tr")
    codes = [header.split(" ")[0] for header in rows.get_by_role("rowheader").all_inner_texts()]
    assert codes[:3] == ["Statuts", "Procès-verbal", "Derniers"] and len(codes) > 3, codes
    statutes = pdf_file("statuts.pdf", "Statuts de l'association")
    uploads = [statutes, pdf_file("pv-ag-2025.pdf"), pdf_file("comptes-2025.pdf")]
    uploads += [pdf_file(f"{code}.pdf") for code in codes[3:-1]] + [png_file(f"{codes[-1]}.png")]
    for i, upload in enumerate(uploads):
        row = rows.nth(i)
        row.get_by_label(re.compile(r"^Fichier pour «\s")).set_input_files(upload)
        row.get_by_role("button", name=re.compile("^Ajouter la pièce")).click()
        expect(page.get_by_text(f"Pièce « {upload['name']} » enregistrée.")).to_be_visible()
    expect(pieces.get_by_text("manquante")).to_have_count(0)

    # A progress objective on a criterion the assessment shows as not met.
    page.get_by_label("Critère à atteindre").select_option(index=1)
    page.get_by_label("Échéance").fill((date.today() + timedelta(days=365)).isoformat())
    page.get_by_label("Ce que la structure va faire").fill(
        "Ouvrir le conseil d'administration à deux représentants des salariés."
    )
    page.get_by_role("button", name="Ajouter l'objectif").click()
    expect(page.get_by_text("Objectif de progrès ajouté.")).to_be_visible()

    # This assessment fails the charter (« Libre adhésion » under its floor): the page says
    # so with the recommendation, and a submission is refused, the draft kept.
    before = page.get_by_role("region", name="Avant de déposer")
    expect(before).to_contain_text("L'auto-évaluation jointe ne respecte pas la charte")
    expect(before).to_contain_text("Principe « Libre adhésion » : 0 / 100, sous le plancher de 40.")
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("status")).to_contain_text("Principe « Libre adhésion »")
    expect(page.get_by_text("brouillon", exact=True)).to_be_visible()
    j.check("depot refuse non eligible")

    # A new assessment from the last answers, with free membership put right, is eligible.
    page.get_by_role("link", name="Auto-évaluations de la structure").click()
    expect(page.get_by_label("Partir des réponses de la dernière auto-évaluation")).to_be_checked()
    page.get_by_role("button", name="Commencer une auto-évaluation").click()
    for step in range(5):
        expect(page.get_by_text(f"Principe {step + 1} sur 5")).to_be_visible()
        if step == 3:
            answer_questions(page, best=True)
        page.get_by_role("button", name="Enregistrer et continuer").click()
    page.get_by_role("button", name="Terminer l'auto-évaluation").click()
    expect(page.get_by_text("éligible au label", exact=True)).to_be_visible()
    j.goto(url)
    page.get_by_label("Auto-évaluation jointe au dossier").select_option(index=0)
    page.get_by_role("button", name="Joindre cette auto-évaluation").click()
    expect(page.get_by_text("Auto-évaluation rattachée au dossier.")).to_be_visible()
    expect(page.get_by_text("Le dossier est complet")).to_be_visible()
    j.check("candidature complete")
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_text("la candidature est maintenant « déposée »")).to_be_visible()
    j.check("candidature deposee")

    # The secretariat, in its own browser: an internal note, then complements requested.
    review_and_admit(journey("applicant-secretariat"), j, url, statutes["buffer"])

    # Every round is on the timeline; the emails went out; the audit chain holds.
    timeline = page.get_by_role("region", name="Historique du dossier")
    for step in ("brouillon → déposée", "déposée → à compléter", "à compléter → déposée"):
        expect(timeline.get_by_text(step)).to_be_visible()
    mails = server.emails_to(EMAIL)
    subjects = [str(m["Subject"]) for m in mails]
    name = "Les Jardins partagés d'Arras"
    assert subjects.count(f"Dossier déposé — {name}") == 2, subjects
    assert f"Dossier recevable — {name}" in subjects, subjects
    request = next(m for m in mails if str(m["Subject"]).startswith("Des compléments sont"))
    assert COMPLEMENTS in request.get_body(preferencelist=("plain",)).get_content()
    assert any(
        str(m["Subject"]) == f"Nouveau dossier à vérifier — {name}"
        for m in server.emails_to("secretariat@demo.cdess.test")
    )
    assert "Journal intact" in server.flask("audit", "verify")


COMPLEMENTS = "Merci de joindre les statuts signés par la présidente."
NOTE = "Statuts non signés : appeler la présidente avant de relancer."


def review_and_admit(sec, applicant, url: str, statutes: bytes) -> None:
    page = sec.page
    sec.login("secretariat@demo.cdess.test")
    sec.goto(url, "dossier depose vu du secretariat")
    with page.expect_download() as download:
        page.get_by_role("link", name="statuts.pdf").click()
    assert Path(download.value.path()).read_bytes() == statutes
    page.get_by_label("Note interne (jamais montrée au candidat)").fill(NOTE)
    page.get_by_role("button", name="Ajouter la note").click()
    expect(page.get_by_text("Note enregistrée.")).to_be_visible()
    page.get_by_label("Message (obligatoire) — Demander des compléments").fill(COMPLEMENTS)
    page.get_by_role("button", name="Demander des compléments").click()
    expect(page.get_by_text("la candidature est maintenant « à compléter »")).to_be_visible()

    # The applicant reads the message (and never the note), replaces the statutes, adds a
    # piece and resubmits.
    a = applicant.page
    applicant.goto(url)
    message = a.get_by_role("region", name=re.compile("Message du secrétariat"))
    expect(message).to_contain_text(COMPLEMENTS)
    expect(a.get_by_text(NOTE)).to_have_count(0)
    expect(a.get_by_role("heading", name="Notes internes du secrétariat")).to_have_count(0)
    applicant.check("complements demandes")
    a.get_by_label("Fichier pour « Statuts »").set_input_files(
        pdf_file("statuts-signes.pdf", "Statuts signes")
    )
    a.get_by_role("button", name=re.compile(r"^Remplacer la pièce\W+Statuts$")).click()
    expect(a.get_by_text("Pièce « statuts-signes.pdf » enregistrée.")).to_be_visible()
    expect(a.get_by_role("link", name="statuts.pdf", exact=True)).to_have_count(0)
    a.get_by_label("Intitulé de la pièce").fill("Délibération du bureau sur les statuts")
    a.get_by_label("Fichier de la pièce").set_input_files(png_file("deliberation.png"))
    a.get_by_role("button", name="Ajouter la pièce").click()
    expect(a.get_by_role("link", name="Délibération du bureau sur les statuts")).to_be_visible()
    a.get_by_role("button", name="Déposer les compléments").click()
    expect(a.get_by_text("la candidature est maintenant « déposée »")).to_be_visible()

    # Admissible only once every answer is verified and every point of the checklist ticked.
    sec.goto(url)
    expect(page.get_by_role("link", name="statuts-signes.pdf")).to_be_visible()
    page.get_by_role("button", name="Déclarer recevable").click()
    expect(page.get_by_text("Vérification non cochée").first).to_be_visible()
    expect(page.get_by_text("Réponses à vérifier au vu des pièces").first).to_be_visible()
    verify_answers(sec)
    sec.goto(url)
    checklist = page.get_by_role("group", name="Points vérifiés à la lecture du dossier")
    for box in checklist.get_by_role("checkbox").all():
        box.check()
    sec.check("verification cochee")
    page.get_by_role("button", name="Enregistrer la vérification").click()
    expect(page.get_by_text("Vérification enregistrée.")).to_be_visible()
    page.get_by_role("button", name="Déclarer recevable").click()
    expect(page.get_by_text("la candidature est maintenant « recevable »")).to_be_visible()
    timeline = page.get_by_role("region", name="Historique du dossier")
    expect(timeline.get_by_role("listitem")).to_have_count(5)  # created + four transitions
    expect(timeline.get_by_text("déposée → recevable")).to_be_visible()
    expect(timeline.get_by_text(COMPLEMENTS)).to_be_visible()
    expect(page.get_by_role("region", name="Notes internes du secrétariat")).to_contain_text(NOTE)
    sec.check("dossier recevable")
    applicant.goto(url, "candidature recevable")
    expect(a.get_by_text("1 réponse corrigée au vu des pièces")).to_be_visible()
    a.get_by_role("link", name="Voir les réponses vérifiées, critère par critère").click()
    corrected = a.locator("#r-GOV-07")
    expect(corrected).to_contain_text("corrigée : 15 %")
    expect(corrected).to_contain_text(f"Motif : {CORRECTION}")
    expect(a.get_by_role("button", name=re.compile("^Confirmer"))).to_have_count(0)
    applicant.check("reponses verifiees vues par la structure")
    applicant.goto(url)


CORRECTION = "La liste des administrateurs jointe compte 2 femmes sur 13 membres (15 %)."


def verify_answers(sec) -> None:
    """The secretariat checks the answers against the evidence: one correction (its reason
    required first), then every other answer confirmed; the verified result stays eligible."""
    page = sec.page
    page.get_by_role("link", name="Vérifier les réponses au vu des pièces").click()
    expect(heading(page, "Réponses vérifiées au vu des pièces")).to_be_visible()
    card = page.locator("#r-GOV-07")
    card.get_by_text("Corriger la réponse").click()
    card.get_by_label("Réponse corrigée pour GOV-07").fill("15")
    card.get_by_role("button", name="Enregistrer la correction GOV-07").click()
    card = page.locator("#r-GOV-07")
    reason = card.get_by_label("Motif de la correction (lu par la structure)")
    expect(reason).to_have_attribute("aria-describedby", "m-GOV-07-erreur")
    expect(card.locator("#m-GOV-07-erreur")).to_have_text("Indiquez le motif de la correction.")
    expect(card.get_by_label("Réponse corrigée pour GOV-07")).to_have_value("15")
    sec.check("correction sans motif")
    reason.fill(CORRECTION)
    card.get_by_role("button", name="Enregistrer la correction GOV-07").click()
    expect(page.get_by_text("Réponse GOV-07 corrigée.")).to_be_visible()
    expect(page.locator("#r-GOV-07")).to_contain_text("corrigée : 15 %")
    page.get_by_role(
        "button", name=re.compile(r"^Confirmer les \d+ réponses non vérifiées")
    ).click()
    expect(page.get_by_text(re.compile(r"\d+ réponse\(s\) confirmée\(s\)"))).to_be_visible()
    results = page.get_by_role("region", name="Résultats")
    expect(results).to_contain_text("Toutes les réponses notées ont été vérifiées.")
    expect(results.get_by_text(re.compile("^Résultat vérifié"))).to_contain_text("éligible")
    sec.check("reponses verifiees")
    page.get_by_role("link", name=re.compile("^Candidature de ")).click()
