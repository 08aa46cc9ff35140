"""The charter file read strictly: the shipped file in full, and each refusal with its line."""

import pytest

from cdess.charter import loading, services
from cdess.charter.models import CharterVersion
from cdess.extensions import db

# Every answer of every single-choice criterion of the shipped charter, in order.
SHIPPED_OPTIONS = {
    "GOV-03": [
        ("moins_12_mois", "Au cours des 12 derniers mois", 3),
        ("12_24_mois", "Il y a 12 à 24 mois", 1),
        ("plus_24_mois", "Il y a plus de 24 mois", 0),
    ],
    "GOV-05": [
        (
            "instance",
            "Par une instance régulière (comité, représentation au conseil "
            "d'administration, CSE consulté)",
            3,
        ),
        ("informel", "Par des échanges informels", 1),
        ("non", "Ils ne sont pas associés", 0),
    ],
    "TER-02": [
        ("plus_75", "Plus des trois quarts", 3),
        ("50_75", "De la moitié aux trois quarts", 2),
        ("25_50", "Du quart à la moitié", 1),
        ("moins_25", "Moins du quart", 0),
    ],
    "TER-04": [
        ("plus_50", "Plus de la moitié", 3),
        ("25_50", "Du quart à la moitié", 2),
        ("moins_25", "Moins du quart", 1),
        ("inconnu", "Nous ne le savons pas", 0),
    ],
    "ADH-03": [
        ("gratuit", "Adhésion gratuite", 3),
        ("moins_30", "30 € ou moins", 3),
        ("plus_30_reduit", "Plus de 30 €, avec un tarif réduit ou solidaire", 2),
        ("plus_30", "Plus de 30 €, sans tarif réduit", 0),
    ],
    "UTI-02": [
        (
            "fragilite",
            "Soutenir des personnes en situation de fragilité ou lutter contre leur exclusion",
            3,
        ),
        ("lien_social", "Préserver le lien social ou la cohésion territoriale", 3),
        ("citoyennete", "Éducation à la citoyenneté ou éducation populaire", 3),
        (
            "transition",
            "Développement durable, transition énergétique, culture ou solidarité "
            "internationale, liés à l'un des objectifs précédents",
            2,
        ),
        ("aucun", "Aucun de ces objectifs", 0),
    ],
    "UTI-04": [
        ("instance", "Ils sont représentés dans une instance", 3),
        ("enquete", "Par des enquêtes ou réunions régulières", 2),
        ("occasionnel", "Occasionnellement", 1),
        ("non", "Nous ne le recueillons pas", 0),
    ],
    "UTI-08": [
        ("formalisee", "Une politique formalisée, avec des objectifs et un bilan", 3),
        ("actions", "Des actions ponctuelles", 1),
        ("aucune", "Aucune démarche pour l'instant", 0),
    ],
}

# Every band (min, max, points) of every number criterion of the shipped charter.
SHIPPED_BANDS = {
    "GOV-07": [(0, 20, 0), (20, 40, 1), (40, None, 2)],
    "LUC-03": [(0, 20, 0), (20, None, 3)],
    "LUC-04": [(0, 50, 0), (50, None, 3)],
    "LUC-08": [(1, 3, 4), (3, 5, 3), (5, 7, 2), (7, 10, 1), (10, None, 0)],
    "TER-03": [(0, 25, 0), (25, 50, 1), (50, 75, 2), (75, None, 3)],
}


def _criteria(data: dict) -> dict[str, dict]:
    return {c["code"]: c for p in data["principles"] for c in p["criteria"]}


def test_shipped_charter_has_every_option_in_full():
    data = loading.read(services.DEFAULT_CHARTER)
    assert [p["code"] for p in data["principles"]] == ["GOV", "LUC", "TER", "ADH", "UTI"]
    assert [len(p["criteria"]) for p in data["principles"]] == [9, 9, 7, 6, 10]
    criteria = _criteria(data)
    options = {
        code: [(o["key"], o["label"], o["points"]) for o in c["options"]]
        for code, c in criteria.items()
        if c["type"] == "choice"
    }
    assert options == SHIPPED_OPTIONS
    bands = {
        code: [(b.get("min"), b.get("max"), b["points"]) for b in c["bands"]]
        for code, c in criteria.items()
        if c["type"] == "number"
    }
    assert bands == SHIPPED_BANDS
    assert not any(
        "options" in c or "bands" in c for c in criteria.values() if c["type"] in ("yes_no", "text")
    )


def test_shipped_charter_in_the_database_shows_every_label(charter):
    stored = {
        c.code: [(o.key, o.label, o.points) for o in c.options]
        for c in charter.criteria
        if c.options
    }
    assert stored == SHIPPED_OPTIONS
    assert len(charter.criteria) == 41


BASE = """\
title: Charte d'essai
threshold: 60
principles:
  - code: GOV
    title: Gouvernance
    criteria:
      - code: GOV-01
        question: Une question ?
        type: choice
        options:
          - key: "a"
            label: "Oui"
            points: 2
          - key: "b"
            label: "Non"
            points: 0
"""

NUMBER = """\
title: Charte d'essai
principles:
  - code: LUC
    title: Lucrativité
    criteria:
      - code: LUC-08
        question: Quel écart ?
        type: number
        min: 1
        bands:
          - min: 1
            max: 3
            points: 2
          - min: 3
            points: 0
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(loading.CharterError) as error:
        loading.parse(text)
    return error.value.problems


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_bases_of_these_tests_load():
    assert loading.parse(BASE)["principles"][0]["criteria"][0]["options"][1]["label"] == "Non"
    assert loading.parse(NUMBER)["principles"][0]["criteria"][0]["bands"][1] == {
        "min": 3,
        "points": 0,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            edit(
                BASE,
                '            label: "Oui"\n',
                '            label: "Oui"\n            label: "Encore"\n',
            ),
            ["ligne 13 : le champ « label » est écrit deux fois"],
            id="mapping key written twice",
        ),
        pytest.param(
            edit(BASE, 'key: "b"', 'key: "a"'),
            ["ligne 14 : la clé « a » figure deux fois dans GOV-01"],
            id="duplicate option key",
        ),
        pytest.param(
            edit(BASE, 'label: "Non"', 'label: " oui "'),
            ["ligne 15 : l'option « oui » figure deux fois dans GOV-01"],
            id="duplicate option label",
        ),
        pytest.param(
            edit(BASE, 'label: "Non"', 'label: "  "'),
            ["ligne 15 : une option de GOV-01 a un libellé vide"],
            id="blank option label",
        ),
        pytest.param(
            edit(BASE, 'label: "Non"', "label:"),
            ["ligne 15 : champ obligatoire « label » vide ou manquant (une option de GOV-01)"],
            id="empty option label",
        ),
        pytest.param(
            edit(BASE, "threshold: 60\n", "threshold: 60\ncolour: bleu\n"),
            ["ligne 3 : champ inconnu « colour » (la charte)"],
            id="unknown field, top level",
        ),
        pytest.param(
            edit(BASE, "    title: Gouvernance\n", "    title: Gouvernance\n    weigth: 2\n"),
            ["ligne 6 : champ inconnu « weigth » (GOV)"],
            id="unknown field, principle",
        ),
        pytest.param(
            edit(
                BASE, "        type: choice\n", "        type: choice\n        eliminatoire: true\n"
            ),
            ["ligne 10 : champ inconnu « eliminatoire » (GOV-01)"],
            id="unknown field, criterion",
        ),
        pytest.param(
            edit(BASE, "            points: 0\n", "            points: 0\n            score: 1\n"),
            ["ligne 17 : champ inconnu « score » (une option de GOV-01)"],
            id="unknown field, option",
        ),
        pytest.param(
            edit(NUMBER, "            max: 3\n", "            max: 3\n            maximum: 4\n"),
            ["ligne 13 : champ inconnu « maximum » (une tranche de LUC-08)"],
            id="unknown field, band",
        ),
        pytest.param(
            edit(BASE, "    title: Gouvernance\n", ""),
            ["ligne 4 : champ obligatoire « title » vide ou manquant (GOV)"],
            id="missing principle title",
        ),
        pytest.param(
            edit(BASE, "        type: choice\n", ""),
            ["ligne 7 : champ obligatoire « type » vide ou manquant (GOV-01)"],
            id="missing criterion type",
        ),
        pytest.param(
            edit(NUMBER, "            points: 2\n", ""),
            ["ligne 11 : champ obligatoire « points » vide ou manquant (une tranche de LUC-08)"],
            id="missing band points",
        ),
        pytest.param(
            edit(BASE, "threshold: 60", "threshold: soixante"),
            ["ligne 2 : « threshold » doit être un nombre (la charte)"],
            id="threshold not a number",
        ),
        pytest.param(
            edit(BASE, 'key: "a"', "key: 25_50"),
            [
                "ligne 11 : « key » doit être un texte (une option de GOV-01) — écrivez la "
                "valeur entre guillemets"
            ],
            id="unquoted key read as a number",
        ),
        pytest.param(
            edit(
                BASE, "        type: choice\n", '        type: choice\n        eliminatory: "oui"\n'
            ),
            ["ligne 10 : « eliminatory » doit être true ou false (GOV-01)"],
            id="flag not a boolean",
        ),
        pytest.param(
            edit(
                BASE,
                "        type: choice\n",
                "        type: choice\n        families: association\n",
            ),
            ["ligne 10 : « families » doit être une liste de textes (GOV-01)"],
            id="families not a list",
        ),
        pytest.param(
            edit(
                BASE, "        type: choice\n", "        type: choice\n        families: [sarl]\n"
            ),
            ["ligne 10 : famille inconnue dans GOV-01 : sarl"],
            id="unknown family",
        ),
        pytest.param(
            edit(BASE, "type: choice", "type: choix"),
            [
                "ligne 9 : type de réponse inconnu « choix » dans GOV-01 "
                "(yes_no, choice, number, text)"
            ],
            id="unknown answer type",
        ),
        pytest.param(
            edit(BASE, "type: choice", "type: yes_no"),
            [
                "ligne 10 : « options » ne sert qu'aux critères de type choice, GOV-01 est de "
                "type yes_no"
            ],
            id="options of a yes/no question",
        ),
        pytest.param(
            BASE + BASE[BASE.index("      - code: GOV-01") :],
            ["ligne 17 : le code de critère GOV-01 est déjà utilisé"],
            id="criterion code twice",
        ),
        pytest.param(
            "- title: une liste\n",
            ["ligne 1 : la charte : des champs « nom: valeur » attendus"],
            id="not a mapping",
        ),
        pytest.param(
            edit(BASE, "    title: Gouvernance\n", "    title: Gouvernance\n   weight: 2\n"),
            None,  # the YAML parser's own words follow the line
            id="invalid YAML",
        ),
    ],
)
def test_refusals_name_their_line(text, expected):
    problems = problems_of(text)
    if expected is None:
        assert len(problems) == 1 and problems[0].startswith(
            "ligne 6 : le fichier n'est pas du YAML"
        )
    else:
        assert problems == expected


def test_flow_syntax_that_cut_the_shipped_labels_is_refused():
    """How the shipped file lost the end of its labels: YAML reads « b » of
    `{label: A, b, points: 2}` as a field of its own."""
    text = edit(
        BASE,
        '          - key: "a"\n            label: "Oui"\n            points: 2\n'
        '          - key: "b"\n            label: "Non"\n            points: 0\n',
        "          - {key: a, label: Plus de 30 €, avec un tarif réduit, points: 2}\n"
        "          - {key: b, label: Plus de 30 €, sans tarif réduit, points: 0}\n",
    )
    hint = " — un libellé qui contient une virgule doit être entre guillemets"
    assert problems_of(text) == [
        f"ligne 11 : champ inconnu « avec un tarif réduit » (une option de GOV-01){hint}",
        f"ligne 12 : champ inconnu « sans tarif réduit » (une option de GOV-01){hint}",
        "ligne 12 : l'option « Plus de 30 € » figure deux fois dans GOV-01",
    ]


def test_every_problem_is_listed_in_file_order():
    text = edit(BASE, "threshold: 60", "threshold: haut")
    text = edit(text, 'label: "Non"', 'label: "Oui"')
    text = edit(text, "    title: Gouvernance\n", "    title: Gouvernance\n    poids: 1\n")
    assert [p.split(" : ")[0] for p in problems_of(text)] == ["ligne 2", "ligne 6", "ligne 16"]


def test_load_command_refuses_with_the_line_and_loads_nothing(app, tmp_path):
    bad = tmp_path / "charte.yaml"
    bad.write_text(edit(BASE, 'label: "Non"', 'label: "Oui"'), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["charter", "load", str(bad)])
    assert result.exit_code != 0
    assert "ligne 15 : l'option « Oui » figure deux fois dans GOV-01" in result.output
    assert db.session.execute(db.select(db.func.count(CharterVersion.id))).scalar() == 0


def test_load_file_refuses_before_writing_anything(app, tmp_path):
    bad = tmp_path / "charte.yaml"
    bad.write_text(edit(BASE, "threshold: 60\n", "threshold: 60\nseuil: 50\n"), encoding="utf-8")
    with pytest.raises(services.CharterError, match="ligne 3 : champ inconnu « seuil »"):
        services.load_file(bad)
    assert db.session.execute(db.select(db.func.count(CharterVersion.id))).scalar() == 0
