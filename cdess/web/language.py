"""The language switch in the header: POST /langue with the chosen locale and the page to go
back to. The choice is remembered on the account of a signed-in user and in the session of a
visitor; `extensions.select_locale` reads it before Accept-Language.

Decided here: an unknown locale is refused with a redirect back to the page (303) and a flash,
not a 400 page, so that the person keeps their place and reads why nothing changed; nothing is
stored. A locale change is a display preference, not a decision: it is not journaled (the
profile's own locale field is not either)."""

from flask import Blueprint, current_app, flash, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user

from cdess.extensions import LOCALE_KEY, db
from cdess.web.urls import safe_next

bp = Blueprint("language", __name__)

# Each locale named in its own language, as the switch shows it.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def offered() -> list[tuple[str, str]]:
    """(code, own name) of each locale the interface speaks, in the settings' order."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


@bp.post("/langue")
def switch():
    """Remember the chosen locale (account or session) and go back to the page."""
    chosen = request.form.get("langue", "")
    back = safe_next(request.form.get("next"))
    if chosen not in current_app.config["LANGUAGES"]:
        flash(
            _("Cette langue n'est pas proposée : la langue de l'interface est inchangée."),
            "error",
        )
        return redirect(back, 303)
    session[LOCALE_KEY] = chosen
    if current_user.is_authenticated:
        current_user.locale = chosen
        db.session.commit()
    return redirect(back, 303)


bp.add_app_template_global(offered, "offered_languages")
