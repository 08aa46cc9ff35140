"""What makes a new password too easy to guess.

A password is refused when:
- it is common or breached, or built from such words with predictable changes (repeats,
  sequences, keyboard rows, dates, « l33t »): zxcvbn's estimate, from the lists it ships
  (the passwords of public breaches, common words and names), is below « safely
  unguessable » (score 3 of 4); it works offline;
- it contains the person's own name or their email address's local part, or one of their
  pieces, case-insensitively.

Where the standard is silent, decided here:
- only pieces of 4 characters or more count (« Lou », « al » would refuse too much);
- pieces are the words of the name and the local part split on anything but letters and
  digits, plus the whole local part;
- only the first 72 characters are estimated (zxcvbn refuses more, and a
  passphrase that long is strong whatever follows);
- the length rules (12 to 200 characters) stay in `cdess.web.forms.StrongPassword`.
"""

import re

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_SCORE = 3
MIN_PIECE = 4
ESTIMATED_LENGTH = 72

TOO_COMMON = _l(
    "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un autre, "
    "par exemple une phrase de plusieurs mots."
)
PERSONAL = _l("Le mot de passe ne doit contenir ni votre nom ni votre adresse électronique.")


def personal_pieces(name: str | None, email: str | None) -> set[str]:
    """The pieces of a person's name and email local part a password may not contain
    (lower case, 4 characters or more)."""
    local = (email or "").rpartition("@")[0] or (email or "")
    words = re.split(r"[\W_]+", f"{name or ''} {local}".casefold())
    pieces = {w for w in words if len(w) >= MIN_PIECE}
    if len(local) >= MIN_PIECE:
        pieces.add(local.casefold())
    return pieces


def weakness(password: str, name: str | None = None, email: str | None = None) -> LazyString | None:
    """Why `password` is too easy to guess for this person (a French message), or None."""
    folded = password.casefold()
    pieces = personal_pieces(name, email)
    if any(piece in folded for piece in pieces):
        return PERSONAL
    if zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=sorted(pieces))["score"] < MIN_SCORE:
        return TOO_COMMON
    return None
