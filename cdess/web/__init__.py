"""Shared web plumbing: error pages, security headers, template helpers, navigation.

It stands below every domain and imports none: each blueprint registers its own template
globals and menu entries."""

from flask import Flask, g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.local import LocalProxy
from werkzeug.serving import WSGIRequestHandler

from cdess.web import formats
from cdess.web.navigation import navigation

ERRORS = {
    400: (
        _l("Requête invalide"),
        _l("La requête n'a pas pu être comprise. Rechargez la page et réessayez."),
    ),
    403: (_l("Accès refusé"), _l("Vous n'avez pas le droit d'accéder à cette page.")),
    404: (_l("Page introuvable"), _l("Cette page n'existe pas ou plus. Vérifiez l'adresse.")),
    405: (_l("Méthode non autorisée"), _l("Cette action n'est pas possible sur cette page.")),
    413: (
        _l("Envoi trop volumineux"),
        _l(
            "Le fichier ou le formulaire envoyé dépasse la taille autorisée. "
            "Réduisez sa taille et réessayez."
        ),
    ),
    429: (
        _l("Trop de tentatives"),
        _l("Vous avez fait trop de tentatives en peu de temps. Patientez quelques minutes."),
    ),
    500: (
        _l("Erreur interne"),
        _l("Une erreur inattendue s'est produite. Réessayez plus tard."),
    ),
}
# endpoint → view that answers a too-large upload itself (the form comes back with the error)
TOO_LARGE_HANDLERS: dict = {}
# path prefix → function(code, title, message) answering the errors under it (the API's JSON)
ERROR_ANSWERS: dict = {}

CSRF_MESSAGE = _l("Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez.")

SERVER = "cdess"
# The development server (`flask run`) writes its own Server line before the app's: it names
# the product only, never Werkzeug's or Python's version either.
WSGIRequestHandler.server_version, WSGIRequestHandler.sys_version = SERVER, ""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def setup_web(app: Flask) -> None:
    # Flask-Babel's date filters, with the French « 1er juin » (`formats.date_filter`).
    app.jinja_env.filters["dateformat"] = formats.date_filter
    app.jinja_env.filters["datetimeformat"] = formats.datetime_filter

    def handle_error(error: HTTPException):
        code = error.code if isinstance(error, HTTPException) else 500
        if code == 413 and request.endpoint in TOO_LARGE_HANDLERS and current_user.is_authenticated:
            try:
                return TOO_LARGE_HANDLERS[request.endpoint](**(request.view_args or {}))
            except HTTPException:
                pass  # not a page this person may see: the plain error page
        title, message = ERRORS.get(code, ERRORS[500])
        if isinstance(error, CSRFError):
            message = CSRF_MESSAGE
        for prefix, answer in ERROR_ANSWERS.items():
            if request.path.startswith(prefix):
                return answer(code, str(title), str(message))
        return render_template("errors/error.html", code=code, title=title, message=message), code

    for code in ERRORS:
        app.register_error_handler(code, handle_error)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        # No software nor version named (ASVS 14.3.3). The WSGI server writes its own line
        # before this one: gunicorn's names no version; `flask run`'s (Werkzeug/… Python/…)
        # is for development only.
        response.headers["Server"] = SERVER
        if app.config["PRODUCTION"]:  # behind TLS: browsers never come back over plain HTTP
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def globals_for_templates():
        return {
            "get_locale": get_locale,
            # Read only by the pages that show the menu (not by a fragment such as the live
            # panel, asked for every two seconds): computed on first use, once per request.
            "nav_items": LocalProxy(_nav_items),
        }

    def _nav_items() -> list:
        if "nav_items" not in g:
            # No signed-in user outside a request (an email sent from the command line).
            g.nav_items = navigation(current_user) if current_user else []
        return g.nav_items
