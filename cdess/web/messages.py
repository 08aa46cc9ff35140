"""The messages of code where no app runs (pure rules), in the reader's language."""

from flask_babel import gettext

from cdess.labels import Message


def translate(message: str) -> str:
    """A message marked with `N_` (a `Message` with its values, or a French text), translated;
    a text already translated, or one no catalogue knows, comes back as it is."""
    if isinstance(message, Message):
        return gettext(message.msgid, **message.values)
    return gettext(message)
