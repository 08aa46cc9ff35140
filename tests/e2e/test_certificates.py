"""Journeys 2 and 4, certificates: the secretariat issues the past session's certificates in
a batch (a ZIP); the structure downloads its own; anyone follows the QR code's address and
reads « valide », finds the structure in the registry and its open data, and has the PDF
recognised by upload; only the council decides a label's status, so the secretariat's page
offers a proposal, not a change; the president suspends the label urgently, and the public
page turns to « suspendu », to be confirmed at the next session, while the registry drops it."""

import io
import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.helpers import heading, nav

# The demo structure whose file the past session granted, waiting for its certificate.
GRANTED_OWNER = "structure0017@demo.cdess.test"


def test_batch_issue_verify_and_revoke(journey, server):
    sec = journey("certificates-secretariat")
    page = sec.page
    sec.login("secretariat@demo.cdess.test")
    nav(page, "Certificats")
    expect(heading(page, "Certificats")).to_be_visible()
    sec.check("certificats a delivrer")

    page.get_by_role("button", name=re.compile("^Délivrer tous les certificats")).first.click()
    expect(heading(page, "Certificats de la séance du")).to_be_visible()
    batch = page.get_by_role("region", name=re.compile("vien(nen)?t d'être délivrés?$"))
    number = batch.get_by_role("link").first.inner_text()  # this click's certificate
    sec.check("lot delivre")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("archive ZIP")).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = archive.namelist()  # every certificate of the session, this batch's included
    assert names and all(re.fullmatch(r"CDESS-62-\d{4}-\d{4}\.pdf", n) for n in names), names
    pdf = archive.read(f"{number}.pdf")
    (sec.folder / f"{number}.pdf").write_bytes(pdf)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    url = f"{server.url}/verification/{number}"
    assert url in text  # the address printed under the QR code

    # The certificate's page for the secretariat.
    sec.goto("/certificats", "certificats delivres")
    page.get_by_role("link", name=number).click()
    expect(heading(page, f"Certificat {number}")).to_be_visible()
    structure = page.get_by_role("definition").first.inner_text()
    sec.check("certificat")

    # The structure's people download it from their file: the very same bytes.
    owner = journey("certificates-structure")
    owner.login(GRANTED_OWNER)
    nav(owner.page, "Mes structures")
    owner.page.get_by_role("link", name=structure).first.click()
    owner.page.get_by_role("link", name=re.compile("^Candidature")).first.click()
    expect(owner.page.get_by_role("heading", name="Certificat du label")).to_be_visible()
    owner.check("dossier certifie")
    with owner.page.expect_download() as download:
        owner.page.get_by_role("link", name="Télécharger le certificat (PDF)").click()
    assert Path(download.value.path()).read_bytes() == pdf

    # Anyone: the QR code's address, the registry, the open data, the upload check.
    public = journey("certificates-public")
    p = public.page
    public.goto(url, "verification valide")
    expect(p.get_by_role("status")).to_contain_text("Valide — Ce certificat est valide.")
    expect(p.get_by_role("status")).to_contain_text(structure)

    public.goto("/registre", "registre")
    p.get_by_label("Nom, SIRET, RNA ou numéro de certificat").fill(structure)
    p.get_by_role("button", name="Chercher").click()
    expect(p.get_by_text("1 structure labellisée", exact=True)).to_be_visible()
    row = p.get_by_role("row", name=re.compile(re.escape(structure)))
    expect(row.get_by_role("link", name=number)).to_be_visible()
    public.check("registre recherche")
    with p.expect_download() as download:
        p.get_by_role("link", name="ces résultats en CSV").click()
    csv_text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    header, *rows = csv_text.strip().split("\r\n")
    assert header.startswith("numero;structure;siren;siret;rna;") and len(rows) == 1
    assert rows[0].startswith(f"{number};")

    public.goto("/verification", "verification formulaire")
    p.get_by_label("Numéro du certificat").fill("CDESS-62-1999-9999")
    p.get_by_role("button", name="Vérifier le numéro").click()
    expect(p.get_by_role("status")).to_contain_text("Numéro inconnu")
    public.check("verification numero inconnu")
    public.goto("/verification")
    p.get_by_label("Certificat au format PDF").set_input_files(
        {"name": "certificat.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    p.get_by_role("button", name="Vérifier le fichier").click()
    expect(
        p.get_by_text("Ce fichier est bien un certificat délivré par le conseil")
    ).to_contain_text("signé par le sceau de")  # the Département's seal, checked
    public.check("verification fichier reconnu")
    p.get_by_label("Certificat au format PDF").set_input_files(
        {"name": "faux.pdf", "mimeType": "application/pdf", "buffer": pdf[:-20] + b"\n%%EOF\n"}
    )
    p.get_by_role("button", name="Vérifier le fichier").click()
    expect(p.get_by_role("status")).to_contain_text("Non reconnu")

    # Only the council decides a label's status: the secretariat's page offers a proposal,
    # never a direct change; between sessions the president suspends urgently.
    expect(page.get_by_label("Décision proposée au conseil")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer la décision")).to_have_count(0)
    pres = journey("certificates-president")
    pres.login("president@demo.cdess.test")
    pres.goto(f"/certificats/{number}")
    pp = pres.page
    pp.get_by_role("button", name="Suspendre le label d'urgence").click()
    expect(pp.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    pres.check("suspension urgente erreur")
    pp.get_by_label("Motif de la suspension d'urgence").fill(
        "Signalement : la structure a distribué ses excédents à ses associés."
    )
    pp.get_by_role("button", name="Suspendre le label d'urgence").click()
    expect(pp.get_by_role("status")).to_contain_text("Label suspendu d'urgence")
    expect(pp.get_by_role("region", name="Confirmation de la suspension d'urgence")).to_be_visible()
    pres.check("certificat suspendu d'urgence")

    public.goto(url, "verification suspendue")
    expect(p.get_by_role("status")).to_contain_text("Suspendu — Ce certificat est suspendu")
    expect(p.get_by_role("status")).to_contain_text("doit être confirmée à la prochaine séance")
    expect(p.get_by_role("region", name="Historique du statut")).to_contain_text(
        "a distribué ses excédents"
    )
    public.goto(f"/registre?q={structure}")
    expect(p.get_by_text("Aucune structure labellisée ne correspond")).to_be_visible()
