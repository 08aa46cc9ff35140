"""The four legal pages, public: « Déclaration d'accessibilité », « Mentions légales »,
« Données personnelles », « Plan du site ».

Where the law and the DINUM's models are silent, decided here:
- the pages read the settings at each request (never at import): an operator's
  `instance/config.py` or `CDESS_*` variable shows at the next page;
- the site map lists the menu's entries as each blueprint registered them (`web.navigation`):
  a visitor's menu, the other public pages, then what this person's own menu adds; a page of
  another part of the application (the personal-data rights) is listed only once it exists;
- the accessibility statement names the axe-core version the browser journeys run
  (`AXE_VERSION`, checked against tests/e2e/vendor/VERSION by the tests)."""

from datetime import date, timedelta

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess.accounts import throttle
from cdess.web.navigation import navigation

bp = Blueprint("legal", __name__)

AXE_VERSION = "4.14.1"

# The public pages beyond the menu's entries, in the order the site map lists them.
PUBLIC_PAGES = (
    ("certificates.verify_form", _l("Vérifier un certificat")),
    ("dashboard.statistics", _l("Statistiques du label")),
    ("audit.public_head", _l("Journal des décisions : tête publiée")),
)
OPEN_DATA = (
    ("certificates.registry_csv", _l("Registre des structures labellisées (CSV)")),
    ("certificates.registry_json", _l("Registre des structures labellisées (JSON)")),
    ("opendata.statistics_csv", _l("Statistiques du label (CSV)")),
    ("opendata.statistics_json", _l("Statistiques du label (JSON)")),
)
LEGAL_PAGES = (
    ("legal.accessibility", _l("Déclaration d'accessibilité")),
    ("legal.notice", _l("Mentions légales")),
    ("legal.privacy", _l("Données personnelles")),
    ("legal.site_map", _l("Plan du site")),
)
# A visitor's way in; signed in, one's own account and its rights.
VISITOR_PAGES = (
    ("accounts.login", _l("Se connecter")),
    ("accounts.register", _l("Créer un compte")),
    ("accounts.forgot_password", _l("Mot de passe oublié")),
)
ACCOUNT_PAGES = (
    ("accounts.profile", _l("Mon compte")),
    ("accounts.my_data", _l("Mes données")),
    ("accounts.delete_account", _l("Supprimer mon compte")),
)

# The libraries the service is built on, and their licences (mentions légales, « Crédits »).
CREDITS = (
    ("Flask, Werkzeug, Jinja", _l("le cadre de l'application web"), "BSD-3-Clause"),
    ("SQLAlchemy, Alembic, Flask-Migrate", _l("la base de données et ses migrations"), "MIT"),
    ("Flask-SQLAlchemy, Flask-WTF, WTForms", _l("les modèles et les formulaires"), "BSD-3-Clause"),
    ("Flask-Login, Flask-Limiter", _l("les connexions et les limites de tentatives"), "MIT"),
    ("Flask-Babel, Babel", _l("les langues, les dates et les nombres"), "BSD-3-Clause"),
    ("WeasyPrint", _l("les documents PDF"), "BSD-3-Clause"),
    ("segno", _l("les codes QR"), "BSD-3-Clause"),
    ("icalendar", _l("les invitations aux séances"), "BSD-2-Clause"),
    ("openpyxl", _l("les exports Excel"), "MIT"),
    ("python-stdnum", _l("la vérification des numéros SIREN et SIRET"), "LGPL-2.1+"),
    ("psycopg", _l("la connexion à PostgreSQL"), "LGPL-3.0"),
    ("zxcvbn", _l("la solidité des mots de passe"), "MIT"),
    ("axe-core", _l("l'audit d'accessibilité des tests"), "MPL-2.0"),
)


@bp.get("/accessibilite")
def accessibility():
    config = current_app.config
    return render_template(
        "legal/accessibility.html",
        audit_date=_as_date(config["ACCESSIBILITY_AUDIT_DATE"]),
        statement_date=_as_date(config["ACCESSIBILITY_STATEMENT_DATE"]),
        axe_version=AXE_VERSION,
    )


@bp.get("/mentions-legales")
def notice():
    return render_template("legal/notice.html", credits=CREDITS)


@bp.get("/donnees-personnelles")
def privacy():
    config = current_app.config
    return render_template(
        "legal/privacy.html",
        retention={
            "unconfirmed_days": int(config["RETENTION_UNCONFIRMED_DAYS"]),
            "draft_years": int(config["RETENTION_DRAFT_YEARS"]),
            "inactive_years": int(config["RETENTION_INACTIVE_YEARS"]),
            "warning_days": int(config["RETENTION_WARNING_DAYS"]),
        },
        remember_days=_days(config["REMEMBER_COOKIE_DURATION"]),
        lock_minutes=throttle.lock_minutes(),
        rights=_existing(ACCOUNT_PAGES[1:]),
    )


@bp.get("/plan-du-site")
def site_map():
    return render_template("legal/site_map.html", sections=site_map_sections(current_user))


def site_map_sections(user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The site map's sections for this person, as (title, [(endpoint, label)]): the public
    pages (a visitor's menu first), the open data, the legal pages, then either the way in (a
    visitor) or the pages this person's own menu adds and their account."""
    public = navigation(current_app.login_manager.anonymous_user()) + _existing(PUBLIC_PAGES)
    sections = [
        (_l("Pages publiques"), _unique(public)),
        (_l("Données ouvertes"), _existing(OPEN_DATA)),
        (_l("Informations légales"), _existing(LEGAL_PAGES)),
    ]
    if not user.is_authenticated:
        sections.append((_l("Accès à votre espace"), _existing(VISITOR_PAGES)))
        return sections
    shown = {endpoint for _title, entries in sections for endpoint, _label in entries}
    own = [(endpoint, label) for endpoint, label in navigation(user) if endpoint not in shown]
    sections.append((_l("Vos pages"), own))
    sections.append((_l("Votre compte"), _existing(ACCOUNT_PAGES)))
    return sections


def _existing(pages) -> list[tuple[str, str]]:
    """The pages whose endpoint this application has (a blueprint may be left out)."""
    return [
        (endpoint, str(label))
        for endpoint, label in pages
        if endpoint in current_app.view_functions
    ]


def _unique(pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    return [page for page in pages if not (page[0] in seen or seen.add(page[0]))]


def _as_date(value) -> date | None:
    """A setting holding a day: a date, or its ISO text; None when it is not one."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _days(value) -> int:
    """A duration setting (a timedelta, or seconds as from a CDESS_* variable) in whole days."""
    if not isinstance(value, timedelta):
        value = timedelta(seconds=float(value))
    return max(1, round(value.total_seconds() / 86400))
