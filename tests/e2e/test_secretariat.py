"""Journey 2 (secretariat), for what exists so far: browse and filter the structures, invite
a council member, edit the charter in a draft and publish it as a major version from the
differences page (a major change declared minor refused first), suspend a signature."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import field_error, heading, nav


def test_secretariat_structures_users_charter_signatures(journey, server):
    j = journey("secretariat")
    page = j.page
    j.login("secretariat@demo.cdess.test")
    j.check("accueil secretariat")

    # The 3,445 demo structures, filtered by EPCI and family, page 2.
    nav(page, "Structures")
    # 3,445 demo structures, plus any another journey has just registered.
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"3\s4\d\d structures"))
    j.check("structures")
    page.get_by_label("Intercommunalité (EPCI)").select_option(label="CC Flandre Lys")
    page.get_by_label("Famille").select_option(label="Association")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("status")).not_to_contain_text(re.compile(r"3\s4\d\d"))
    j.check("structures filtrees")
    page.get_by_label("Intercommunalité (EPCI)").select_option(value="")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Page suivante").first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", name="Charte et auto-évaluation")).to_be_visible()
    j.check("fiche structure")

    # The applications: counts per state, a submitted file, complements requested.
    nav(page, "Candidatures")
    expect(page.get_by_role("table", name="Nombre de dossiers par état")).to_be_visible()
    page.get_by_label("État").select_option(label="déposée")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"state=submitted"))
    j.check("candidatures deposees")
    page.locator("tbody a").first.click()
    expect(heading(page, "Candidature au label")).to_be_visible()
    j.check("candidature a examiner")
    page.get_by_role("button", name="Demander des compléments").click()
    expect(page.get_by_text("Indiquez un motif.")).to_be_visible()
    page.get_by_label("Message (obligatoire) — Demander des compléments").fill(
        "Merci de joindre vos statuts signés."
    )
    page.get_by_role("button", name="Demander des compléments").click()
    expect(page.get_by_text("la candidature est maintenant « à compléter »")).to_be_visible()
    expect(
        page.get_by_role("region", name="Historique du dossier").get_by_text(
            "Merci de joindre vos statuts signés."
        )
    ).to_be_visible()

    nav(page, "Collèges")
    j.check("colleges")

    # Invite a council member: the invitation goes out by email.
    nav(page, "Utilisateurs")
    j.check("utilisateurs")
    page.get_by_role("link", name="Inviter une personne").click()
    page.get_by_label("Nom et prénom").fill("Dominique Vasseur")
    page.get_by_label("Adresse électronique").fill("d.vasseur@exemple.fr")
    page.get_by_label("Membre du conseil").check()
    page.get_by_label("Collège").select_option(index=1)
    j.check("invitation")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    assert server.emails_to("d.vasseur@exemple.fr"), "no invitation email"

    # The charter: a draft from the published version, one criterion reworded and its points
    # raised (2 → 3), which makes a major version: published from the differences page.
    nav(page, "Édition de la charte")
    j.check("versions de la charte")
    page.get_by_role("button", name="Modifier la charte (brouillon)").click()
    expect(heading(page, "Charte, version 2")).to_be_visible()
    j.check("brouillon")
    page.get_by_role("link", name="GOV-04").click()
    page.get_by_label("Question").fill(
        "Vos administrateurs sont-ils élus pour trois ans au plus et renouvelés régulièrement ?"
    )
    page.get_by_label("Points (oui / non)").fill("abc")
    page.get_by_role("button", name="Enregistrer le critère").click()
    expect(field_error(page, "Points (oui / non)")).to_have_text(
        "Saisissez un nombre, par exemple 12 ou 12,5."
    )
    j.check("critere erreur")
    page.get_by_label("Points (oui / non)").fill("3")
    page.get_by_role("button", name="Enregistrer le critère").click()
    page.get_by_role("link", name="Aperçu du questionnaire").click()
    expect(page.get_by_text("trois ans au plus")).to_be_visible()
    j.check("apercu")
    page.go_back()

    # The differences page says what changed, which kind of version that makes, and why.
    page.get_by_role("link", name="Vérifier les différences et publier").click()
    expect(heading(page, "Différences avec la version publiée")).to_be_visible()
    expect(page.get_by_role("cell", name="GOV-04")).to_be_visible()
    nature = page.get_by_role("region", name="Version mineure ou majeure ?")
    expect(
        nature.get_by_text("D'après ses changements, cette version est majeure.")
    ).to_be_visible()
    expect(nature.get_by_role("listitem")).to_have_text(
        ["GOV-04 modifié : points", "GOV-04 reformulé : question"]
    )
    j.check("differences")

    # Declared minor, a major change is refused, the reason next to the choice.
    kind = page.get_by_role("group", name="Nature de cette version")
    kind.get_by_label("Mineure : seule la rédaction change").check()
    with page.expect_response(re.compile(r"/publier$")) as refused:
        page.get_by_role("button", name="Publier cette version").click()
    assert refused.value.status == 400
    expect(kind.get_by_label("Mineure : seule la rédaction change")).to_be_checked()
    expect(kind.get_by_label("Mineure : seule la rédaction change")).to_have_attribute(
        "aria-invalid", "true"
    )
    errors = [i for i in kind.get_attribute("aria-describedby").split() if i.endswith("-erreur")]
    assert errors, "no refusal tied to « Nature de cette version »"
    refusal = page.locator(f"#{errors[0]}")
    expect(refusal).to_contain_text(
        "Cette version change la notation ou l'éligibilité : elle est majeure"
    )
    expect(refusal).to_contain_text("GOV-04 modifié : points")
    summary = page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs")
    summary.get_by_role("link", name=re.compile("^Nature de cette version")).click()
    expect(page.locator(":target")).to_contain_text("Nature de cette version")
    j.check("publication mineure refusee")

    # Published as major: the signatories are asked, by email, to sign it again in time.
    kind.get_by_label("Majeure : la notation ou l'éligibilité change").check()
    page.get_by_role("button", name="Publier cette version").click()
    expect(
        page.get_by_text(
            re.compile(
                r"Version 2 publiée, majeure\s: les signataires ont jusqu'au .+ pour la signer "
                r"de nouveau \([1-9]\d* courriel\(s\) envoyé\(s\)\)"
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^Version 2 "))).to_contain_text(
        "majeure — à signer de nouveau avant le"
    )
    j.check("version majeure publiee")
    resign = [
        m
        for m in server.emails_to("structure0001@demo.cdess.test")
        if str(m["Subject"]).startswith("Signez de nouveau la charte avant le")
    ]
    assert resign, "no « Signez de nouveau la charte » email to structure0001"
    body = resign[-1].get_body(preferencelist=("plain",)).get_content()
    assert "GOV-04 modifié : points" in body
    assert re.search(r"/structures/\d+/charte\b", body), body
    j.goto("/charte", "charte v2 publiee")
    expect(page.get_by_text("trois ans au plus")).to_be_visible()

    # Signatures of version 1 count until version 2's deadline. Suspend one, then lift it.
    nav(page, "Signatures")
    j.check("signatures")
    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text("à renouveler avant le")
    first_row.get_by_label(re.compile("Motif de la suspension")).fill("Dissolution annoncée")
    first_row.get_by_role("button", name=re.compile("Suspendre")).click()
    expect(page.get_by_text("Dissolution annoncée")).to_be_visible()
    page.locator("tbody tr").filter(has_text="Dissolution annoncée").get_by_role(
        "button", name=re.compile("Rétablir")
    ).click()
    expect(page.get_by_text("rétablie")).to_be_visible()
