"""One way to name an enum's values for people: `labelled(Kind, {member: French text})` gives
every member a `.label`, refused at import when a member has none. Pages, emails and PDFs read
`member.label`; no template or view keeps its own table of names."""

import enum


class Message(str):
    """A French message with its values, from code where no app runs: it reads as the French
    text (tests, logs, the command line); a page shows `cdess.web.messages.translate(it)`."""

    msgid: str
    values: dict

    def __new__(cls, msgid: str, values: dict) -> "Message":
        message = super().__new__(cls, msgid % values)
        message.msgid, message.values = msgid, values
        return message


def N_(text: str, **values) -> str:
    """Marks a French message for extraction (`make translations`) where no app may run (pure
    rules, module constants); with values (`%(name)s`), a `Message` that keeps them apart for
    the translation. The page that shows it translates it (`cdess.web.messages.translate`)."""
    return Message(text, values) if values else text


def labelled(kind: type[enum.Enum], names: dict) -> type[enum.Enum]:
    """Give each member of `kind` its name from `names` (lazy translations welcome)."""
    missing = [member.name for member in kind if member not in names]
    if missing:
        raise ValueError(f"{kind.__name__}: no label for {', '.join(missing)}")
    kind.label = property(lambda member: str(names[member]), doc="Its name, for people.")
    return kind
