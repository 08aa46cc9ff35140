"""French typography as pure rules: what a page's text gets wrong, and the helpers that write it
right (elided names, « 1er », a sort key that ignores accents). No Flask: the rules read and
return plain strings, so that tests run them on tables and on rendered pages alike.

Each `*_faults(text)` returns the offending snippets (empty when the text is right):
- `spacing_faults`: a non-breaking space (U+00A0 or the narrow U+202F) before « : ; ! ? » and
  inside « », never a plain space nor nothing; a colon between digits (10:30), in a URL
  (https://) or glued to the next character (a code sample, « GOV-01:x ») is not punctuation;
- `double_punctuation_faults`: « .. », « ,, », « ?. »… (« … » is the one right ellipsis);
- `first_of_month_faults`: « 1 juin » for « 1er juin »;
- `elision_faults`: « de Annay », « le Union », « de le »… for « d'Annay », « l'Union », « du »;
- `agreement_faults`: a state after its noun in the wrong gender (« candidature déposé »).
"""

import re
import unicodedata

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
SPACES = NBSP + NARROW_NBSP
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
VOWELS = "AEIOUYÀÂÄÆÉÈÊËÎÏÔÖŒÙÛÜaeiouyàâäæéèêëîïôöœùûü"
# A word that loses its vowel before a vowel (« d'Annay », « l'Union », « qu'il »).
ELIDED = {"de": "d'", "le": "l'", "la": "l'", "que": "qu'", "ne": "n'", "je": "j'", "se": "s'"}
# « de » or « à » before the article of a name: the contracted forms.
CONTRACTED = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}

_MONTHS = "|".join(MONTHS)
_WORD = r"[^\W\d_]"  # a letter


def _snippet(text: str, start: int, end: int, margin: int = 12) -> str:
    return text[max(0, start - margin) : end + margin].replace("\n", " ")


def spacing_faults(text: str) -> list[str]:
    """Snippets where « : ; ! ? » or « » lack their non-breaking space (a plain one, or none)."""
    found = []
    # A plain space (or a line break) before the high punctuation, or after « / before ».
    for match in re.finditer(r"[ \t\n]+([:;!?»])|(«)[ \t\n]", text):
        found.append(_snippet(text, match.start(), match.end()))
    # Nothing before it: a letter, digit or closing mark glued to « ; ! ? » ending a word, or to
    # a colon followed by a space or the end (not 10:30, not https://, not « a:b »).
    for match in re.finditer(r"[\w)\]»'’…]([;!?]+)(?=\s|$|[)\]<])|[\w)\]»’…](:)(?=\s|$)", text):
        found.append(_snippet(text, match.start(), match.end()))
    for match in re.finditer(r"«(?=[^\s" + SPACES + r"])|(?<=[^\s" + SPACES + r"])»", text):
        found.append(_snippet(text, match.start(), match.end()))
    return found


def double_punctuation_faults(text: str) -> list[str]:
    """Snippets with doubled punctuation: « .. » (and « ... », to be « … »), « ,, », « ?. »,
    « !. », « ., », « ,. », « :. », « ;. », « …. »."""
    pattern = r"\.\.+|,,|[?!:;,…]\.(?!\w)|\.,"
    return [_snippet(text, m.start(), m.end()) for m in re.finditer(pattern, text)]


def first_of_month_faults(text: str) -> list[str]:
    """Snippets naming the first day of a month « 1 juin » instead of « 1er juin »."""
    pattern = rf"(?<![\d,.])\b1[ {SPACES}]+(?:{_MONTHS})\b"
    return [_snippet(text, m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def first_of_month(text: str) -> str:
    """The text with « 1 juin » written « 1er juin » (for a locale's date formatter: call it on
    French output only)."""
    pattern = rf"(?<![\d,.])\b1([ {SPACES}]+)((?:{_MONTHS})\b)"
    return re.sub(pattern, r"1er\1\2", text, flags=re.IGNORECASE)


def elision_faults(text: str) -> list[str]:
    """Snippets where a word should have been elided or contracted: « de Annay », « le Union »,
    « de le Portel », « à les Attaques »."""
    found = []
    elided = "|".join(ELIDED)
    for match in re.finditer(rf"(?<![-\w])({elided}) +(?=[{VOWELS}])", text, re.IGNORECASE):
        found.append(_snippet(text, match.start(), match.end() + 8))
    for match in re.finditer(r"\b(de|à) +(le|les) +(?=[A-ZÀ-Ý])", text):
        found.append(_snippet(text, match.start(), match.end() + 8))
    return found


def elide(prefix: str, name: str) -> str:
    """`prefix` (« de », « à », « le », « la »…) put before a name, elided or contracted as French
    writes it: de + Annay → « d'Annay », de + Le Portel → « du Portel », à + Les Attaques →
    « aux Attaques », le + Union → « l'Union », de + Berck → « de Berck ». A name starting with
    h is left as it is (an aspirated h, « de Harnes », cannot be told from a mute one)."""
    words = name.split(" ", 1)
    article = words[0].lower()
    if (prefix.lower(), article) in CONTRACTED and len(words) == 2:
        contracted = CONTRACTED[(prefix.lower(), article)]
        if prefix[:1].isupper():
            contracted = contracted.capitalize()
        return f"{contracted} {words[1]}"
    if prefix.lower() in ELIDED and name[:1] in VOWELS:
        elided = ELIDED[prefix.lower()]
        return (elided.capitalize() if prefix[:1].isupper() else elided) + name
    return f"{prefix} {name}"


def participle_gender(word: str) -> str | None:
    """« f » for a feminine past participle or adjective of state (« déposée », « ouverte »,
    « close »), « m » for a masculine one (« déposé », « ouvert », « clos »), None for a word
    that is neither (« recevable », « brouillon »; plurals are read as their singular)."""
    word = word.lower().rstrip("s") if len(word) > 3 else word.lower()
    if word.endswith(("ée", "ie", "ue", "ite", "erte", "ose", "ise", "inte")):
        return "f"
    if word.endswith(("é", "i", "u", "it", "ert", "o", "is", "int")):
        return "m"
    return None


def label_gender(label: str) -> str | None:
    """The gender a state's label requires of its noun: its first word's, when it is a
    participle (« inscrite à une séance » → f); None when the label starts with a noun of its
    own (« label attribué », « vote ouvert ») or with no participle (« à compléter »)."""
    return participle_gender(label.split(" ", 1)[0]) if label else None


def agreement_faults(text: str, nouns: dict[str, str], states: dict[str, str]) -> list[str]:
    """Snippets where a noun of `nouns` (word → « f » or « m ») is followed, in the same phrase
    (within 60 characters, no sentence punctuation in between, its own words only), by a state
    of `states` (label → gender) of the other gender: « Candidature du 2 juin — déposé »."""
    found = []
    wrong = {label: gender for label, gender in states.items() if gender}
    if not wrong:
        return found
    labels = "|".join(re.escape(label) for label in sorted(wrong, key=len, reverse=True))
    names = "|".join(re.escape(noun) for noun in nouns)
    pattern = rf"\b({names})s?\b([^.;:!?\n]{{0,60}}?[—(,]\s*|\s+)({labels})(?!{_WORD})"
    for match in re.finditer(pattern, text, re.IGNORECASE):
        noun, label = match.group(1).lower(), match.group(3)
        expected = nouns.get(noun)
        if expected and wrong.get(label) and wrong[label] != expected:
            found.append(_snippet(text, match.start(), match.end(), 4))
    return found


def collation_key(name: str) -> tuple[str, str]:
    """A sort key that reads names as a French list does: accents, case, hyphens and
    apostrophes ignored first (« Étaples » among the E, « Saint-Omer » by « saint omer »), then
    the name itself to order the ties the same way every time. Letters that Unicode does not
    decompose (« œ », « æ ») are spelled out."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.casefold().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    plain = " ".join(re.sub(r"[-'’]", " ", plain).split())
    return plain, name


def french_spacing(text: str, insert: bool = True) -> str:
    """The text with a non-breaking space (U+00A0) before « : ; ! ? » and inside « », where it
    had a plain space or (`insert`) none after a word. A colon or mark glued to what follows
    (10:30, https://, « ?page=2 », « :param ») is left alone."""
    text = re.sub(r"[ \t]+([:;!?]+)(?=[\s)\]\"'<»]|$)", NBSP + r"\1", text)
    text = re.sub(r"«[ \t]+", "«" + NBSP, text)
    text = re.sub(r"[ \t]+»", NBSP + "»", text)
    if insert:
        text = re.sub(rf"({_WORD}|[)\]])([;!?]+)(?=[ \t\n\"'<)]|$)", r"\1" + NBSP + r"\2", text)
        text = re.sub(rf"({_WORD}|[)\]])(:)(?=[ \t\n\"'<]|$)", r"\1" + NBSP + r"\2", text)
        text = re.sub(rf"«(?=[^\s{SPACES}])", "«" + NBSP, text)
        text = re.sub(rf"(?<=[^\s{SPACES}])»", NBSP + "»", text)
    return text
