"""Test fixtures: one migrated database per run (SQLite, or PostgreSQL when
CDESS_TEST_DATABASE_URL is set), emptied after each test; factories for users and structures."""

import email
import email.policy
import itertools
import os
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from cdess import create_app
from cdess.accounts import services as account_services
from cdess.accounts.models import Role
from cdess.extensions import db
from cdess.structures import services as structure_services
from cdess.structures.models import Family

PASSWORD = "mot-de-passe-solide-62"
PG_URL = os.environ.get("CDESS_TEST_DATABASE_URL")

# The same examples on every run, so that CI is never red by chance; explore with
# `pytest --hypothesis-profile=explore` (new random examples on each run).
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("default")


def pytest_collection_modifyitems(config, items):
    # The browser journeys are the longest files: started first, they finish beside the
    # short ones instead of alone at the end of the run (xdist hands out files in order).
    items.sort(key=lambda item: "/e2e/" not in str(item.path))
    if PG_URL:
        # On PostgreSQL, only what touches a database: a test without the application (the
        # pure rules, their hypothesis properties) gives the same result on SQLite's pass.
        free = [item for item in items if "app" not in getattr(item, "fixturenames", ())]
        if free:
            config.hook.pytest_deselected(items=free)
            items[:] = [item for item in items if "app" in getattr(item, "fixturenames", ())]
        return
    reason = "PostgreSQL not configured: set CDESS_TEST_DATABASE_URL to run this test"
    for item in items:
        if "postgres_only" in item.keywords:
            if os.environ.get("CDESS_REQUIRE_POSTGRES") == "1":
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True, run=False))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionstart(session):
    if os.environ.get("CDESS_REQUIRE_POSTGRES") == "1" and not PG_URL:
        raise pytest.UsageError("CDESS_REQUIRE_POSTGRES=1 but CDESS_TEST_DATABASE_URL is not set.")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for the run: a new PostgreSQL schema (dropped after) or a SQLite file."""
    if PG_URL:
        schema = f"cdess_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from cdess.cli import init_db

        init_db()
        db.engine.dispose()
    yield url
    if PG_URL:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(url: str, instance: Path, **overrides):
    os.environ["CDESS_INSTANCE_PATH"] = str(instance)
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://cdess.test",
        "OUTBOX_DIR": str(instance / "outbox"),
        # Fast hashing for tests only; production keeps scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    return create_app(config)


def wipe(app) -> None:
    """Empty every table but Alembic's, keeping the schema (and forget cached charters and
    registry pages: emptying the database behind the application's back is no real change)."""
    from cdess.charter import services as charter_services

    charter_services._scoring_cache.clear()
    app.extensions.pop("registry_cache", None)
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with app.app_context(), db.engine.begin() as conn:
        # DELETE, children first: on small tables much faster than TRUNCATE on PostgreSQL.
        for table in tables:
            conn.execute(table.delete())


def snapshot(app) -> dict[str, list[dict]]:
    """Every row of every table, to `restore` later (much faster than rebuilding objects)."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(table.select())]
            for table in db.metadata.sorted_tables
        }


def restore(app, rows: dict[str, list[dict]]) -> None:
    """Empty the database, then put back a `snapshot` (sequences moved past the ids)."""
    wipe(app)
    with app.app_context(), db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
            if conn.dialect.name != "postgresql":
                continue
            for column in table.primary_key.columns:
                if column.autoincrement is True or (
                    column.autoincrement == "auto" and column.type.python_type is int
                ):
                    # Names come from our own metadata, never from input.
                    sql = (
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                        f"'{column.name}'), COALESCE(MAX(\"{column.name}\"), 0) + 1, false) "
                        f'FROM "{table.name}"'
                    )
                    conn.execute(text(sql))


@pytest.fixture
def app_config():
    """Override in a test module (or parametrise) to change settings."""
    return {}


_APPS: dict[tuple, tuple] = {}


@pytest.fixture
def app(database_url, tmp_path, app_config, tmp_path_factory, request):
    """The application, built once per configuration (building one costs ~80 ms), with its
    settings and database reset around each test. Rate-limited apps are built afresh: the
    limiter's state belongs to the app it was last set up for."""
    key = (database_url, repr(sorted(app_config.items())))
    if key not in _APPS or app_config.get("RATELIMIT_ENABLED"):
        built = make_app(database_url, tmp_path_factory.mktemp("instance"), **app_config)
        _APPS[key] = (built, dict(built.config))
    app, config = _APPS[key]
    app.config.clear()
    app.config.update(
        config, OUTBOX_DIR=str(tmp_path / "outbox"), UPLOAD_DIR=str(tmp_path / "uploads")
    )
    from cdess.extensions import limiter

    limiter.enabled = app.config["RATELIMIT_ENABLED"]  # one limiter object serves every app
    with app.app_context():
        account_services.ensure_default_colleges()
        db.session.commit()
        yield app
        db.session.remove()
    if request.node.get_closest_marker("keep_database") is None:
        wipe(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """The emails written so far, parsed, oldest first."""

    def read():
        folder = Path(app.config["OUTBOX_DIR"])
        if not folder.exists():
            return []
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))
        ]

    return read


def email_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    """The first http link of an email, as a path for the test client."""
    url = re.search(r"https?://\S+", email_text(message)).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def create_user(app):
    counter = itertools.count(1)

    def factory(
        role: Role = Role.applicant,
        *,
        roles=None,
        email: str | None = None,
        password: str = PASSWORD,
        name: str | None = None,
        confirmed: bool = True,
        **fields,
    ):
        n = next(counter)
        user = account_services.create_user(
            email or f"{role.value}{n}@exemple.fr",
            name or f"Personne {role.value} {n}",
            roles or {role},
            password=password,
            confirmed=confirmed,
            **fields,
        )
        db.session.commit()
        return user

    return factory


def valid_siret(n: int) -> str:
    """A SIRET with correct Luhn keys, different for each n."""
    from stdnum import luhn

    body = f"{44000000 + n:08d}"
    siren = body + luhn.calc_check_digit(body)
    head = siren + "0001"
    return head + luhn.calc_check_digit(head)


@pytest.fixture
def create_structure(app, create_user):
    counter = itertools.count(1)

    def factory(owner=None, **fields):
        n = next(counter)
        siret = valid_siret(n)
        values = {
            "name": f"Association numéro {n}",
            "siret": siret,
            "siren": siret[:9],
            "rna": None,
            "legal_form": "9220",
            "family": Family.association,
            "address": "1 rue de la Paix",
            "commune_code": "62041",
            "epci_code": "200033579",
            "employees": 5,
            "year_founded": 2001,
            "website": None,
        }
        values.update(fields)
        owner = owner or create_user(Role.applicant)
        structure = structure_services.create_structure(values, owner)
        db.session.commit()
        return structure

    return factory


@pytest.fixture
def charter(app):
    """The default charter, published."""
    from cdess.charter.services import ensure_default_charter, published_version

    ensure_default_charter()
    db.session.commit()
    return published_version()


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        response = client.post(
            "/compte/connexion", data={"email": user.email, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


def html(response) -> str:
    """The response body with HTML entities decoded (Jinja escapes apostrophes)."""
    import html as html_module

    return html_module.unescape(response.get_data(as_text=True))


# --- applications: the people involved, a structure ready to apply -------------------------


@pytest.fixture
def people(create_user):
    return {
        "applicant": create_user(Role.applicant),
        "other": create_user(Role.applicant),
        "secretariat": create_user(Role.secretariat),
        "president": create_user(Role.president, roles={Role.president, Role.council_member}),
        "member": create_user(Role.council_member),
    }


@pytest.fixture
def ready(charter, create_structure, people):
    """A structure that signed the charter and finished an assessment: it may apply."""
    from cdess.assessments import services as assessments
    from cdess.charter import services as charters
    from tests.assessments.test_assessments import best_answer

    structure = create_structure(owner=people["applicant"])
    charters.sign(structure, "Camille Martin", "Présidente", people["applicant"])
    assessment = assessments.start(structure, people["applicant"])
    for criterion in assessment.version.criteria:
        if criterion.applies_to(structure.family.value):
            assessments.save_answer(assessment, criterion, best_answer(criterion))
    assessments.finish(assessment)
    db.session.commit()
    return structure, assessment
