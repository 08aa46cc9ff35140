"""Journey 3 (council sessions). The secretariat prepares the planned session — two admissible
files on the agenda, reordered, rapporteurs, a secret ballot — and convenes it: every member
gets the convocation with its calendar event. Then the upcoming convened session (the demo's
meets today: a session opens only on its day) is run live, each person in their own browser:
members read a file and its report, two give a proxy (one to a member who will not come),
one declares a conflict of interest; the president opens the session with its secretary,
members check in and the secretariat marks the others present until the quorum; a first vote
loses its quorum when a member leaves, cannot be closed, and is annulled; the member back, the
president opens each vote and the members vote from their own screens (the proxy holder twice,
the recused member not at all); the other screens follow without reloading; the president
closes the votes and the session, and the minutes are a PDF. Refused actions say why in
French."""

import io
import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.helpers import check_in_for_quorum, heading, nav

SECRETARIAT = "secretariat@demo.cdess.test"
SECRETARIAT_NAME = "Isabelle Delattre (secrétariat ESS)"
PRESIDENT = "president@demo.cdess.test"
LIVE = 8_000  # ms: the live page asks for news every two seconds


def status(page):
    """The flash messages of the page (role status)."""
    return page.get_by_role("status")


def member(journey, name: str, account: str):
    """A council member in their own browser, logged in; (journey, display name)."""
    j = journey(name)
    j.login(f"{account}@demo.cdess.test")
    j.goto("/compte/")
    return j, j.page.get_by_label("Nom et prénom").input_value()


def test_secretariat_prepares_and_convenes_a_session(journey, server):
    j = journey("council-planning")
    page = j.page
    j.login(SECRETARIAT)
    nav(page, "Séances")
    expect(heading(page, "Séances du conseil")).to_be_visible()
    j.check("seances")

    # The council's rules, as they stand.
    page.get_by_role("link", name="Règlement intérieur : quorum, pouvoirs, scrutin").click()
    expect(heading(page, "Règlement intérieur du conseil")).to_be_visible()
    expect(page.get_by_label("Quorum (pourcentage des membres votants")).to_have_value("50")
    expect(page.get_by_label("Les pouvoirs (procurations) sont admis")).to_be_checked()
    j.check("reglement interieur")
    page.get_by_role("link", name="Séances du conseil").click()

    # The planned session: two of the admissible files proposed go on its agenda.
    page.get_by_role("row").filter(has_text="planifiée").last.get_by_role("link").click()
    expect(page.get_by_text("Aucun dossier inscrit.")).to_be_visible()
    j.check("seance planifiee")
    proposed = (
        page.get_by_role("listitem")
        .filter(
            has=page.locator("a[href^='/candidatures/']"),  # files, not proposals on a label
        )
        .filter(has=page.get_by_role("button", name=re.compile("^Inscrire ")))
    )
    first, second = proposed.get_by_role("link").all_inner_texts()[:2]
    for name in (first, second):
        page.get_by_role("button", name=f"Inscrire {name}", exact=True).click()
        expect(status(page)).to_have_text(f"« {name} » inscrit à l'ordre du jour.")
    agenda = page.get_by_role("table", name="Dossiers inscrits, dans l'ordre d'examen")
    expect(agenda.get_by_role("rowheader")).to_have_text([first, second])

    # The second file is examined first.
    page.get_by_role("button", name=f"monter {second}", exact=True).click()
    expect(agenda.get_by_role("rowheader")).to_have_text([second, first])
    expect(page.get_by_role("button", name=f"monter {second}", exact=True)).to_be_disabled()

    # A rapporteur for each (membre05 on the file examined first), and a secret ballot on
    # the second point.
    rap, rap_name = member(journey, "council-rapporteur", "membre05")
    rapporteurs = []
    for n, name in enumerate((second, first)):
        choice = page.get_by_label(f"Rapporteur pour {name}")
        if n == 0:
            choice.select_option(label=rap_name)
        else:
            choice.select_option(index=n + 3)
        rapporteurs.append(choice.locator("option:checked").inner_text())
        page.get_by_role("button", name=f"Désigner le rapporteur pour {name}").click()
        expect(status(page)).to_have_text("Rapporteur enregistré.")
        expect(choice.locator("option:checked")).to_have_text(rapporteurs[-1])
    page.get_by_role("button", name=f"passer en scrutin secret — {first}").click()
    expect(status(page)).to_have_text("Mode de scrutin enregistré.")
    expect(agenda.get_by_role("row").filter(has_text=first)).to_contain_text("secret")
    expect(agenda.get_by_role("row").filter(has_text=second)).to_contain_text("public")
    j.check("ordre du jour prepare")
    item_url = agenda.get_by_role("link", name=second).get_attribute("href")
    rapporteur_finds_a_failing_answer(rap, item_url)

    # Convened: the convocation goes to every member, with the event for their calendar.
    page.get_by_role("button", name="Convoquer le conseil").click()
    expect(status(page)).to_have_text(re.compile(r"Conseil convoqué\s: \d+ courriel\(s\) envoyé"))
    expect(page.get_by_role("link", name="Conduire la séance")).to_be_visible()
    expect(page.get_by_role("button", name="Convoquer le conseil")).to_have_count(0)
    j.check("seance convoquee")

    convocation = next(
        m
        for m in reversed(server.emails_to("membre02@demo.cdess.test"))
        if str(m["Subject"]).startswith("Convocation — séance du CDESS")
    )
    body = convocation.get_body(preferencelist=("plain",)).get_content()
    assert f"1. {second} — rapporteur : {rapporteurs[0]}" in body, body
    assert f"2. {first} — rapporteur : {rapporteurs[1]}" in body, body
    (event,) = [
        part
        for part in convocation.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]
    assert event.get_filename().endswith(".ics")
    ics = event.get_content()
    assert "BEGIN:VEVENT" in ics and "DTSTART;TZID=Europe/Paris" in ics, ics
    # The agenda, in a folded description (a line folds at 75 octets: CRLF, or LF as the
    # email's text comes back, then a space).
    assert second in re.sub(r"\r?\n ", "", ics), ics


def rapporteur_finds_a_failing_answer(rap, item_url: str) -> None:
    """The rapporteur reads the evidence, corrects an eliminatory answer: the verified result
    fails the charter, and a favourable opinion is refused next to the control."""
    page = rap.page
    rap.goto(item_url, "rapporteur dossier")
    expect(
        page.get_by_role("region", name="Résultat vérifié au regard de la charte")
    ).to_contain_text("éligible")
    page.get_by_role("link", name=re.compile("^Réponses vérifiées, critère par critère")).click()
    card = page.locator("#r-TER-01")
    card.get_by_text("Corriger la réponse").click()
    card.get_by_role("group", name="Réponse corrigée pour TER-01").get_by_label("Non").check()
    card.get_by_label("Motif de la correction (lu par la structure)").fill(
        "L'avis SIRENE joint situe le siège et l'unique établissement à Lille (Nord)."
    )
    card.get_by_role("button", name="Enregistrer la correction TER-01").click()
    expect(status(page)).to_have_text("Réponse TER-01 corrigée.")
    results = page.get_by_role("region", name="Résultats")
    expect(results).to_contain_text("Critère éliminatoire non atteint — TER-01")
    rap.check("rapporteur correction")
    rap.goto(item_url)
    page.get_by_role("textbox", name="Rapport", exact=True).fill(
        "Les pièces ne montrent aucun établissement dans le 62."
    )
    page.get_by_label("Avis du rapporteur").select_option(label="favorable")
    page.get_by_role("button", name="Enregistrer le rapport").click()
    expect(page.get_by_label("Avis du rapporteur")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile("^Un avis favorable est impossible"))).to_be_visible()
    expect(page.get_by_role("textbox", name="Rapport", exact=True)).to_have_value(
        "Les pièces ne montrent aucun établissement dans le 62."
    )
    rap.check("rapporteur avis favorable refuse")
    page.get_by_label("Avis du rapporteur").select_option(label="défavorable")
    page.get_by_role("button", name="Enregistrer le rapport").click()
    expect(status(page)).to_have_text("Rapport enregistré.")


def test_council_runs_a_session_live(journey, server):
    sec = journey("council-secretariat")
    sec.login(SECRETARIAT)
    pres = journey("council-president")
    pres.login(PRESIDENT)
    reader, reader_name = member(journey, "council-reader", "membre02")
    holder, holder_name = member(journey, "council-proxy-holder", "membre03")
    giver, giver_name = member(journey, "council-proxy-giver", "membre04")
    recused, recused_name = member(journey, "council-recused", "membre05")
    idle, idle_name = member(journey, "council-idle-proxy-giver", "membre06")
    _, absent_name = member(journey, "council-absent-holder", "membre07")  # never comes

    # A member finds the convened session in the members' space, reads a file and its report.
    r = reader.page
    nav(r, "Espace du conseil")
    expect(heading(r, "Espace des membres du conseil")).to_be_visible()
    reader.check("espace du conseil")
    r.get_by_role("listitem").filter(has_text="convoquée").first.get_by_role(
        "link", name=re.compile("^Séance du")
    ).click()
    session_url = r.url
    agenda = r.get_by_role("region", name="Ordre du jour").get_by_role("listitem")
    point1 = agenda.nth(0).get_by_role("link").inner_text()
    point2 = agenda.nth(1).get_by_role("link").inner_text()
    reader.check("seance vue par un membre")
    r.get_by_role("link", name=point1).click()
    expect(heading(r, f"Point 1 — {point1}")).to_be_visible()
    report = r.get_by_role("region", name="Rapport")
    expect(report.get_by_role("blockquote")).not_to_be_empty()
    expect(report.get_by_role("textbox")).to_have_count(0)  # only the rapporteur writes it
    reader.check("dossier et rapport")
    with r.expect_download() as download:
        r.get_by_role("region", name="Pièces").get_by_role("link").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # A member who cannot come gives a proxy to another.
    g = giver.page
    giver.goto(session_url)
    g.get_by_label("Membre qui votera pour moi").select_option(label=holder_name)
    g.get_by_role("button", name="Donner mon pouvoir").click()
    expect(status(g)).to_have_text(f"Pouvoir donné à {holder_name}.")
    expect(g.get_by_text(f"Vous avez donné pouvoir à {holder_name}.")).to_be_visible()
    giver.check("pouvoir donne")
    h = holder.page
    holder.goto(session_url)
    expect(h.get_by_text(f"Vous détenez le pouvoir de {giver_name}.")).to_be_visible()
    holder.check("pouvoir detenu")
    # Another gives theirs to a member who will not come.
    i = idle.page
    idle.goto(session_url)
    i.get_by_label("Membre qui votera pour moi").select_option(label=absent_name)
    i.get_by_role("button", name="Donner mon pouvoir").click()
    expect(status(i)).to_have_text(f"Pouvoir donné à {absent_name}.")

    # Another is linked to the first structure: recused on its point.
    d = recused.page
    recused.goto(session_url)
    d.get_by_label(f"Lien avec {point1} (facultatif)").fill("Je siège à son bureau.")
    d.get_by_role("button", name=f"Déclarer un conflit d'intérêts — {point1}").click()
    expect(status(d)).to_have_text(
        "Conflit d'intérêts déclaré : vous ne prendrez pas part à ce vote."
    )
    expect(d.get_by_text("Vous êtes en conflit d'intérêts sur ce dossier.")).to_be_visible()
    recused.check("conflit declare")

    # The secretariat sees the conflict and asks for a secret ballot on the second point.
    s = sec.page
    nav(s, "Séances")
    s.get_by_role("row").filter(has_text="convoquée").last.get_by_role("link").click()
    prepared = s.get_by_role("table", name="Dossiers inscrits, dans l'ordre d'examen")
    expect(prepared.get_by_role("row").filter(has_text=point1)).to_contain_text(
        f"Conflits : {recused_name}"
    )
    s.get_by_role("button", name=f"passer en scrutin secret — {point2}").click()
    expect(status(s)).to_have_text("Mode de scrutin enregistré.")
    sec.check("seance avant ouverture")
    s.get_by_role("link", name="Conduire la séance").click()
    expect(s.get_by_text("Séance convoquée", exact=True)).to_be_visible()
    live_url = s.url.split("#")[0]

    # Everyone on the live page; the president opens the session, the screens follow.
    p = pres.page
    for person in (reader, holder, recused):
        person.goto(live_url)
        expect(person.page.get_by_text("La séance n'est pas encore ouverte.")).to_be_visible()
    reader.check("direct avant ouverture")
    pres.goto(live_url)
    pres.check("direct president avant ouverture")
    # The president opens the session, with its secretary of the meeting.
    p.get_by_role("button", name="Ouvrir la séance").click()
    expect(status(p)).to_have_text("Choisissez le secrétaire de séance.")
    p.get_by_label("Secrétaire de séance").select_option(label=SECRETARIAT_NAME)
    p.get_by_role("button", name="Ouvrir la séance").click()
    expect(status(p)).to_have_text("Séance ouverte.")
    expect(p.get_by_text(f"secrétaire de séance : {SECRETARIAT_NAME}")).to_be_visible()
    for person in (reader, holder, recused, pres):
        person.page.get_by_role("button", name="Je suis présent(e)").click(timeout=LIVE)
        expect(person.page.get_by_text("Vous êtes enregistré(e) comme présent(e).")).to_be_visible()
    quorum = p.get_by_role("region", name="Quorum — point 1")
    expect(quorum).to_contain_text(
        re.compile(r"3 présents, 1 représentés, sur \d+ membres votants non récusés")
    )
    expect(quorum).to_contain_text("Quorum non atteint.")
    # The proxy given to a member who has not come is inactive: on the president's panel,
    # and to its giver.
    proxies = p.get_by_role("table", name="Pouvoirs donnés pour la séance et leur état")
    expect(proxies.get_by_role("row").filter(has_text=idle_name)).to_contain_text(
        f"inactif — {absent_name} n'est pas venu(e) à la séance"
    )
    expect(proxies.get_by_role("row").filter(has_text=giver_name)).to_contain_text("actif")
    pres.check("direct quorum non atteint")
    idle.goto(session_url)
    expect(i.get_by_text(f"Pouvoir inactif : {absent_name} n'est pas venu(e)")).to_be_visible()
    idle.check("pouvoir inactif")

    # Without quorum no vote opens.
    p.get_by_role("button", name=f"Ouvrir le vote sur « {point1} »").click()
    expect(status(p)).to_contain_text(
        "Quorum non atteint pour ce point : 4 présents ou représentés"
    )

    # The secretariat marks the members in the room present (not our four).
    expect(s.get_by_text("Séance ouverte", exact=True)).to_be_visible(timeout=LIVE)
    ours = {reader_name, holder_name, recused_name, giver_name, idle_name, absent_name}
    marked = check_in_for_quorum(s, skip=ours)
    expect(quorum).to_contain_text(f"{3 + marked} présents, 1 représentés", timeout=LIVE)
    expect(quorum).to_contain_text("Quorum atteint.")
    sec.check("emargement quorum atteint")

    # A vote opened on the quorum exactly; a member leaves: it cannot be closed, it is annulled.
    p.get_by_role("button", name=f"Ouvrir le vote sur « {point1} »").click()
    expect(p.get_by_role("heading", name=f"Vote en cours — point 1 : {point1}")).to_be_visible()
    vote(r, "Mon vote", "Pour")  # a ballot the annulment will delete
    leaver = someone_present(s, skip=ours)
    with s.expect_navigation():
        s.get_by_role("button", name=f"marquer absent {leaver}", exact=True).click()
    expect(quorum).to_contain_text(
        "Quorum perdu depuis l'ouverture du vote : le vote ne peut pas être clos.", timeout=LIVE
    )
    expect(quorum).to_contain_text(f"Ont quitté la séance : {leaver}.")
    p.get_by_role("button", name="Clôturer le vote").click()
    expect(status(p)).to_contain_text("Quorum perdu : le vote ne peut pas être clos.")
    expect(status(p)).to_contain_text(
        f"Ont quitté la séance depuis l'ouverture du vote : {leaver}."
    )
    pres.check("cloture refusee quorum perdu")
    p.get_by_role("button", name=f"Annuler le vote sur « {point1} »").click()
    expect(status(p)).to_contain_text("Vote annulé, faute de quorum")
    expect(p.get_by_role("button", name=f"Ouvrir le vote sur « {point1} »")).to_be_visible()
    pres.check("vote annule")
    expect(r.get_by_role("heading", name=re.compile("^Vote en cours"))).to_have_count(
        0, timeout=LIVE
    )
    expect(result_cells(r, point1)).to_have_text(["1", "à venir", "", "", "", ""])
    # The member comes back: the vote will open again.
    with s.expect_navigation():
        s.get_by_role("button", name=f"marquer présent {leaver}", exact=True).click()
    expect(quorum).to_contain_text("Quorum atteint.", timeout=LIVE)

    # The first vote: open ballot. The secretariat's screen will not be reloaded from here on.
    s.evaluate("window.notReloaded = true")
    p.get_by_role("button", name=f"Ouvrir le vote sur « {point1} »").click()
    expect(p.get_by_role("heading", name=f"Vote en cours — point 1 : {point1}")).to_be_visible()
    preview = s.get_by_text(re.compile(r"^Bulletins reçus"))

    vote(r, "Mon vote", "Pour")
    expect(r.locator("#direct-annonce")).to_have_text("Vote enregistré : pour.")
    expect(preview).to_have_text("Bulletins reçus : 1.", timeout=LIVE)
    reader.check("vote public exprime")
    expect(h.get_by_role("group", name=f"Vote pour {giver_name} (pouvoir)")).to_be_visible()
    vote(h, "Mon vote", "Pour")
    vote(h, f"Vote pour {giver_name} (pouvoir)", f"Abstention — {giver_name}")
    expect(h.get_by_role("group", name=f"Vote pour {giver_name} (pouvoir)")).to_contain_text(
        "Vote enregistré : abstention."
    )
    holder.check("vote avec pouvoir")
    expect(d.get_by_text("Vous ne votez pas sur ce point")).to_be_visible(timeout=LIVE)
    expect(d.get_by_role("button", name="Pour")).to_have_count(0)
    recused.check("membre recuse")
    vote(p, "Mon vote", "Pour")
    expect(preview).to_have_text("Bulletins reçus : 4.", timeout=LIVE)

    # An open vote can be changed until it closes.
    vote(r, "Mon vote", "Contre")
    expect(r.get_by_role("group", name="Mon vote")).to_contain_text("Vote enregistré : contre.")
    # The member hesitates on « Pour » while the vote closes.
    r.get_by_role("group", name="Mon vote").get_by_role("button", name="Pour").focus()

    p.get_by_role("button", name="Clôturer le vote").click()
    p.get_by_role("button", name="Clore quand même").click()  # members present who did not vote
    expect(status(p)).to_have_text(
        "Majorité des suffrages exprimés (2 pour, 1 contre, 1 abstention) : "
        "la demande de label est accordée."
    )
    for screen in (s, d):  # the result reaches the screens that were not reloaded
        expect(result_cells(screen, point1)).to_have_text(
            ["1", "vote clos", "2", "1", "1", "label attribué"], timeout=LIVE
        )
    # Screen readers hear the decision on a screen that was not reloaded, without the panel.
    expect(d.locator("#direct-annonce")).to_contain_text(
        "Dernier vote clos : point 1, label attribué.", timeout=LIVE
    )
    pres.check("vote clos decision")
    # The panel follows even with the focus on a button: the ballot is gone, not pressed too
    # late (a ballot posted after the close is refused: tests/sessions/test_live_speed.py).
    expect(r.get_by_role("group", name="Mon vote")).to_have_count(0, timeout=LIVE)
    reader.check("vote refuse apres cloture")

    # The second vote, secret: once cast, final — even from a second screen.
    p.get_by_role("button", name=f"Ouvrir le vote sur « {point2} »").click()
    expect(p.get_by_text("Scrutin secret : un vote exprimé est définitif.")).to_be_visible()
    phone = reader.context.new_page()
    phone.goto(live_url)
    expect(r.get_by_role("heading", name=f"Vote en cours — point 2 : {point2}")).to_be_visible(
        timeout=LIVE
    )
    phone.get_by_role("group", name="Mon vote").get_by_role("button", name="Contre").focus()
    # A screen that has not refreshed yet (its refresh stopped here, so that the ballot below
    # is sent from the stale panel).
    phone.evaluate("for (let i = 1; i < 1000; i++) clearInterval(i)")
    vote(r, "Mon vote", "Pour")
    expect(r.get_by_role("group", name="Mon vote")).to_have_text(
        re.compile(r"Vote secret enregistré\.")
    )
    expect(r.get_by_role("group", name="Mon vote").get_by_role("button")).to_have_count(0)
    reader.check("vote secret exprime")
    phone.keyboard.press("Enter")
    expect(phone.locator("#direct-annonce")).to_have_text(
        "Ce vote a déjà été enregistré : un vote secret est définitif."
    )
    phone.close()
    vote(h, "Mon vote", "Pour")
    vote(h, f"Vote pour {giver_name} (pouvoir)", f"Pour — {giver_name}")
    vote(d, "Mon vote", "Contre")
    vote(p, "Mon vote", "Abstention")
    expect(preview).to_have_text("Bulletins reçus : 5.", timeout=LIVE)
    p.get_by_role("button", name="Clôturer le vote").click()
    p.get_by_role("button", name="Clore quand même").click()  # members present who did not vote
    expect(status(p)).to_have_text(
        "Majorité des suffrages exprimés (3 pour, 1 contre, 1 abstention) : "
        "la demande de label est accordée."
    )

    # The president closes the session; the minutes are ready for everyone.
    p.get_by_role("button", name="Clore la séance et établir le procès-verbal").click()
    expect(status(p)).to_have_text("Séance close : le procès-verbal est prêt.")
    pres.check("seance close")
    minutes = d.get_by_role("link", name="Procès-verbal (PDF)")
    expect(minutes).to_be_visible(timeout=LIVE)
    recused.check("seance close vue par un membre")
    assert s.evaluate("window.notReloaded") is True

    # The secretariat issues the session's certificates at once: the page says which, and
    # offers them as a ZIP, one PDF a granted file.
    day = re.match(r"Séance du (.+) à", s.get_by_role("heading", level=1).inner_text()).group(1)
    nav(s, "Certificats")
    s.get_by_role("button", name=f"Délivrer tous les certificats de la séance du {day}").click()
    expect(s.get_by_role("heading", name="2 certificats viennent d'être délivrés")).to_be_visible()
    with s.expect_download() as download:
        s.get_by_role("link", name=re.compile("archive ZIP")).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    texts = [PdfReader(archive.open(name)).pages[0].extract_text() for name in archive.namelist()]
    assert len(texts) == 2, archive.namelist()
    for point in (point1, point2):
        assert sum(point in text for text in texts) == 1, point
    sec.goto("/certificats", "certificats de la seance")
    for point in (point1, point2):
        expect(s.get_by_role("row").filter(has_text=point).first).to_contain_text("valide")
    sec.check("seance close secretariat")
    response = d.request.get(minutes.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.body())).pages
    )
    assert f"{giver_name} a donné pouvoir à {holder_name}" in text, text
    assert f"ne prenant pas part au vote : {recused_name}." in text, text
    assert "Scrutin secret — pour : 3, contre : 1, abstentions : 1" in text, text
    # Complete minutes: who presided and kept them, voting and consultative members apart,
    # the inactive proxy, each vote's quorum at opening and closing, the annulled vote.
    assert f"Secrétaire de séance : {SECRETARIAT_NAME}." in text, text
    assert re.search(
        r"Membres ayant voix délibérative : \d+ présents, 1 représentés, sur 67\.", text
    )
    assert re.search(r"Membres à voix consultative : \d+ présents sur 4\.", text), text
    assert (
        f"{idle_name} a donné pouvoir à {absent_name} "
        f"(inactif : {absent_name} n'est pas venu à la séance)"
    ) in text, text
    assert text.count("Quorum à l'ouverture du vote :") == 2, text
    assert text.count("Quorum à la clôture du vote :") == 2, text
    assert "faute de quorum ; ses 1 bulletin(s) ont été effacés" in text, text
    assert f"Avaient quitté la séance : {leaver}." in text, text
    assert text.count("Signature") == 2, text


def someone_present(page, skip) -> str:
    """A voting member marked present in the attendance table, not one of `skip` (nor a
    namesake, whom the table cannot tell apart)."""
    table = page.get_by_role("table", name="Membres du conseil et présence")
    everyone = table.get_by_role("rowheader").all_inner_texts()
    present = (
        table.get_by_role("row")
        .filter(has_text="délibérative")
        .filter(has=page.get_by_role("button", name=re.compile("^marquer absent")))
    )
    names = [
        n
        for n in present.get_by_role("rowheader").all_inner_texts()
        if n not in skip and everyone.count(n) == 1
    ]
    assert names, "nobody present to leave"
    return names[0]


def vote(page, ballot: str, choice: str) -> None:
    """Press a choice in one ballot (« Mon vote », or a proxy's) of the live page."""
    group = page.get_by_role("group", name=ballot)
    group.get_by_role("button", name=choice, exact=True).click(timeout=LIVE)
    # The panel comes back in place (no reload), saying the ballot is recorded.
    chosen = choice.split(" — ")[0].lower()  # « Pour — Thomas Delcroix »: a proxy's button
    recorded = re.compile(rf"Vote secret enregistré\.|Vote enregistré\s: {chosen}\.")
    expect(page.get_by_role("group", name=ballot)).to_contain_text(recorded, timeout=LIVE)


def result_cells(page, name: str):
    """The cells of a point's row in the results table of the live page."""
    table = page.get_by_role("table", name="Points de l'ordre du jour et résultats")
    return (
        table.get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=name, exact=True))
        .get_by_role("cell")
    )
