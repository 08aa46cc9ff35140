"""« Mon label » and renewal on time (issue 17), in a browser with axe-core. The people of the
demo structure whose renewal is under examination open « Mon label » from the menu: the label
is valid, « renouvellement en cours », with its validity, the renewal's steps (only the
council's session left), its progress objectives and its status history; on a phone too. The
structure whose follow-up is due sees its next follow-up and what it needs. Anyone verifying
the renewing label's certificate reads « Renouvellement en cours »."""

import json
import re
from pathlib import Path

import jwt
from playwright.sync_api import expect

from tests.e2e.helpers import nav

# The demo's renewal under examination (cdess/demo/renewal.py) and the label whose annual
# follow-up is due (cdess/demo/followups.py).
RENEWING = "structure0036@demo.cdess.test"
FOLLOW_UP_DUE = "structure0026@demo.cdess.test"
PHONE = {"viewport": {"width": 390, "height": 844}}


def test_the_structure_follows_its_label_and_its_renewal(journey):
    j = journey("my-label")
    page = j.page
    j.login(RENEWING)
    nav(page, "Mon label")
    expect(page.get_by_role("heading", name="Mon label", level=1)).to_be_visible()
    verdict = page.locator(".certificate-status .verdict")
    expect(verdict).to_have_text("Label valide — renouvellement en cours")
    expect(page.locator(".certificate-status")).to_contain_text(re.compile(r"du \d+ \S+ \d{4} au"))
    renewal = page.get_by_role("region", name="Renouvellement du label")
    expect(renewal).to_contain_text("Renouvellement en cours")
    expect(renewal.get_by_role("listitem")).to_have_count(4)
    expect(renewal.get_by_role("listitem").nth(2)).to_contain_text(
        "Fait : Déposer la demande de renouvellement (déposée le"
    )
    expect(renewal.get_by_role("listitem").last).to_contain_text("Prochaine étape :")
    objectives = page.get_by_role("table", name="Objectifs de progrès et leur avancement")
    expect(objectives.get_by_role("row")).to_have_count(3)  # the header and two objectives
    expect(page.get_by_role("region", name="Prochain suivi annuel")).to_be_visible()
    history = page.get_by_role("region", name="Historique du statut")
    expect(history).to_contain_text("Certificat délivré.")
    j.check("mon label renouvellement en cours")
    verification = page.get_by_role("link", name="Sa page de vérification publique")
    address = verification.get_attribute("href")

    # The badge for the structure's website: its HTML to copy, and its preview, loaded.
    badge = page.get_by_role("region", name="Le badge du label pour votre site")
    code = badge.get_by_label("Code HTML du badge, à copier dans une page de votre site")
    expect(code).to_have_attribute("readonly", "")
    number = address.rsplit("/", 1)[1]
    assert f"/verification/{number}" in code.input_value()
    assert f"/certificats/{number}/badge.svg" in code.input_value()
    preview = badge.get_by_role("img", name="Aperçu du badge")
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=preview.element_handle())
    # The API answers for the same number, in JSON: valid, its renewal under way.
    answer = page.request.get(f"/api/v1/certificats/{number}")
    assert answer.ok and answer.headers["content-type"] == "application/json"
    assert answer.json()["statut"] == {
        **answer.json()["statut"],
        "code": "valide",
        "renouvellement_en_cours": True,
    }

    # The signed Open Badges credential, downloaded as the structure would, checks with a JWT
    # library (not ours) against the keys the council publishes, and names this certificate.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation Open Badges signée").click()
    token = Path(download.value.path()).read_text().strip()
    keys = page.request.get("/.well-known/jwks.json").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    # The kid is the JWKS address and the key's thumbprint; the demo was signed on the address
    # of the server that built it (each journey's server copies it): the thumbprint decides.
    key = jwt.PyJWK(next(k for k in keys if k["kid"].split("#")[1] == kid.split("#")[1]))
    claims = jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_aud": False})
    credential = claims.get("vc", claims)
    assert "OpenBadgeCredential" in credential["type"]
    assert number in json.dumps(credential)

    # The renewal's session step leads to the file under examination.
    renewal.get_by_role("link", name="Examen par le conseil en séance").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Candidature au label")

    # The structure's own page says it too.
    page.go_back()
    page.locator(".breadcrumb a").click()
    expect(page.get_by_role("region", name="Le label")).to_contain_text("renouvellement en cours")
    j.check("page de la structure avec le label")

    # On a phone: the same page, nothing wider than the screen.
    page.set_viewport_size(PHONE["viewport"])
    page.goto("/structures/mon-label")
    expect(verdict).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    j.check("mon label telephone")

    # Anyone verifying the certificate reads that the renewal is under way.
    public = journey("my-label-public")
    public.goto(address)
    status = public.page.get_by_role("status")
    expect(status).to_contain_text("Valide — Ce certificat est valide.")
    expect(status).to_contain_text("Renouvellement en cours")
    public.check("verification renouvellement en cours")


def test_the_next_follow_up_and_what_it_needs(journey):
    j = journey("my-label-follow-up", **PHONE)
    page = j.page
    j.login(FOLLOW_UP_DUE)
    page.get_by_role("button", name="Menu").click()
    nav(page, "Mon label")
    follow_up = page.get_by_role("region", name="Prochain suivi annuel")
    expect(follow_up).to_contain_text(re.compile(r"Suivi du \d+ \S+ \d{4}"))
    expect(follow_up).to_contain_text("procès-verbal de la dernière assemblée générale ;")
    expect(follow_up).to_contain_text("derniers comptes annuels ;")
    expect(follow_up.get_by_role("link", name="ouvrir le suivi")).to_be_visible()
    expect(page.get_by_role("region", name="Renouvellement du label")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    j.check("mon label suivi a deposer")
