"""The territory data file and its lookups."""

import json

import pytest

from cdess import territories
from cdess.territories.build import build


@pytest.fixture
def pas_de_calais():
    return territories.load("62")


def test_data_file_records_its_source(pas_de_calais):
    raw = json.loads((territories.DATA_DIR / "62.json").read_text())
    assert raw["source"] == "npm @etalab/decoupage-administratif"
    assert raw["version"] and "MIT" in raw["license"]


def test_887_communes_in_20_epci(pas_de_calais):
    assert len(pas_de_calais.communes) == 887
    assert len(pas_de_calais.epcis) == 20
    assert all(c.epci_code in pas_de_calais.epcis for c in pas_de_calais.communes.values())


def test_cc_flandre_lys_straddles_nord_and_pas_de_calais(pas_de_calais):
    flandre_lys = pas_de_calais.epcis["245900758"]
    assert flandre_lys.name == "CC Flandre Lys"
    assert flandre_lys.departements == ("59", "62")
    members = sorted(c.name for c in pas_de_calais.communes.values() if c.epci_code == "245900758")
    assert members == ["Fleurbaix", "Laventie", "Lestrem", "Sailly-sur-la-Lys"]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("arras", "Arras"),
        ("62000", "Arras"),
        ("henin", "Hénin-Beaumont"),
        ("HÉNIN BEAUMONT", "Hénin-Beaumont"),
        ("62840", "Fleurbaix"),
        ("boulogne", "Boulogne-sur-Mer"),
    ],
)
def test_search_by_name_or_postcode(app, query, first):
    assert territories.search(query)[0].name == first


def test_search_prefers_names_starting_with_the_query(app):
    names = [c.name for c in territories.search("lens")]
    assert names[0] == "Lens"
    assert territories.search("") == [] and territories.search("zzzz") == []
    assert len(territories.search("a", limit=5)) == 5


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("62041", "62041"),
        ("Arras (62000)", "62041"),
        ("arras", "62041"),
        (" Arras ", "62041"),
        ("Lille (59000)", None),
        ("", None),
        ("Arr", None),
    ],
)
def test_resolve(app, text, code):
    found = territories.resolve(text)
    assert (found.code if found else None) == code


def test_search_endpoint(client):
    data = client.get("/territoires/communes?q=laventie").get_json()
    assert data == [
        {
            "code": "62491",
            "name": "Laventie",
            "label": "Laventie (62840)",
            "postcodes": ["62840"],
            "epci": "245900758",
            "epci_name": "CC Flandre Lys",
        }
    ]
    assert client.get("/territoires/communes").get_json() == []


def test_build_selects_current_communes_and_their_epci():
    communes = [
        {
            "code": "62001",
            "nom": "A",
            "departement": "62",
            "type": "commune-actuelle",
            "codesPostaux": ["62100"],
            "population": 10,
        },
        {"code": "62002", "nom": "B", "departement": "62", "type": "commune-deleguee"},
        {"code": "59001", "nom": "C", "departement": "59", "type": "commune-actuelle"},
    ]
    epcis = [
        {
            "code": "1",
            "nom": "CC Deux",
            "populationMunicipale": 20,
            "membres": [{"code": "62001"}, {"code": "59001"}],
        },
        {"code": "2", "nom": "CC Nord", "membres": [{"code": "59002"}]},
    ]
    data = build("62", communes, epcis, "9.9.9")
    assert [c["code"] for c in data["communes"]] == ["62001"]
    assert data["communes"][0]["epci"] == "1"
    assert data["epci"] == [
        {"code": "1", "name": "CC Deux", "departements": ["59", "62"], "population": 20}
    ]
    assert data["version"] == "9.9.9"


def test_missing_departement_gives_a_clear_error():
    with pytest.raises(RuntimeError, match=r"cdess\.territories\.build --departement 99"):
        territories.load("99")
