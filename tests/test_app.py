"""Application factory, configuration, security headers, error pages, schema."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from cdess import create_app
from cdess.extensions import db


def test_home_page_is_french_and_accessible_shell(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert html.count("<h1") == 1
    assert "Le label de l'économie sociale et solidaire" in html


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(client, create_user, login):
    user = create_user()
    response = login(user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production


@pytest.mark.parametrize(
    ("url", "code", "title"),
    [("/nulle-part", 404, "Page introuvable"), ("/admin/utilisateurs", 302, None)],
)
def test_error_pages_in_french(client, url, code, title):
    response = client.get(url)
    assert response.status_code == code
    if title:
        assert title in response.get_data(as_text=True)


def test_forbidden_page_is_a_403_not_a_redirect(client, create_user, login):
    login(create_user())
    response = client.get("/admin/utilisateurs")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_oversized_body_gets_413_page(client):
    response = client.post(
        "/compte/inscription",
        data=b"x" * (17 * 1024 * 1024),
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"PROPAGATE_EXCEPTIONS": False}])
def test_500_page_in_french(app, client, monkeypatch):
    def boom():
        raise RuntimeError("boum")

    monkeypatch.setitem(app.view_functions, "web.health", boom)
    response = client.get("/sante")
    assert response.status_code == 500
    assert "Erreur interne" in response.get_data(as_text=True)


def test_secret_key_written_once_to_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("CDESS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CDESS_SECRET_KEY", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("CDESS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CDESS_DEPARTEMENT", "62")
    monkeypatch.setenv("CDESS_BASE_URL", "https://label-ess.exemple.fr")
    monkeypatch.setenv("CDESS_DATABASE_URL", "postgresql://u@h/db")
    app = create_app()
    assert app.config["BASE_URL"] == "https://label-ess.exemple.fr"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("CDESS_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('DEPARTEMENT_NAME = "Département de test"\n')
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["DEPARTEMENT_NAME"] == "Département de test"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"PRODUCTION": True, "SECRET_KEY": None}, "CDESS_SECRET_KEY"),
        ({"PRODUCTION": True, "SECRET_KEY": "court"}, "CDESS_SECRET_KEY"),
        ({"PRODUCTION": True, "SECRET_KEY": "k" * 40, "DEBUG": True}, "debug"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, monkeypatch, settings, message):
    monkeypatch.setenv("CDESS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CDESS_SECRET_KEY", raising=False)
    if settings.get("DEBUG"):
        monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match=message):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})
    assert not (tmp_path / "secret_key").exists()


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("CDESS_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "PRODUCTION": True, "SECRET_KEY": "k" * 40}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_sqlite_enforces_foreign_keys_and_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_migrations_match_the_models(app):
    """The migrated schema is exactly what the models declare: nothing missing, nothing extra."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.postgres_only
def test_suite_really_runs_on_postgresql(app):
    assert db.engine.dialect.name == "postgresql"
    assert db.session.execute(text("select current_schema()")).scalar().startswith("cdess_test_")


def test_health_endpoint(client):
    response = client.get("/sante")
    assert response.status_code == 200 and response.data == b"ok"
