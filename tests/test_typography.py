"""French typography: the rules of `cdess.web.typography` on tables, then on the text of the
main pages as each kind of user sees them (the world of `tests/test_access.py`).

A page's text is what a reader meets: the body without its tags, scripts and styles, plus
the `title`, `aria-label`, `alt` and `placeholder` attributes."""

from html.parser import HTMLParser

import pytest

from cdess.applications.models import State
from cdess.certificates.models import CertificateStatus
from cdess.charter.models import SignatureStatus
from cdess.followups.models import FollowUpState
from cdess.reports.rules import ReportState
from cdess.sessions.models import SessionStatus
from cdess.web import typography as t
from tests import test_access as access
from tests.factories import restore

NB = "\u00a0"

# --- the rules, on tables ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "faulty"),
    [
        (f"Date{NB}: demain", False),
        ("Date : demain", True),
        ("Date: demain", True),
        (f"Vraiment{NB}?", False),
        ("Vraiment ?", True),
        ("Vraiment?", True),
        (f"Attention{NB}!", False),
        ("Attention !", True),
        (f"un{NB}; deux", False),
        ("un ; deux", True),
        ("un; deux", True),
        ("Ouverture à 10:30.", False),
        ("https://label-ess.exemple.fr/registre?page=2", False),
        ("GOV-01:oui", False),
        (f"«{NB}label{NB}»", False),
        ("« label »", True),
        ("«label»", True),
        (f"«{NB}label»", True),
        ("Date\u202f: demain", False),
        (f"Fin{NB}:", False),
        ("Fin:", True),
    ],
)
def test_spacing(text, faulty):
    assert bool(t.spacing_faults(text)) is faulty


@pytest.mark.parametrize(
    ("text", "faulty"),
    [
        ("Fin.", False),
        ("Fin..", True),
        ("Chargement...", True),
        ("Chargement…", False),
        ("Oui,, non", True),
        (f"Vraiment{NB}?.", True),
        (f"Vraiment{NB}!.", True),
        ("Etc….", True),
        ("(SCOP, SCIC…).", False),
        ("cdess.exemple.fr", False),
        ("3,5 %.", False),
        ("M. Martin", False),
    ],
)
def test_double_punctuation(text, faulty):
    assert bool(t.double_punctuation_faults(text)) is faulty


@pytest.mark.parametrize(
    ("text", "faulty"),
    [
        ("le 1 juin 2027", True),
        (f"le 1{NB}juin 2027", True),
        ("le 1er juin 2027", False),
        ("le 11 juin 2027", False),
        ("le 21 juin 2027", False),
        ("2,1 mars", False),
        ("Le 1 Décembre", True),
    ],
)
def test_first_of_month(text, faulty):
    assert bool(t.first_of_month_faults(text)) is faulty
    assert not t.first_of_month_faults(t.first_of_month(text))


def test_first_of_month_writes_er():
    assert t.first_of_month("du 1 juin au 1 juillet 2027") == "du 1er juin au 1er juillet 2027"
    assert t.first_of_month(f"1{NB}mai") == f"1er{NB}mai"
    assert t.first_of_month("11 mai, 31 mai, 1 200 €") == "11 mai, 31 mai, 1 200 €"


@pytest.mark.parametrize(
    ("text", "faulty"),
    [
        ("Commune de Annay", True),
        ("Commune d'Annay", False),
        ("le Union", True),
        ("l'Union", False),
        ("Foyer rural de Étaples", True),
        ("Foyer rural d'Étaples", False),
        ("Amicale de Harnes", False),
        ("Recyclerie de le Portel", True),
        ("Recyclerie du Portel", False),
        ("Comité à les Attaques", True),
        ("de la Calotterie", False),
        ("de Berck", False),
    ],
)
def test_elision(text, faulty):
    assert bool(t.elision_faults(text)) is faulty


@pytest.mark.parametrize(
    ("prefix", "name", "written"),
    [
        ("de", "Annay", "d'Annay"),
        ("de", "Étaples", "d'Étaples"),
        ("de", "Ytres", "d'Ytres"),
        ("de", "Berck", "de Berck"),
        ("de", "Harnes", "de Harnes"),
        ("de", "Le Portel", "du Portel"),
        ("de", "Les Attaques", "des Attaques"),
        ("de", "La Calotterie", "de La Calotterie"),
        ("à", "Le Touquet-Paris-Plage", "au Touquet-Paris-Plage"),
        ("à", "Les Attaques", "aux Attaques"),
        ("à", "Arras", "à Arras"),
        ("le", "Union", "l'Union"),
        ("la", "Ardoise", "l'Ardoise"),
        ("De", "Arras", "D'Arras"),
        ("De", "Le Portel", "Du Portel"),
        ("de", "Lens", "de Lens"),
        ("de", "Les", "de Les"),  # a name that is only an article stays as it is
    ],
)
def test_elide(prefix, name, written):
    assert t.elide(prefix, name) == written
    assert not t.elision_faults(written)


@pytest.mark.parametrize(
    ("word", "gender"),
    [
        ("déposé", "m"),
        ("déposée", "f"),
        ("déposées", "f"),
        ("inscrit", "m"),
        ("inscrite", "f"),
        ("ouvert", "m"),
        ("ouverte", "f"),
        ("clos", "m"),
        ("close", "f"),
        ("suspendu", "m"),
        ("suspendue", "f"),
        ("recevable", None),
        ("brouillon", None),
        ("valide", None),
        ("label", None),
    ],
)
def test_participle_gender(word, gender):
    assert t.participle_gender(word) == gender


# Each state is shown with one noun (« Candidature du 2 juin — déposée », « Séance ouverte »,
# « Signature suspendue », « Certificat révoqué », « Suivi annuel déposé », « Signalement
# reçu »): its labels agree with that noun's gender.
STATE_NOUNS = [
    (State, "f"),
    (SessionStatus, "f"),
    (SignatureStatus, "f"),
    (CertificateStatus, "m"),
    (FollowUpState, "m"),
    (ReportState, "m"),
]


@pytest.mark.parametrize(("kind", "gender"), STATE_NOUNS, ids=lambda k: getattr(k, "__name__", k))
def test_states_agree_with_their_noun(app, kind, gender):
    wrong = {m.name: m.label for m in kind if t.label_gender(m.label) not in (None, gender)}
    assert wrong == {}


def test_agreement_faults():
    states = {"déposé": "m", "déposée": "f", "ouverte": "f"}
    nouns = {"candidature": "f", "séance": "f", "dossier": "m"}
    assert t.agreement_faults("Candidature du 2 juin 2026 — déposé", nouns, states)
    assert t.agreement_faults("Voir la candidature en cours (déposé)", nouns, states)
    assert not t.agreement_faults("Candidature du 2 juin 2026 — déposée", nouns, states)
    assert not t.agreement_faults("Dossier déposé", nouns, states)
    assert not t.agreement_faults("Séance ouverte", nouns, states)
    assert not t.agreement_faults("Candidature refusée. Dossier déposé", nouns, states)


def test_collation_key_puts_accents_among_their_letters():
    names = ["Étaples", "Eperlecques", "Ecques", "Zutkerque", "Arras"]
    assert sorted(names, key=t.collation_key) == [
        "Arras",
        "Ecques",
        "Eperlecques",
        "Étaples",
        "Zutkerque",
    ]
    assert sorted(["Œuf", "Oye-Plage", "oa"], key=t.collation_key) == ["oa", "Œuf", "Oye-Plage"]
    assert sorted(["Saint-Omer", "Saint Amand", "Sainte"], key=t.collation_key) == [
        "Saint Amand",
        "Saint-Omer",
        "Sainte",
    ]


def test_communes_and_epci_are_sorted_ignoring_accents(app):
    from cdess import territories

    names = [c.name for c in territories.communes()]
    assert names == sorted(names, key=t.collation_key)
    first_f = next(i for i, n in enumerate(names) if n.startswith("F"))
    assert names.index("Étaples") < first_f
    epcis = [e.name for e in territories.epcis()]
    assert epcis == sorted(epcis, key=t.collation_key)


# --- the rules, on the rendered pages -----------------------------------------------------------

world_rows = access.world_rows


class _Text(HTMLParser):
    """The text a reader meets: data outside script and style, and the attributes read aloud
    or shown (title, aria-label, alt, placeholder). Code samples (`code`, `pre`) are left
    out: they show what a machine reads, not French prose."""

    SKIPPED = {"script", "style", "code", "pre", "svg"}
    ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}
    # Elements that end a line of text (a table's cells are not one sentence).
    BLOCKS = {"p", "div", "li", "td", "th", "tr", "br", "h1", "h2", "h3", "dt", "dd", "option"}
    BLOCKS |= {"label", "caption", "legend"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.parts.append("\n" + value + "\n")
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    text = "".join(parser.parts)
    return "\n".join(line.strip(" \t") for line in text.splitlines() if line.strip())


def _states() -> dict[str, str | None]:
    labels = {}
    for kind, _gender in STATE_NOUNS:
        for member in kind:
            labels[member.label] = t.label_gender(member.label)
    return labels


NOUNS = {"candidature": "f", "séance": "f", "signature": "f", "certificat": "m", "suivi": "m"}


# What the world's people typed (a question to a structure): theirs, not the application's.
TYPED = ("Votre dernière AG ?",)


def page_faults(text: str) -> dict[str, list[str]]:
    """Every rule's findings on a page's text (what people typed left out)."""
    for typed in TYPED:
        text = text.replace(typed, "")
    faults = {
        "spacing": t.spacing_faults(text),
        "double punctuation": t.double_punctuation_faults(text),
        "1er": t.first_of_month_faults(text),
        "elision": t.elision_faults(text),
        "agreement": t.agreement_faults(text, NOUNS, _states()),
    }
    return {rule: found for rule, found in faults.items() if found}


def test_visible_text_reads_attributes_not_scripts():
    page = (
        "<html><head><title>Registre</title><style>a:hover{x:y}</style></head><body>"
        '<script>if (a ? b : c) {}</script><img alt="Logo : département">'
        '<button aria-label="Fermer !">x</button><code>a : b</code><p>Bonjour&nbsp;!</p>'
        "</body></html>"
    )
    text = visible_text(page)
    assert "Logo : département" in text and "Fermer !" in text and f"Bonjour{NB}!" in text
    assert "a ? b" not in text and "a : b" not in text and "hover" not in text
    assert set(page_faults(text)) == {"spacing"}


PAGES = {
    "anonymous": [
        "/",
        "/registre",
        "/statistiques",
        "/verification",
        "/verification/{number}",
        "/charte",
        "/charte/signataires",
        "/autodiagnostic",
        "/compte/connexion",
        "/compte/inscription",
        "/signalements/{number}",
        "/journal",
    ],
    "secretariat": [
        "/",
        "/secretariat/candidatures",
        "/candidatures/{submitted_id}",
        "/candidatures/{application_id}",
        "/seances",
        "/seances/{session_id}",
        "/structures/",
        "/structures/{structure_id}",
        "/certificats",
        "/certificats/{number}",
        "/secretariat/signatures",
        "/secretariat/charte",
        "/secretariat/suivis",
        "/secretariat/signalements",
        "/secretariat/signalements/{report_id}",
        "/secretariat/journal",
        "/tableau-de-bord",
        "/admin/utilisateurs",
    ],
    "applicant": [
        "/",
        "/structures/mes-structures",
        "/structures/{structure_id}",
        "/structures/{structure_id}/label",
        "/structures/{structure_id}/auto-evaluations",
        "/auto-evaluations/{assessment_id}/principes/GOV",
        "/candidatures/{application_id}",
        "/candidatures/{submitted_id}",
        "/suivis/{followup_id}",
        "/compte/",
    ],
    "council_member": [
        "/conseil",
        "/conseil/seances/{session_id}",
        "/conseil/points/{item_id}",
        "/tableau-de-bord",
    ],
}
CASES = [(role, url) for role, urls in PAGES.items() for url in urls]


@pytest.fixture
def world(app, world_rows):
    rows, users, ids = world_rows
    restore(app, rows)
    return users, ids


def test_main_pages_follow_french_typography(client, login, world):
    users, ids = world
    findings = {}
    for role, url in CASES:
        if role != "anonymous":
            login(users[role])
        response = client.get(url.format(**ids))
        assert response.status_code == 200, (role, url)
        faults = page_faults(visible_text(response.get_data(as_text=True)))
        if faults:
            findings[f"{role} {url}"] = faults
        if role != "anonymous":
            client.post("/compte/deconnexion")
    assert findings == {}, _report(findings)


def _report(findings: dict) -> str:
    lines = []
    for page, faults in findings.items():
        for rule, found in faults.items():
            for snippet in found:
                lines.append(f"{page} [{rule}] {snippet!r}")
    return "\n".join(lines)


NAMES = ["Étaples", "Eperlecques", "Ecques", "Zutkerque", "Arras"]
FRENCH_ORDER = ["Arras", "Ecques", "Eperlecques", "Étaples", "Zutkerque"]


def test_sql_order_by_name_ignores_accents(app):
    from sqlalchemy import literal, union_all

    from cdess.extensions import db
    from cdess.web.collation import by_name

    names = union_all(*(db.select(literal(n).label("name")) for n in NAMES)).subquery()
    stmt = db.select(names.c.name).order_by(by_name(names.c.name), names.c.name)
    assert db.session.execute(stmt).scalars().all() == FRENCH_ORDER


def test_secretariat_list_of_structures_is_in_french_order(app, create_structure):
    from cdess.extensions import db
    from cdess.structures import queries

    for name in NAMES:
        create_structure(name=name)
    filters = {"q": "", "family": "", "epci": "", "commune": ""}
    found = db.session.execute(queries.structures(filters)).scalars().all()
    assert [s.name for s in found] == FRENCH_ORDER
