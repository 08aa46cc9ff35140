"""What typed text may hold: the characters a field refuses, and text put on one line for an
email header.

A one-line field (a name, an identifier, an address, a title) refuses:
- the control characters of C0 and C1 (Unicode category Cc: CR, LF, tab, NUL, ESC, DEL,
  U+0085 NEXT LINE…): a line break carried into an email header fails the email, and the
  others have no use in a name;
- the line and paragraph separators (U+2028, U+2029: categories Zl, Zp), line breaks for
  Python's `str.splitlines` and for the email package, which refuses them in a header;
- the invisible format characters (category Cf): a bidirectional override (U+202E) makes a
  name read backwards, a zero-width space or a soft hyphen makes two names look the same.

Where this module is silent, decided here:
- the zero-width joiners (U+200C, U+200D) stay: emoji sequences and some scripts need them;
- a text area keeps tab, CR and LF (browsers send a line break as CR LF), the separators and
  the invisible characters a word processor pastes (soft hyphens, zero-width spaces); it
  refuses the other controls and the bidirectional embeddings, overrides and isolates, which
  would show a reader something else than what was typed (« Trojan source »);
- a password is not checked: it is never shown nor sent, and refusing a character an existing
  password holds would lock its owner out;
- private-use and unassigned code points stay: nothing reads them as a line break.
"""

import unicodedata

JOINERS = frozenset("\u200c\u200d")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
TEXT_AREA_BREAKS = frozenset("\t\n\r")


def refused(char: str, multiline: bool = False) -> bool:
    """Whether a field refuses this character: a one-line field, or a text area (multiline)."""
    category = unicodedata.category(char)
    if multiline:
        return (category == "Cc" and char not in TEXT_AREA_BREAKS) or char in BIDI_CONTROLS
    return category in {"Cc", "Zl", "Zp"} or (category == "Cf" and char not in JOINERS)


def has_refused(text: str, multiline: bool = False) -> bool:
    """Whether the text holds a character its field refuses (`refused`)."""
    return any(refused(char, multiline) for char in text)


def one_line(text: str) -> str:
    """The text on one line (an email's subject): refused format characters removed, line
    breaks and other controls made spaces, each run of white space one space."""
    kept = (
        char if not refused(char) else "" if unicodedata.category(char) == "Cf" else " "
        for char in text
    )
    return " ".join("".join(kept).split())
