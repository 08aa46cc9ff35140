"""Test fixtures and hooks: one migrated database per run (SQLite, or PostgreSQL when
CDESS_TEST_DATABASE_URL is set), emptied after each test; fixtures making users, structures,
the people of an application and a structure ready to apply. The plain helpers they build on,
and that tests import, are in `tests.factories`."""

import email
import email.policy
import itertools
import os
from pathlib import Path

import pytest
from hypothesis import settings

from cdess.accounts import services as account_services
from cdess.accounts.models import Role
from cdess.applications.models import Application, State
from cdess.charter import services as charters
from cdess.extensions import db
from cdess.structures import services as structure_services
from tests.factories import (
    GRANTED_RESULT,
    PASSWORD,
    PG_URL,
    finished_assessment,
    fresh_database,
    make_app,
    structure_values,
)

# The same examples on every run, so that CI is never red by chance; explore with
# `pytest --hypothesis-profile=explore` (new random examples on each run).
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("default")


# The order xdist hands the files out in (`--no-loadscope-reorder`: otherwise it starts with the
# files of most tests, and the journeys, one or three tests each, would end the run alone): the
# longest journeys first, so that they finish beside the short files. The second file given
# out, the access matrix, needs no demo: its worker does not wait while the first journey's
# worker builds the demo's snapshot (~25 s).
FIRST_FILES = (
    "e2e/test_council.py",
    "test_access.py",
    "e2e/test_applicant.py",
    "e2e/test_label_status.py",
    "e2e/test_room.py",
    "e2e/test_keyboard.py",
    "e2e/test_secretariat.py",
    "e2e/test_certificates.py",
)


def _rank(item) -> tuple[int, int]:
    path = str(item.path).replace(os.sep, "/")
    for rank, name in enumerate(FIRST_FILES):
        if path.endswith("tests/" + name):
            return (0, rank)
    return (1 if "/e2e/" in path else 2, 0)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_rank)  # stable: a file's tests keep their order
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
    with fresh_database(tmp_path_factory.mktemp("db") / "test.db", "cdess_test") as url:
        app = make_app(url, tmp_path_factory.mktemp("instance"))
        with app.app_context():
            from cdess.cli import init_db

            init_db()
            db.engine.dispose()
        yield url


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
        _empty(app)
    if app_config.get("RATELIMIT_ENABLED"):  # built for this test alone: close its connections
        with app.app_context():  # (left to the garbage collector, PostgreSQL's driver warns)
            db.engine.dispose()
        del _APPS[key]


def _empty(app) -> None:
    """`wipe`, for the tables a test filled only: one query finds them (a test fills a few of
    the ~40), then DELETE them, children first. After each of the suite's ~3,000 tests."""
    from cdess.charter import services as charter_services

    charter_services._scoring_cache.clear()
    app.extensions.pop("registry_cache", None)
    app.extensions.pop("dashboard_cache", None)
    tables = list(reversed(db.metadata.sorted_tables))
    # Names come from our own metadata, never from input.
    probe = " UNION ALL ".join(
        f'SELECT {i} FROM (SELECT 1 FROM "{table.name}" LIMIT 1) AS t{i}'
        for i, table in enumerate(tables)
    )
    with app.app_context(), db.engine.begin() as conn:
        filled = {row[0] for row in conn.exec_driver_sql(probe)}
        for i, table in enumerate(tables):
            if i in filled:
                conn.execute(table.delete())


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


@pytest.fixture
def create_structure(app, create_user):
    counter = itertools.count(1)

    def factory(owner=None, **fields):
        values = structure_values(next(counter), **fields)
        owner = owner or create_user(Role.applicant)
        structure = structure_services.create_structure(values, owner)
        db.session.commit()
        return structure

    return factory


@pytest.fixture
def charter(app):
    """The default charter, published."""
    charters.ensure_default_charter()
    db.session.commit()
    return charters.published_version()


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        response = client.post(
            "/compte/connexion", data={"email": user.email, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


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
def grant(create_structure, people):
    """A granted application (its assessment's result frozen) for a new structure."""

    def make(**structure_fields) -> Application:
        structure = create_structure(owner=people["applicant"], **structure_fields)
        application = Application(
            structure_id=structure.id,
            state=State.granted,
            snapshot={"charter_version": 1, "result": GRANTED_RESULT},
            verified_result=GRANTED_RESULT,
        )
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def ready(charter, create_structure, people):
    """A structure that signed the charter and finished an assessment: it may apply."""
    structure = create_structure(owner=people["applicant"])
    charters.sign(structure, "Camille Martin", "Présidente", people["applicant"])
    assessment = finished_assessment(structure, people["applicant"])
    db.session.commit()
    return structure, assessment
