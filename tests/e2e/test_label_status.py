"""Journey 7 (a label's status, decided by the council). The secretariat proposes to suspend a
structure's label, its report required first; the structure reads the proposal from the email
and answers in writing; the secretariat prepares a session of today: the approval of the
previous minutes first, the proposal with a rapporteur, an information item; the council
sits, a member votes from their own screen, the minutes are approved and the label suspended;
the information item is never put to the vote. The public verification page then shows the
suspension with its history, and the minutes name every item."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.helpers import check_in_for_quorum, field_error, nav

STRUCTURE = "structure0021@demo.cdess.test"
MEMBER = "membre09@demo.cdess.test"
REPORT = "Le procès-verbal de l'assemblée générale 2026 n'a pas été transmis malgré deux relances."
ANSWER = "L'assemblée s'est tenue le 28 novembre ; son procès-verbal signé est joint à ce message."
INFORMATION = "Bilan du programme d'accompagnement des structures labellisées"


def status(page):
    return page.get_by_role("status")


def test_the_council_suspends_a_label_the_structure_answered_for(journey, server):
    # The structure's name, as its people see it.
    a = journey("label-status-structure")
    a.login(STRUCTURE)
    nav(a.page, "Mes structures")
    names = a.page.locator("main a[href^='/structures/']").all_inner_texts()
    name = next(n for n in names if n != "Inscrire une structure")

    # The secretariat proposes a suspension; the report is required.
    s = journey("label-status-secretariat")
    page = s.page
    s.login("secretariat@demo.cdess.test")
    nav(page, "Certificats")
    page.get_by_role("row").filter(has_text=name).get_by_role("link").first.click()
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Certificat ")
    page.get_by_label("Décision proposée au conseil").select_option(label="Suspendre le label")
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(field_error(page, "Rapport du secrétariat")).to_contain_text("Ce champ est obligatoire.")
    s.check("proposition sans rapport")
    page.get_by_label("Rapport du secrétariat").fill(REPORT)
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(status(page)).to_contain_text("Proposition enregistrée")
    expect(page.get_by_role("region", name="Proposition de suspension du label")).to_contain_text(
        REPORT
    )
    s.check("proposition enregistree")

    # The structure reads it from the email and answers in writing.
    a.page.goto(server.link_in_last_email(STRUCTURE))
    proposal = a.page.get_by_role("region", name="Proposition de suspension du label")
    expect(proposal).to_contain_text(REPORT)
    proposal.get_by_label("Réponse écrite de la structure").fill(ANSWER)
    proposal.get_by_role("button", name="Envoyer la réponse").click()
    expect(status(a.page)).to_have_text("Votre réponse est jointe à la proposition.")
    a.check("reponse de la structure")

    # A session of today: the previous minutes first, the proposal, an information item.
    s.goto("/seances")
    day = datetime.now(ZoneInfo("Europe/Paris")).date()
    page.get_by_label("Date de la séance").fill(day.isoformat())
    page.get_by_label("Date limite de dépôt des dossiers").fill(
        (day - timedelta(days=60)).isoformat()
    )
    page.get_by_label("Lieu").fill("Hôtel du Département, Arras")
    page.get_by_role("button", name="Créer la séance").click()
    expect(status(page)).to_have_text("Séance créée.")
    page.get_by_role("button", name=re.compile("^Inscrire l'approbation du procès-verbal")).click()
    expect(status(page)).to_contain_text("Approbation du procès-verbal de la séance du")
    subject = f"Proposition de suspension du label — {name}"
    page.get_by_role("button", name=f"Inscrire {subject}").click()
    expect(status(page)).to_have_text(f"« {subject} » inscrit à l'ordre du jour.")
    page.get_by_label("Point d'information (sans vote)").fill(INFORMATION)
    page.get_by_role("button", name="Ajouter le point d'information").click()
    expect(status(page)).to_have_text(f"« {INFORMATION} » inscrit à l'ordre du jour.")
    agenda = page.get_by_role("table", name="Dossiers inscrits, dans l'ordre d'examen")
    expect(agenda.get_by_role("rowheader")).to_have_text(
        [re.compile("^Approbation du procès-verbal"), subject, INFORMATION]
    )
    page.get_by_label(f"Rapporteur pour {subject}").select_option(index=1)
    page.get_by_role("button", name=f"Désigner le rapporteur pour {subject}").click()
    expect(status(page)).to_have_text("Rapporteur enregistré.")
    s.check("ordre du jour avec proposition")
    page.get_by_role("button", name="Convoquer le conseil").click()
    expect(status(page)).to_contain_text("Conseil convoqué")

    # The member reads the proposal and the structure's answer before the session.
    m = journey("label-status-member")
    m.login(MEMBER)
    m.goto("/compte/")
    member_name = m.page.get_by_label("Nom et prénom").input_value()

    page.get_by_role("link", name="Conduire la séance").click()
    live = page.url.split("#")[0].removeprefix(s.server.url)
    page.get_by_role("button", name="Ouvrir la séance").click()
    expect(status(page)).to_have_text("Séance ouverte.")
    check_in_for_quorum(page, {member_name})
    m.goto(live)
    m.page.get_by_role("button", name="Je suis présent(e)").click()
    expect(m.page.get_by_text("Vous êtes enregistré(e) comme présent(e).")).to_be_visible()

    for point in ("Approbation du procès-verbal", subject):
        page.reload()
        page.get_by_role(
            "button", name=re.compile(rf"^Ouvrir le vote sur «\s{re.escape(point)}")
        ).click()
        expect(page.get_by_role("heading", name=re.compile("^Vote en cours"))).to_be_visible()
        m.page.reload()
        m.page.get_by_role("button", name="Pour", exact=True).click()
        expect(m.page.get_by_role("group", name="Mon vote")).to_contain_text(
            "Vote enregistré : pour."
        )
        page.reload()
        page.get_by_role("button", name="Clôturer le vote").click()
        page.get_by_role("button", name="Clore quand même").click()
        expect(page.get_by_role("heading", name=re.compile("^Vote en cours"))).to_have_count(0)
    s.check("votes clos")
    # Only the information item is left: it is not voted, the session closes.
    expect(page.get_by_role("button", name=re.compile("^Ouvrir le vote sur"))).to_have_count(0)
    page.get_by_role("button", name="Clore la séance et établir le procès-verbal").click()
    expect(status(page)).to_contain_text("close")

    # The label is suspended, with its history, on the public page.
    v = journey("label-status-public")
    v.goto(f"/verification/{number}")
    expect(v.page.get_by_text("Ce certificat est suspendu.")).to_be_visible()
    history = v.page.get_by_role("region", name="Historique du statut")
    expect(history.get_by_role("listitem")).to_have_count(2)
    expect(history.get_by_role("listitem").last).to_contain_text("suspendu (vote du conseil)")
    expect(history).to_contain_text(REPORT)
    v.check("verification suspendu historique")

    # The minutes name every item, the structure's answer and the information without a vote.
    href = page.get_by_role("link", name="Procès-verbal (PDF)").first.get_attribute("href")
    response = page.request.get(s.server.url + href)
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    flat = " ".join(text.split()).replace("- ", "-")  # words cut at a line's end
    for expected in (subject, ANSWER, INFORMATION, "Point d'information, sans vote"):
        assert " ".join(expected.split()).replace("- ", "-") in flat, expected

    # The journal holds the council's decision with who, when and why; the secretariat finds
    # it from the certificate's page, and the chain is intact against the minutes' head.
    nav(page, "Certificats")
    page.get_by_role("row").filter(has_text=name).get_by_role("link").first.click()
    page.get_by_role("link", name="Les entrées du journal pour ce certificat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal des décisions")
    decision = page.get_by_role("row").filter(has_text="Statut du label changé")
    expect(decision).to_contain_text("valide → suspendu")
    expect(decision).to_contain_text(REPORT)
    expect(page.get_by_role("row").filter(has_text="Réponse de la structure")).to_contain_text(
        ANSWER
    )
    s.check("journal du certificat")
    page.get_by_label("Action").select_option(label="Vote clos")
    page.get_by_label("Sujet", exact=True).select_option(label="Tous")
    page.get_by_label("N° du sujet").fill("")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("row").filter(has_text="Vote clos").first).to_be_visible()
    page.get_by_role("link", name="vérifier l'intégrité du journal").click()
    expect(page.get_by_role("status")).to_contain_text("Journal intact")
    s.check("journal intact")
    v.goto("/journal")
    expect(v.page.get_by_role("heading", level=1)).to_have_text(
        "Journal des décisions : tête publiée"
    )
    v.check("tete publiee")
