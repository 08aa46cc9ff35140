"""Plain helpers the tests share: no fixture here, only functions and constants that fixtures
and test modules import (conftest files hold the fixtures and hooks, and build on these).

- the test database: `PG_URL`, `fresh_database`, `make_app`, `wipe`, `snapshot`, `restore`,
  `statements` (the SQL a block runs);
- reading what the application sends back: `html`, `email_text`, `link_in`;
- data: `valid_siret`, `structure_values`, `best_answer`, `worst_answer`,
  `finished_assessment`, `PDF`, `upload`, `add_documents`, `tick_checklist`, `freeze`,
  `confirm_all`, `new_application`, `future_session`, `past_session`, `council_vote`,
  `audit_count`, `GRANTED_RESULT`.

Helpers that write to the database flush but do not commit, unless their docstring says so.
"""

import contextlib
import hashlib
import io
import os
import re
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text
from werkzeug.datastructures import FileStorage

from cdess import create_app
from cdess.applications import evidence, review, verification
from cdess.applications import services as application_services
from cdess.applications.models import (
    AnswerCheck,
    Application,
    CheckStage,
    CheckStatus,
    Document,
    State,
)
from cdess.assessments import services as assessments
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.sessions import services as sessions
from cdess.sessions.models import AgendaItem, SessionStatus
from cdess.structures.models import Family

# --- the test database ----------------------------------------------------------------------

PASSWORD = "mot-de-passe-solide-62"  # every user the fixtures create has it
DEMO_PASSWORD = "demo-cdess-62"  # the demo's users' (the browser journeys' server loads the demo)
PG_URL = os.environ.get("CDESS_TEST_DATABASE_URL")


def redis_url(number: int) -> str:
    """The address of a Redis database the tests flush (`number`, 5 to 7: one per module that
    needs one). The PostgreSQL pass, which may run beside the SQLite one (two terminals), takes
    `number + 8`: the two passes never flush each other's; within a pass a module's tests stay
    on one worker (`xdist_group`)."""
    return f"redis://127.0.0.1:6379/{number + (8 if PG_URL else 0)}"


@contextlib.contextmanager
def fresh_database(sqlite_file: Path, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database: a PostgreSQL schema named `prefix`_… (dropped on
    exit) when CDESS_TEST_DATABASE_URL is set, else the SQLite file `sqlite_file`."""
    if not PG_URL:
        yield f"sqlite:///{sqlite_file}"
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(url: str, instance: Path, **overrides):
    """A testing application on `url` with `instance` as its folder (CSRF and rate limits off,
    fast password hashing), `overrides` applied last."""
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
    app.extensions.pop("dashboard_cache", None)
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with app.app_context(), db.engine.begin() as conn:
        # DELETE, children first: on small tables much faster than TRUNCATE on PostgreSQL.
        for table in tables:
            conn.execute(table.delete())


def snapshot(app) -> dict[str, list[dict]]:
    """Every row of every table, to `restore` later (much faster than rebuilding objects).
    Rows in the order of their key: a row naming another of its table (a renewal its previous
    application) comes after it, as it was written; PostgreSQL's own order follows the rows'
    last updates, and the foreign key is checked at each row put back."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: [
                dict(row._mapping)
                for row in conn.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


# A snapshot's database, as sqlite3 saved it after its first restore (in memory), with the
# snapshot itself, so that its id is never reused while the copy is kept.
_SAVED: dict[tuple[int, str], tuple[dict, sqlite3.Connection]] = {}


def restore(app, rows: dict[str, list[dict]]) -> None:
    """Empty the database, then put back a `snapshot` (sequences moved past the ids). A world
    restored before each test of a module costs more than most requests, so: on SQLite, the
    database's pages saved after the first restore are copied back (sqlite3's online backup);
    on PostgreSQL, one script of DELETEs (children first), an INSERT a table and one SELECT
    moving every sequence past its ids — three round trips instead of one per table."""
    from cdess.charter import services as charter_services

    # As `wipe` does: the database changes behind the application's back.
    charter_services._scoring_cache.clear()
    app.extensions.pop("registry_cache", None)
    app.extensions.pop("dashboard_cache", None)
    key = (id(rows), str(db.engine.url))
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "sqlite" and key in _SAVED:
            _SAVED[key][1].backup(conn.connection.driver_connection)
            return
        tables = db.metadata.sorted_tables
        # Names come from our own metadata, never from input.
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("".join(f'DELETE FROM "{t.name}";' for t in reversed(tables)))
        else:  # sqlite3 runs one statement at a time (but its round trips cost nothing)
            for table in reversed(tables):
                conn.execute(table.delete())
        for table in tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
        if conn.dialect.name == "postgresql":
            moves = [
                f"setval(pg_get_serial_sequence('\"{t.name}\"', '{c.name}'), "
                f'COALESCE((SELECT MAX("{c.name}") FROM "{t.name}"), 0) + 1, false)'
                for t in tables
                for c in t.primary_key.columns
                if c.autoincrement is True
                or (c.autoincrement == "auto" and c.type.python_type is int)
            ]
            if moves:
                conn.exec_driver_sql("SELECT " + ", ".join(moves))
    if db.engine.dialect.name == "sqlite":
        saved = sqlite3.connect(":memory:")
        with app.app_context(), db.engine.connect() as conn:
            conn.connection.driver_connection.backup(saved)
        _SAVED[key] = (rows, saved)


# --- reading responses and emails -----------------------------------------------------------


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block, as a list filled in place (query counts)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def html(response) -> str:
    """The response body with HTML entities decoded (Jinja escapes apostrophes)."""
    import html as html_module

    return html_module.unescape(response.get_data(as_text=True))


def email_text(message) -> str:
    """The plain-text body of an email."""
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    """The first http link of an email, as a path for the test client."""
    url = re.search(r"https?://\S+", email_text(message)).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


# --- structures and assessments -------------------------------------------------------------


def valid_siret(n: int) -> str:
    """A SIRET with correct Luhn keys, different for each n."""
    from stdnum import luhn

    body = f"{44000000 + n:08d}"
    siren = body + luhn.calc_check_digit(body)
    head = siren + "0001"
    return head + luhn.calc_check_digit(head)


def structure_values(n: int, **fields) -> dict:
    """Valid fields of a new structure (an association of Arras, SIRET `valid_siret(n)`),
    `fields` replacing any of them."""
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
    return values


# The structure form as a person fills it in (the text of every field).
STRUCTURE_FORM = {
    "name": "Recyclerie du Ternois",
    "siret": "",
    "siren": "",
    "rna": "W623001234",
    "legal_form": "9220",
    "family": "",
    "address": "12 rue Pasteur",
    "commune": "Saint-Pol-sur-Ternoise (62130)",
    "employees": "12",
    "year_founded": "2009",
    "website": "https://recyclerie.exemple.fr",
}


def best_answer(criterion) -> str:
    """The form value earning the most points."""
    kind = criterion.answer_type.value
    if kind == "yes_no":
        return "oui"
    if kind == "choice":
        return max(criterion.options, key=lambda o: o.points).key
    if kind == "number":
        band = max(criterion.bands, key=lambda b: b.points)
        low = band.min if band.min is not None else (criterion.min_value or 0)
        return f"{low:g}".replace(".", ",")
    return "Notre pratique."


def worst_answer(criterion) -> str:
    """The form value earning the fewest points (an empty text for a text question)."""
    kind = criterion.answer_type.value
    if kind == "yes_no":
        return "non"
    if kind == "choice":
        return min(criterion.options, key=lambda o: o.points).key
    if kind == "number":
        band = min(criterion.bands, key=lambda b: b.points)
        low = band.min if band.min is not None else (criterion.min_value or 0)
        return f"{low:g}"
    return ""


def finished_assessment(structure, user, **worse):
    """A finished assessment of `structure` under the published charter, with the best answer
    to every criterion that applies but for `worse` (code with "_" for "-" → form value).
    Committed."""
    assessment = assessments.start(structure, user)
    for criterion in assessment.version.criteria:
        if criterion.applies_to(structure.family.value):
            raw = worse.get(criterion.code.replace("-", "_"), best_answer(criterion))
            assessments.save_answer(assessment, criterion, raw)
    assessments.finish(assessment)
    db.session.commit()
    return assessment


# --- applications and their files -----------------------------------------------------------

# A tiny but well-formed PDF: what the content check sees is the %PDF- header.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(content: bytes = PDF, name: str = "piece.pdf") -> FileStorage:
    """An uploaded file as a view receives it (by default a valid PDF)."""
    return FileStorage(io.BytesIO(content), filename=name)


def add_documents(application, user) -> None:
    """A file in every required slot still empty (written directly: the upload checks have
    their own tests, and many tests need complete files)."""
    folder = evidence.upload_dir()
    for slot in evidence.slots(application):
        if slot.required and evidence.find(application, slot.kind, slot.criterion_code) is None:
            stored_name = secrets.token_hex(16)
            (folder / stored_name).write_bytes(PDF)
            application.documents.append(
                Document(
                    kind=slot.kind,
                    criterion_code=slot.criterion_code,
                    original_name=f"{slot.key}.pdf",
                    stored_name=stored_name,
                    content_type="application/pdf",
                    size=len(PDF),
                    sha256=hashlib.sha256(PDF).hexdigest(),
                    uploaded_by_id=user.id,
                )
            )
    db.session.flush()


def tick_checklist(application) -> None:
    """Every manual item of the secretariat's checklist ticked."""
    application.checklist = {key: {"by": "Test", "at": "2026-11-22T10:00"} for key in review.MANUAL}
    db.session.flush()


def freeze(application) -> None:
    """The snapshot a submission freezes (result and answers), without the transition."""
    application_services._freeze(application)


def confirm_all(application, by: str = "Test") -> None:
    """Every answer confirmed by the evidence (written directly, whatever the state), and the
    verified result computed."""
    done = {c.criterion_code for c in application.checks}
    for code in verification.unverified(application):
        if code not in done:
            application.checks.append(
                AnswerCheck(
                    criterion_code=code,
                    status=CheckStatus.confirmed,
                    stage=CheckStage.secretariat,
                    checked_by_name=by,
                )
            )
    db.session.flush()
    verification.recompute(application)


def new_application(structure, assessment, state=State.draft, verified=True):
    """An application in any state whose file is complete (documents, checklist ticked); past
    the draft, its snapshot frozen and (unless `verified` is false) every answer confirmed.
    Committed."""
    application = Application(structure_id=structure.id, assessment_id=assessment.id, state=state)
    db.session.add(application)
    db.session.flush()
    add_documents(application, structure.memberships[0].user)
    tick_checklist(application)
    if state is not State.draft:
        freeze(application)
        if verified:
            confirm_all(application)
    db.session.commit()
    return application


# --- sessions, certificates, the journal ----------------------------------------------------

# The frozen and verified result of a granted application: eligible, two principles.
GRANTED_RESULT = {
    "overall": 81.6,
    "eligible": True,
    "principles": [
        {"code": "GOV", "title": "Gouvernance démocratique", "score": 90.4},
        {"code": "LUC", "title": "Lucrativité limitée", "score": 72.5},
    ],
}


def future_session(deadline: date | None = None):
    """A planned session in Arras 30 days from today at 14:00, files accepted until
    `deadline` (today by default)."""
    day = datetime.combine(date.today() + timedelta(days=30), datetime.min.time())
    return sessions.create_session(day.replace(hour=14), deadline or date.today(), "Arras")


def past_session(start: datetime):
    """A closed session in Arras that sat at `start` (files were due 50 days before)."""
    session = sessions.create_session(start, start.date() - timedelta(days=50), "Arras")
    session.status = SessionStatus.closed
    return session


def council_vote(certificate) -> AgendaItem:
    """An agenda item of a closed session standing for the council's vote that decides a
    change of the certificate's status (status changes happen only on such a decision)."""
    session = past_session(datetime(2026, 11, 20, 14))
    item = AgendaItem(
        session=session, application_id=certificate.application_id, position=1, result={}
    )
    db.session.add(item)
    db.session.flush()
    return item


def audit_count() -> int:
    """How many entries the journal holds."""
    return db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()


def embedded_files(pdf: bytes) -> list[tuple[str, bytes, str]]:
    """The files a certificate's PDF embeds, as `document.render(attachments=...)` takes them."""
    from pypdf import PdfReader

    return [
        (f.name, f.content, f.description or "") for f in PdfReader(io.BytesIO(pdf)).attachment_list
    ]
