"""One way to name an enum's values for people: `labelled(Kind, {member: French text})` gives
every member a `.label`, refused at import when a member has none. Pages, emails and PDFs read
`member.label`; no template or view keeps its own table of names."""

import enum


def labelled(kind: type[enum.Enum], names: dict) -> type[enum.Enum]:
    """Give each member of `kind` its name from `names` (lazy translations welcome)."""
    missing = [member.name for member in kind if member not in names]
    if missing:
        raise ValueError(f"{kind.__name__}: no label for {', '.join(missing)}")
    kind.label = property(lambda member: str(names[member]), doc="Its name, for people.")
    return kind
