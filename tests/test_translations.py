"""The translations: the English catalogue is complete and compiled, the template of messages
follows the code, and no template shows a word outside a translation call.

French is the source language: every msgid is the French text, the `en` catalogue gives its
English. `make translations` extracts, updates and compiles (README, « Languages »).
"""

import gettext
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "cdess" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
TEMPLATES = ROOT / "templates"

# %(name)s, %s, %d, %%: what Python's % formatting substitutes (and Flask-Babel's gettext).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _messages(catalog):
    """The catalogue's messages, without its header (the entry whose msgid is empty)."""
    return [m for m in catalog if m.id]


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def catalog():
    if not PO.exists():
        pytest.skip(f"{PO.relative_to(ROOT)} is not there yet: `make translations` creates it")
    return _read(PO)


# ---------------------------------------------------------------------------------------------
# The English catalogue


def test_the_catalogue_is_not_fuzzy_as_a_whole(catalog):
    """A catalogue whose header is fuzzy is skipped by `pybabel compile`: no English at all."""
    assert not catalog.fuzzy, f'{PO.relative_to(ROOT)}: remove « #, fuzzy » above msgid ""'


def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    untranslated = [m.id for m in _messages(catalog) if not all(_strings(m))]
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated in {PO.name}: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {PO.name}: {fuzzy[:20]}"


def test_no_obsolete_message_is_left(catalog):
    """`pybabel update` keeps removed messages as « #~ »: they are noise for translators."""
    assert list(catalog.obsolete) == []


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_placeholders_are_the_same_in_the_translation(catalog):
    """A translation keeps the message's placeholders: one it adds fails with a KeyError when
    the page is drawn, one it drops loses a value. A plural's last form has those of the
    msgid_plural; its other forms may leave out the count (« one file »)."""
    wrong = []
    for message in _messages(catalog):
        ids, strings = _ids(message), _strings(message)
        for index, string in enumerate(strings):
            if not string:
                continue
            if len(ids) == 1 or index == len(strings) - 1:
                ok = _placeholders(string) == _placeholders(ids[-1])
            else:
                ok = set(_placeholders(string)) <= set(_placeholders(ids[0] + ids[1]))
            if not ok:
                wrong.append(f"{ids[0]!r} → {string!r}")
    assert wrong == [], "\n".join(wrong)


def test_the_catalogue_holds_every_message_of_the_template(catalog):
    """`pybabel update` was run after the last extraction (make translations does both)."""
    missing = {m.id for m in _messages(_read(POT))} - {m.id for m in _messages(catalog)}
    assert missing == set(), f"{len(missing)} missing from {PO.name}: {sorted(missing)[:20]}"


def test_the_compiled_catalogue_matches_the_po(catalog):
    """The .mo is committed (a fresh clone, a `pip install`, CI serve English with no step):
    it must say what the .po says. `make translations` compiles it."""
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make translations`"
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(
            f
        )._catalog  # the compiled messages, as gettext reads them
    expected = {}
    for message in _messages(catalog):
        if message.fuzzy or not all(_strings(message)):
            continue  # left out of the .mo (the tests above name them)
        # A message with a context (pgettext) is compiled under « context EOT id ».
        prefix = f"{message.context}\x04" if message.context else ""
        if isinstance(message.id, tuple):
            for index, string in enumerate(_strings(message)):
                expected[(prefix + message.id[0], index)] = string
        else:
            expected[prefix + message.id] = message.string
    compiled = {k: v for k, v in compiled.items() if k != ""}  # the header
    stale = sorted(str(k) for k in expected.keys() ^ compiled.keys())
    stale += sorted(str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert stale == [], f"{MO.name} is stale, run `make translations`: {stale[:20]}"


def test_the_application_serves_english(catalog, app):
    """Flask-Babel finds the catalogue where it is (cdess/translations, its default)."""
    from flask_babel import force_locale, gettext

    translated = (m for m in _messages(catalog) if not isinstance(m.id, tuple) and m.string)
    message = next((m for m in translated if "%" not in m.id and not m.fuzzy), None)
    assert message is not None, f"{PO.name} translates nothing"
    with app.test_request_context(), force_locale("en"):
        assert gettext(message.id) == message.string


# ---------------------------------------------------------------------------------------------
# The template of messages follows the code


def test_the_message_template_is_up_to_date(tmp_path):
    """A string added to the code or a template without `make translations` fails here."""
    fresh = tmp_path / "messages.pot"
    babel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run(  # noqa: S603  (fixed arguments, our own tool)
        [
            str(babel), "-q", "extract", "-F", str(TRANSLATIONS / "babel.cfg"),
            "-k", "_l", "-k", "N_", "--no-location", "--sort-output", "-o", str(fresh), ".",
        ],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "warning" not in result.stderr.lower(), result.stderr
    current = {m.id for m in _messages(_read(POT))}
    extracted = {m.id for m in _messages(_read(fresh))}
    assert extracted - current == set(), "new strings, run `make translations`"
    assert current - extracted == set(), "strings gone from the code, run `make translations`"


# ---------------------------------------------------------------------------------------------
# The template checker: no user-facing word outside a translation call

# Attributes a reader sees or hears (value: only on buttons, where it is the button's text).
VISIBLE_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "placeholder", "label"}
BUTTON_INPUTS = {"submit", "button", "reset"}
INVISIBLE_ELEMENTS = {"script", "style"}
# A word: two letters or more (a lone « à » or « h » between placeholders is not a sentence).
WORD = re.compile(r"[^\W\d_]{2,}")
# Proper nouns, codes and units that are the same in every language.
ALLOWED_WORDS = {
    "CDESS", "ESS", "SIRET", "SIREN", "RNA", "EPCI", "INSEE", "RGAA", "RGPD",
    "PDF", "CSV", "JSON", "XLSX", "ODT", "DOCX", "PNG", "JPEG", "SVG", "QR", "SHA", "URL",
    "cdess",
}  # fmt: skip
FRENCH_PUNCTUATION = re.compile(r"\s[:;!?](\s|$)|[«»]")
# What stands for a Jinja tag, expression or comment in the text handed to the HTML parser: a
# space, so that `<tr{% if x %} class="a"{% endif %}>` stays a tag.
HOLE = " "


class _Text(HTMLParser):
    """Collects the visible text and attributes of an HTML document, with their lines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in INVISIBLE_ELEMENTS:
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            button = tag == "input" and (values.get("type") or "").lower() in BUTTON_INPUTS
            if value and (name in VISIBLE_ATTRIBUTES or (name == "value" and button)):
                self.found.append((self.getpos()[0], value))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in INVISIBLE_ELEMENTS:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in INVISIBLE_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            line = self.getpos()[0]
            for offset, part in enumerate(data.split("\n")):
                self.found.append((line + offset, part))


def _static_text(env: Environment, source: str) -> str:
    """The template with every Jinja tag, expression and comment replaced by a hole (the same
    count of lines kept): what is left is what the template writes as it is."""
    out = []
    inside = False
    line = 1
    for lineno, token, value in env.lex(source):
        if lineno > line:  # the lines of the tags, and those `{%-` strips from the text
            out.append("\n" * (lineno - line))
            line = lineno
        if token == "data" and not inside:
            out.append(value)
            line += value.count("\n")
        elif token.endswith("_begin"):
            inside = True
            # `<{{ tag }} class="a">` stays a tag: a name where the tag's name is written.
            out.append("x" if out and out[-1].endswith(("<", "</")) else HOLE)
        elif token.endswith("_end"):
            inside = False
    return "".join(out)


def _words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w not in ALLOWED_WORDS]


def _french(text: str) -> bool:
    """A word, or French punctuation (a space before « : ; ! ? », guillemets): English differs."""
    return bool(_words(text) or FRENCH_PUNCTUATION.search(text))


# Calls whose string arguments are translated, or never shown (a route's name, its arguments).
TRANSLATING = {"_", "gettext", "ngettext", "pgettext", "npgettext", "url_for"}
# A string in an expression that reads as text: a capital then small letters, or two words.
PROSE = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]|[^\W\d_]{2,}\s+[^\W\d_]{2,}")


def _literals(node: nodes.Node):
    """The strings of a template's expressions that may be shown: not in a translating call,
    a comparison, a test, a lookup or a filter's arguments (date patterns, separators)."""
    if isinstance(node, nodes.Call) and getattr(node.node, "name", None) in TRANSLATING:
        return
    if isinstance(node, nodes.Compare | nodes.Test | nodes.Getitem | nodes.Getattr):
        return
    if isinstance(node, nodes.Filter):
        if node.node is not None:
            yield from _literals(node.node)
        return
    if isinstance(node, nodes.Const):
        if isinstance(node.value, str) and PROSE.search(node.value):
            yield node.lineno, node.value
        return
    for child in node.iter_child_nodes():
        yield from _literals(child)


def untranslated_text(env: Environment, path: Path, root: Path = ROOT) -> list[str]:
    """« file:line: text » for each user-facing word a template writes outside `_()`: in its
    text, its visible attributes, or a string of its expressions."""
    source = path.read_text()
    static = _static_text(env, source)
    if path.suffix == ".html":
        parser = _Text()
        parser.feed(static)
        parser.close()
        pieces = parser.found
    else:  # a plain text email: all of it is read
        pieces = list(enumerate(static.split("\n"), start=1))
    name = path.relative_to(root)
    findings = []
    for line, text in pieces:
        if _french(text):
            findings.append(f"{name}:{line}: {' '.join(text.split())!r}")
    for line, text in _literals(env.parse(source)):
        findings.append(f"{name}:{line}: {text!r} (in an expression)")
    return sorted(findings, key=lambda f: int(f.split(":")[1]))


def _jinja_env():
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # nosec B701
    return env


def test_no_template_writes_text_outside_a_translation_call():
    env = _jinja_env()
    findings = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in {".html", ".txt"}:
            env.parse(path.read_text(), path.name)  # a template the parser refuses fails here
            findings += untranslated_text(env, path)
    print("\n".join(findings))
    assert findings == [], f"{len(findings)} texts outside _() in templates:\n" + "\n".join(
        findings
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Bonjour</p>", ["t.html:1: 'Bonjour'"]),
        ("<p>{{ _('Bonjour') }}</p>", []),
        ("<p>\n  {{ name }} — {{ n }}</p>", []),
        ("<p>{{ name }} inscrit</p>", ["t.html:1: 'inscrit'"]),
        ('<img alt="Logo" src="x.png">', ["t.html:1: 'Logo'"]),
        ('<img alt="{{ _(\'Logo\') }}" src="x.png">', []),
        ('<input type="submit" value="Envoyer">', ["t.html:1: 'Envoyer'"]),
        ('<input type="hidden" name="next" value="accueil">', []),
        ('<a href="/x" class="bouton principal" aria-label="Fermer">x</a>', ["t.html:1: 'Fermer'"]),
        ("<script>const label = 'Bonjour';</script><style>p::after{content:'Oui'}</style>", []),
        ("{# Un commentaire #}<p>CDESS 2026</p>", []),
        ("{% if a %}\n<p>\n{% else %}\nRien\n{% endif %}", ["t.html:4: 'Rien'"]),
        ("{% set x = 1 %}<h1>{{ x }}</h1>\n<p>Mot</p>", ["t.html:2: 'Mot'"]),
        ("<p>\n  {%- if a -%}\n  {{ a }}\n  {%- endif %}\n</p>\n<p>Mot</p>", ["t.html:6: 'Mot'"]),
        ("{#\n deux lignes\n#}{{ f(\n x) }}<b>Mot</b>", ["t.html:4: 'Mot'"]),
        ("<p>{{ a }} : {{ b }}</p>", ["t.html:1: ':'"]),
        ("<p>{{ _('Oui') }}</p>\n<p>{{ n }} % — 12/20</p>", []),
        ("<p>« {{ name }} »</p>", ["t.html:1: '« »'"]),
        ("<p>{{ _('Dossier %(n)s', n=n) }}</p>", []),
        (
            "{% set titre = 'Mes dossiers' %}<h1>{{ titre }}</h1>",
            ["t.html:1: 'Mes dossiers' (in an expression)"],
        ),
        ("{{ macros.field(form.name, 'Nom') }}", ["t.html:1: 'Nom' (in an expression)"]),
        ("{% if state == 'Brouillon' %}{{ d|dateformat('d MMMM y') }}{% endif %}", []),
        ("<a href=\"{{ url_for('web.page', slug='Mentions légales') }}\">x</a>", []),
    ],
)
def test_the_checker_sees_text_outside_translation_calls(tmp_path, source, expected):
    """The checker itself: it finds the words it must, and nothing in expressions or code."""
    path = tmp_path / "t.html"
    path.write_text(source)
    assert untranslated_text(_jinja_env(), path, tmp_path) == expected


def test_the_checker_reads_plain_text_emails(tmp_path):
    path = tmp_path / "mail.txt"
    path.write_text("{{ _('Bonjour') }},\n\nVotre dossier {{ n }} est prêt.\n")
    assert untranslated_text(_jinja_env(), path, tmp_path) == [
        "mail.txt:3: 'Votre dossier est prêt.'"
    ]
