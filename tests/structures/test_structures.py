"""Registering, editing and listing structures; who may see what."""

import pytest

from cdess.accounts.models import Role
from cdess.extensions import db
from cdess.structures.models import Family, Membership, Structure
from tests.factories import STRUCTURE_FORM, html, link_in, valid_siret

FORM = STRUCTURE_FORM


@pytest.fixture
def applicant(create_user, login):
    user = create_user(Role.applicant)
    login(user)
    return user


def test_create_structure_with_rna_only(client, applicant):
    response = client.post("/structures/nouvelle", data=FORM)
    assert response.status_code == 302
    structure = db.session.execute(db.select(Structure)).scalar_one()
    assert structure.rna == "W623001234" and structure.siret is None
    assert structure.family is Family.association  # implied by 9220
    assert structure.commune_code == "62767" and structure.epci_code == "200069672"
    assert [m.user_id for m in structure.memberships] == [applicant.id]
    page = html(client.get(response.headers["Location"]))
    assert "Recyclerie du Ternois" in page and "CC du Ternois" in page


def test_siret_gives_siren_and_spaces_are_ignored(client, applicant):
    siret = valid_siret(7)
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    client.post("/structures/nouvelle", data=dict(FORM, siret=spaced, rna=""))
    structure = db.session.execute(db.select(Structure)).scalar_one()
    assert structure.siret == siret and structure.siren == siret[:9]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret": "12345678901234"}, "siret", "clé de contrôle incorrecte"),
        ({"siret": "1234"}, "siret", "Un SIRET compte 14 chiffres."),
        ({"rna": "W12"}, "rna", "W suivi de 9 caractères"),
        ({"rna": ""}, "rna", "Indiquez au moins un identifiant"),
        ({"commune": "Lille (59000)"}, "commune", "Commune inconnue dans le département"),
        ({"commune": ""}, "commune", "Ce champ est obligatoire."),
        ({"legal_form": "5710"}, "family", "choisissez la famille"),
        ({"legal_form": "9300", "family": "association"}, "family", "« Fondation »"),
        ({"legal_form": "1234"}, "legal_form", "Not a valid choice"),
        ({"employees": "-3"}, "employees", "nombre positif"),
        ({"employees": "douze"}, "employees", "entier"),
        ({"year_founded": "1066"}, "year_founded", "entre 1800 et"),
        ({"website": "javascript://x.fr/%0aalert(1)"}, "website", "https://"),
        ({"siren": "123456789"}, "siren", "clé de contrôle"),
    ],
)
def test_bad_input_redisplays_with_french_error_by_the_field(
    client, applicant, changes, field, message
):
    response = client.post("/structures/nouvelle", data=dict(FORM, **changes))
    page = html(response)
    assert response.status_code == 200
    if message == "Not a valid choice":
        message = "choix valide"  # WTForms' own French catalog
    assert message in page
    assert f'id="{field}-erreur"' in page
    assert 'value="Recyclerie du Ternois"' in page  # the rest is kept
    assert db.session.execute(db.select(Structure)).first() is None


def test_siren_must_prefix_siret(client, applicant):
    response = client.post(
        "/structures/nouvelle",
        data=dict(FORM, siret=valid_siret(1), siren=valid_siret(2)[:9]),
    )
    assert "9 premiers chiffres du SIRET" in html(response)


def test_scic_declares_its_family(client, applicant):
    client.post(
        "/structures/nouvelle",
        data=dict(FORM, legal_form="5710", family="cooperative", rna="", siret=valid_siret(9)),
    )
    assert db.session.execute(db.select(Structure.family)).scalar_one() is Family.cooperative


def test_commune_whose_epci_is_seated_in_the_nord(client, applicant):
    client.post("/structures/nouvelle", data=dict(FORM, commune="Laventie (62840)"))
    structure = db.session.execute(db.select(Structure)).scalar_one()
    assert structure.commune_code == "62491"
    assert structure.epci_code == "245900758"
    assert "CC Flandre Lys" in html(client.get(f"/structures/{structure.id}"))


@pytest.mark.parametrize("field", ["siret", "rna"])
def test_duplicate_identifier_refused(client, applicant, create_structure, field):
    siret = valid_siret(11)
    create_structure(siret=siret, siren=siret[:9], rna="W623009999")
    data = dict(
        FORM,
        siret=siret if field == "siret" else valid_siret(12),
        rna="W623009999" if field == "rna" else "W623001111",
    )
    response = client.post("/structures/nouvelle", data=data)
    assert "déjà inscrite" in html(response)
    assert db.session.execute(db.select(db.func.count(Structure.id))).scalar() == 1


def test_database_refuses_a_structure_without_identifier(app):
    db.session.add(
        Structure(name="Sans", legal_form="9220", family=Family.association, commune_code="62041")
    )
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        db.session.flush()
    db.session.rollback()


def test_edit_structure(client, applicant, create_structure):
    structure = create_structure(owner=applicant)
    page = html(client.get(f"/structures/{structure.id}/modifier"))
    assert 'value="Arras (62000)"' in page
    response = client.post(
        f"/structures/{structure.id}/modifier", data=dict(FORM, siret=structure.siret, rna="")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert structure.name == "Recyclerie du Ternois" and structure.commune_code == "62767"


def test_applicant_cannot_see_or_edit_another_structure(client, applicant, create_structure):
    other = create_structure()
    assert client.get(f"/structures/{other.id}").status_code == 403
    assert client.get(f"/structures/{other.id}/modifier").status_code == 403
    assert client.post(f"/structures/{other.id}/modifier", data=FORM).status_code == 403
    assert (
        client.post(f"/structures/{other.id}/membres", data={"email": "x@y.fr"}).status_code == 403
    )
    assert client.get("/structures/").status_code == 403
    assert client.get("/structures/999999").status_code == 404


def test_mine_lists_only_my_structures(client, applicant, create_structure):
    create_structure(owner=applicant, name="La mienne")
    create_structure(name="Celle d'un autre")
    page = html(client.get("/structures/mes-structures"))
    assert "La mienne" in page and "Celle d'un autre" not in page


def test_members_invited_join_and_are_removed(
    client, applicant, create_user, create_structure, login, outbox
):
    structure = create_structure(owner=applicant)
    colleague = create_user(Role.applicant, email="collegue@exemple.fr")
    council = create_user(Role.council_member, email="conseil@exemple.fr")
    for email in ("conseil@exemple.fr", "COLLEGUE@exemple.fr"):
        response = client.post(f"/structures/{structure.id}/membres", data={"email": email})
        assert response.status_code == 302  # the same answer: no account probing
    (invitation,) = outbox()  # only an applicant's account is invited
    assert invitation["To"] == "collegue@exemple.fr"
    assert len(structure.memberships) == 1  # nobody joins without consenting
    client.post("/compte/deconnexion")
    login(colleague)
    assert client.post(link_in(invitation)).status_code == 302
    client.post("/compte/deconnexion")
    login(applicant)
    response = client.post(
        f"/structures/{structure.id}/membres", data={"email": "collegue@exemple.fr"}
    )
    assert "fait déjà partie" in html(response)
    client.post(f"/structures/{structure.id}/membres/{colleague.id}/retirer")
    client.post(f"/structures/{structure.id}/membres/{applicant.id}/retirer", follow_redirects=True)
    members = db.session.execute(db.select(Membership.user_id)).scalars().all()
    assert members == [applicant.id]  # the last person stays
    assert council.id not in members


@pytest.fixture
def many(app, create_structure):
    for i in range(7):
        create_structure(name=f"Assoc Arras {i}")
    create_structure(
        name="Coop Calais",
        family=Family.cooperative,
        legal_form="5458",
        commune_code="62193",
        epci_code="200090751",
    )
    create_structure(
        name="Fondation Laventie",
        family=Family.fondation,
        legal_form="9300",
        commune_code="62491",
        epci_code="245900758",
        rna=None,
    )


def test_secretariat_lists_filters_and_paginates(app, client, create_user, login, many):
    app.config["PER_PAGE"] = 5
    login(create_user(Role.secretariat))
    page = html(client.get("/structures/"))
    assert "9 structures" in page and "Page 1 sur 2" in page
    page = html(client.get("/structures/?page=2"))
    assert "Page 2 sur 2" in page
    page = html(client.get("/structures/?epci=245900758"))
    assert "1 structure" in page and "Fondation Laventie" in page
    page = html(client.get("/structures/?family=cooperative"))
    assert "1 structure" in page and "Coop Calais" in page
    page = html(client.get("/structures/?q=coop"))
    assert "Coop Calais" in page and "Assoc Arras" not in page
    page = html(client.get("/structures/?commune=62041"))
    assert "7 structures" in page
    # Unknown filter values and odd search text are ignored, not errors.
    page = html(client.get("/structures/?epci=xx&family=zz&q=%25%27--&page=abc"))
    assert "0 structure" in page or "Aucune structure" in page


def test_the_list_reads_names_in_french_order_and_the_key_follows_the_name(
    client, create_user, login, create_structure
):
    """« Étaples » among the E, « L'Atelier » by « l atelier », « Œuvre » by « oeuvre », on
    both databases (the key is a column, `Structure.sort_key`, which an index orders); set by
    a bulk insert as by the ORM, and kept when the name changes."""
    from sqlalchemy import insert

    from tests.factories import structure_values

    for name in ("Zutkerque Solidaire", "Étaples en transition", "ecole du vivre"):
        create_structure(name=name)
    db.session.execute(
        insert(Structure),
        [
            structure_values(900 + n, name=name)
            for n, name in enumerate(("L'Atelier", "Œuvre d'Arras"))
        ],
    )
    db.session.commit()

    def listed() -> list[str]:
        page = html(client.get("/structures/"))
        return [name for _key, name in sorted((page.find(n), n) for n in names()) if _key >= 0]

    def names() -> list[str]:
        return list(db.session.execute(db.select(Structure.name)).scalars())

    login(create_user(Role.secretariat))
    assert listed() == [
        "ecole du vivre",
        "Étaples en transition",
        "L'Atelier",
        "Œuvre d'Arras",
        "Zutkerque Solidaire",
    ]
    zutkerque = db.session.execute(
        db.select(Structure).filter_by(name="Zutkerque Solidaire")
    ).scalar_one()
    zutkerque.name = "Aire Solidaire"
    db.session.commit()
    assert zutkerque.sort_key == "aire solidaire"
    assert listed()[0] == "Aire Solidaire"
