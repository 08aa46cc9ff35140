"""Journey: the council room on the demo, each person in their own browser. The secretariat
plans a session of today (the previous minutes to approve, an information item), convenes it;
the president opens it; the room's screen is projected from a third browser and shows the
check-in code and its QR code; the secretariat fills the attendance sheet — a search, a
member marked present and absent again without reloading, « tous présents » collège by collège
until the quorum; a member checks in from their phone with the screen's code; the president
opens the vote, the member votes from the phone, the president enters a show-of-hands ballot
for a member without a device; the screen counts ballots (never whose); an early close asks
for a confirmation saying how many have not voted; the screen shows the result; the minutes
mark the ballot entered by the president; the member finds the session and its minutes in the
members' space. Every page at desktop and phone widths, axe-core clean."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from pypdf import PdfReader

SECRETARIAT = "secretariat@demo.cdess.test"
SECRETARIAT_NAME = "Isabelle Delattre (secrétariat ESS)"
PRESIDENT = "president@demo.cdess.test"
PHONE_SIZE = {"width": 390, "height": 844}
PHONE = {"viewport": PHONE_SIZE, "is_mobile": True, "has_touch": True}
LIVE = 8_000  # ms: the screens ask for news every two seconds
INFORMATION = "Bilan des labels de l'année"


def status(page):
    return page.get_by_role("status").first


def at_both_widths(j, name: str) -> None:
    """Audit and photograph the page as it is, then at the other width (phone or desktop)."""
    size = j.page.viewport_size
    j.check(name)
    j.page.set_viewport_size({"width": 1280, "height": 900} if size["width"] < 600 else PHONE_SIZE)
    j.check(f"{name} {'bureau' if size['width'] < 600 else 'telephone'}")
    j.page.set_viewport_size(size)


def display_name(j) -> str:
    j.goto("/compte/")
    return j.page.get_by_label("Nom et prénom").input_value()


def test_the_council_room(journey, server):
    sec = journey("room-secretariat")
    sec.login(SECRETARIAT)
    s = sec.page

    # A session of today: the previous minutes to approve, then information.
    sec.goto("/seances")
    day = datetime.now(ZoneInfo("Europe/Paris")).date()
    s.get_by_label("Date de la séance").fill(day.isoformat())
    s.get_by_label("Heure de début (hh:mm)").fill("18:00")
    s.get_by_label("Date limite de dépôt des dossiers").fill((day - timedelta(60)).isoformat())
    s.get_by_label("Lieu").fill("Salle du conseil, Arras")
    s.get_by_role("button", name="Créer la séance").click()
    expect(status(s)).to_have_text("Séance créée.")
    s.get_by_role("button", name=re.compile("^Inscrire l'approbation du procès-verbal")).click()
    expect(status(s)).to_contain_text("Approbation du procès-verbal de la séance du")
    s.get_by_label("Point d'information (sans vote)").fill(INFORMATION)
    s.get_by_role("button", name="Ajouter le point d'information").click()
    s.get_by_role("button", name="Convoquer le conseil").click()
    expect(status(s)).to_contain_text("Conseil convoqué")
    s.get_by_role("link", name="Conduire la séance").click()
    live = s.url.split("#")[0].removeprefix(server.url)
    session_id = re.search(r"/seances/(\d+)/direct", live).group(1)

    # The president opens it.
    pres = journey("room-president")
    pres.login(PRESIDENT)
    p = pres.page
    pres.goto(live)
    p.get_by_label("Secrétaire de séance").select_option(label=SECRETARIAT_NAME)
    p.get_by_role("button", name="Ouvrir la séance").click()
    expect(status(p)).to_have_text("Séance ouverte.")
    expect(p.get_by_role("navigation", name="Outils de la salle")).to_be_visible()

    # The room's screen, projected from a third browser: the code and its QR code.
    scr = journey("room-screen", viewport={"width": 1280, "height": 720})
    scr.login(SECRETARIAT)
    scr.goto(f"/seances/{session_id}/ecran")
    screen = scr.page.locator("#ecran")
    code = scr.page.locator(".screen-code").inner_text().strip()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code), code
    expect(scr.page.get_by_role("img", name=re.compile("^QR code d'émargement"))).to_be_visible()
    expect(screen).to_contain_text("Point 1 — Approbation du procès-verbal")
    expect(screen).to_contain_text("Le vote n'est pas encore ouvert.")
    at_both_widths(scr, "ecran seance ouverte")

    # The member with a phone, not in the room yet.
    phone = journey("room-phone", **PHONE)
    phone.login("membre02@demo.cdess.test")
    phone_name = display_name(phone)

    # The attendance sheet: the search filters as one types (and without JavaScript).
    sec.goto(f"/seances/{session_id}/presences")
    expect(s.get_by_text(code, exact=True)).to_be_visible()
    at_both_widths(sec, "emargement")
    s.get_by_label("Rechercher un membre").fill(phone_name)
    rows = s.locator(".member-row:visible")
    expect(rows.first).to_contain_text(phone_name)
    assert rows.count() < 5, rows.all_inner_texts()
    s.get_by_label("Rechercher un membre").fill("")
    expect(s.locator(".member-row:visible")).to_have_count(s.locator(".member-row").count())

    # One member marked present, then absent, without reloading the page.
    s.evaluate("window.notReloaded = true")
    first = s.locator(".member-row").filter(has_text="voix délibérative").first
    name = first.locator(".member-name").inner_text().split("\n")[0].strip()
    first.get_by_role("button", name=re.compile("^marquer présent")).click()
    expect(s.locator("#salle-annonce")).to_have_text(f"{name} est présent(e).")
    expect(first.locator("[data-room-state]")).to_have_text("présent(e)")
    expect(s.locator("[data-room-count]")).to_have_text("1 membre présent.")
    first.get_by_role("button", name=re.compile("^marquer absent")).click()
    expect(s.locator("#salle-annonce")).to_have_text(f"{name} est absent(e).")
    expect(s.locator("[data-room-count]")).to_have_text("0 membres présents.")
    assert s.evaluate("window.notReloaded") is True

    # « Tous présents », collège by collège, until the quorum.
    quorum = s.locator("[data-room-quorum]")
    for _ in range(8):
        if "Quorum atteint." in quorum.inner_text():
            break
        s.get_by_role("button", name=re.compile("^Tous présents")).first.click()
        expect(status(s)).to_contain_text("marqués présents")
    expect(quorum).to_contain_text("Quorum atteint.")
    # The member with the phone is not in the room yet: marked absent again (no reload).
    row = s.locator(".member-row").filter(has_text=phone_name).first
    if row.get_attribute("data-present") == "1":
        row.get_by_role("button", name=re.compile("^marquer absent")).click()
        expect(row.locator("[data-room-state]")).to_have_text("absent(e)")
    at_both_widths(sec, "emargement quorum atteint")

    # The member checks in from the phone with the code of the screen (typed in lower case).
    ph = phone.page
    phone.goto(live)
    ph.get_by_label("Code affiché sur l'écran de la salle").fill("zzzzzz")
    ph.get_by_role("button", name="Émarger avec ce code").click()
    expect(ph.get_by_role("alert")).to_contain_text("Ce code n'est pas celui de la séance")
    at_both_widths(phone, "code errone")
    ph.get_by_label("Code affiché sur l'écran de la salle").fill(code.lower())
    ph.get_by_role("button", name="Émarger avec ce code").click()
    expect(ph.get_by_text("Confirmez votre présence dans la salle.")).to_be_visible()
    at_both_widths(phone, "emargement par code")
    ph.get_by_role("button", name="Je suis présent(e)").click()
    expect(status(ph)).to_have_text("Vous êtes enregistré(e) comme présent(e).")
    phone.check("direct apres emargement")

    # The president opens the vote; the screen follows without reloading.
    scr.page.evaluate("window.notReloaded = true")
    pres.goto(live)
    p.get_by_role("button", name=re.compile(r"^Ouvrir le vote sur «\sApprobation")).click()
    expect(screen).to_contain_text("Vote en cours", timeout=LIVE)
    expect(screen).to_contain_text("0 bulletins reçus sur", timeout=LIVE)
    expect(scr.page.locator("#ecran-annonce")).to_have_text(
        "Vote ouvert sur le point 1.", timeout=LIVE
    )

    # The member votes from the phone: the screen counts, never says who nor how.
    group = ph.get_by_role("group", name="Mon vote")
    group.get_by_role("button", name="Pour", exact=True).click(timeout=LIVE)
    expect(group).to_contain_text("Vote enregistré : pour.", timeout=LIVE)
    expect(screen).to_contain_text("1 bulletin reçu sur", timeout=LIVE)
    expect(screen).not_to_contain_text(phone_name)

    # A member without a device votes by show of hands: the president enters it.
    p.get_by_role("link", name="Votes sur papier ou à main levée").click()
    expect(p.get_by_role("heading", level=1)).to_have_text("Votes sur papier ou à main levée")
    p.evaluate("window.notReloaded = true")
    others = p.locator(".member-row").filter(has_text="pas encore voté")
    hand = others.first.locator(".member-name").inner_text().split("\n")[0].strip()
    others.first.get_by_role("button", name=f"Pour — {hand}", exact=True).click()
    expect(p.locator("#salle-annonce")).to_have_text(f"Vote de {hand} saisi : pour.")
    row = p.locator(".member-row").filter(has_text=hand).first
    expect(row.locator("[data-room-state]")).to_have_text("saisi par le président : pour")
    expect(p.locator("[data-room-summary]")).to_contain_text("Bulletins reçus : 2 sur")
    assert p.evaluate("window.notReloaded") is True
    voted_by_phone = p.locator(".member-row").filter(has_text=phone_name).first
    expect(voted_by_phone.locator("[data-room-state]")).to_have_text("a voté : pour")
    at_both_widths(pres, "votes papier")
    expect(screen).to_contain_text("2 bulletins reçus sur", timeout=LIVE)
    expect(screen).not_to_contain_text(hand)

    # Closing early asks for a confirmation, saying how many have not voted.
    pres.goto(live)
    p.get_by_role("button", name="Clôturer le vote").click()
    confirm = p.get_by_role("region", name=re.compile(r"^Clore le vote sur «\sApprobation"))
    expect(confirm).to_contain_text(
        re.compile(r"\d+ membres présents ou représentés n'ont pas voté\.\s+Clore quand même\s\?")
    )
    at_both_widths(pres, "confirmation cloture anticipee")
    confirm.get_by_role("link", name="Attendre les votes").click()
    expect(p.get_by_role("heading", name=re.compile("^Vote en cours"))).to_be_visible()
    p.get_by_role("button", name="Clôturer le vote").click()
    p.get_by_role("button", name="Clore quand même").click()
    expect(status(p)).to_contain_text("2 pour, 0 contre")

    # The screen shows the result and the decision.
    expect(screen).to_contain_text("Résultat du vote", timeout=LIVE)
    expect(screen).to_contain_text("Décision : adoptée")
    expect(scr.page.locator("#ecran-annonce")).to_have_text(
        "Vote clos sur le point 1 : adoptée.", timeout=LIVE
    )
    assert scr.page.evaluate("window.notReloaded") is True
    at_both_widths(scr, "ecran resultat")

    # The session closes; the minutes mark the ballot the president entered.
    p.get_by_role("button", name="Clore la séance et établir le procès-verbal").click()
    expect(status(p)).to_have_text("Séance close : le procès-verbal est prêt.")
    expect(screen).to_contain_text("La séance est close.", timeout=LIVE)
    expect(scr.page.locator(".screen-code")).to_have_count(0)
    response = ph.request.get(f"/seances/{session_id}/proces-verbal.pdf")
    assert response.ok
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.body())).pages
    )
    assert re.search(rf"{re.escape(hand)} pour «\ssaisi par le président\s»", text), text

    # The old code is refused once the session is closed.
    ph.goto(f"/seances/{session_id}/presence/{code}")
    expect(ph.get_by_role("alert")).to_contain_text("La séance est close")

    # The member finds the session and its minutes in the members' space.
    phone.goto("/conseil")
    past = ph.get_by_role("table", name=re.compile("^Séances closes"))
    expect(
        past.get_by_role("link", name=re.compile("^Procès-verbal \\(PDF\\)")).first
    ).to_be_visible()
    at_both_widths(phone, "espace du conseil")
