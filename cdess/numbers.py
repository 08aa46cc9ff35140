"""Numbers as people type them: one parser of French (and English) decimals for the whole
application, below every package (the scoring rules and the web forms both stand on it)."""

import math

MAX_LENGTH = 30  # longer text is not a number anyone types (and float() would be slow on it)


def parse_number(raw: str) -> float | None:
    """A French or English decimal ("3,5", "3.5", "1 200"), or None; never infinite or NaN."""
    text = raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not text or len(text) > MAX_LENGTH:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
