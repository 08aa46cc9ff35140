"""cdess: the label and charter of the social and solidarity economy of a département."""

import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, command line."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("CDESS_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address and scheme as the trusted proxies saw them, no further.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    from cdess.web.urls import RowId

    app.url_map.converters["int"] = RowId  # before any route: ids never overflow the database

    from cdess.extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from cdess import models  # noqa: F401  (every model registered before any query)
    from cdess.accounts.views import admin_bp
    from cdess.accounts.views import bp as accounts_bp
    from cdess.applications.views import bp as applications_bp
    from cdess.assessments.views import bp as assessments_bp
    from cdess.audit.views import bp as audit_bp
    from cdess.certificates.api import bp as api_bp
    from cdess.certificates.views import bp as certificates_bp
    from cdess.charter.views import bp as charter_bp
    from cdess.credentials.views import bp as credentials_bp
    from cdess.dashboard.views import bp as dashboard_bp
    from cdess.followups.label import bp as label_bp
    from cdess.followups.views import bp as followups_bp
    from cdess.jobs.views import bp as jobs_bp
    from cdess.legal.views import bp as legal_bp
    from cdess.opendata.views import bp as opendata_bp
    from cdess.privacy import views as _privacy_views  # noqa: F401  (its routes on accounts')
    from cdess.reports.views import bp as reports_bp
    from cdess.sessions.views import bp as sessions_bp
    from cdess.structures.views import bp as structures_bp
    from cdess.territories.views import bp as territories_bp
    from cdess.web import setup_web
    from cdess.web.language import bp as language_bp
    from cdess.web.views import bp as web_bp

    for blueprint in (
        web_bp,
        language_bp,
        accounts_bp,
        admin_bp,
        structures_bp,
        territories_bp,
        charter_bp,
        assessments_bp,
        applications_bp,
        sessions_bp,
        certificates_bp,
        api_bp,
        credentials_bp,
        label_bp,
        followups_bp,
        reports_bp,
        dashboard_bp,
        opendata_bp,
        audit_bp,
        legal_bp,
        jobs_bp,
    ):
        app.register_blueprint(blueprint)
    setup_web(app)

    from cdess.cli import register_commands

    register_commands(app)
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    from cdess.config import Defaults

    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CDESS")
    if test_config:
        app.config.from_mapping(test_config)

    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config["DATABASE_URL"]
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'cdess.db'}"
    elif url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    storage = app.config["RATELIMIT_STORAGE_URL"]
    if app.config.get("REDIS_URL") and storage == Defaults.RATELIMIT_STORAGE_URL:
        storage = app.config["REDIS_URL"]  # limits and account locks hold across servers
    app.config["RATELIMIT_STORAGE_URI"] = storage
    app.config.setdefault("OUTBOX_DIR", None)
    app.config["OUTBOX_DIR"] = app.config["OUTBOX_DIR"] or str(Path(app.instance_path) / "outbox")
    app.config["UPLOAD_DIR"] = app.config.get("UPLOAD_DIR") or str(
        Path(app.instance_path) / "uploads"
    )

    if app.config["PRODUCTION"]:
        if app.debug:
            raise RuntimeError("Refusing to start: debug mode is on in production.")
        key = app.config.get("SECRET_KEY")
        if not key or len(str(key)) < 32:
            raise RuntimeError(
                "Refusing to start: production needs CDESS_SECRET_KEY (32 characters or more)."
            )
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(instance: Path) -> str:
    """Read instance/secret_key, writing a random one on first start."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, use WAL so readers do not block the writer, overwrite
    what is deleted."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Freed pages are overwritten: a deleted row (a secret ballot's trace) leaves nothing.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
