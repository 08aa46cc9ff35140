"""`flask backup` and `flask restore`: a backup of a running instance restores into an empty one
where a certificate still verifies and the journal is intact; a backup changed by one byte, or
an instance that is not empty, is refused and nothing is written.

On the suite's database: SQLite by default (a new file), PostgreSQL when
CDESS_TEST_DATABASE_URL is set (a new database, created then dropped, holding the same schema
name)."""

import contextlib
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from cdess.applications.models import State
from cdess.audit import services as audit
from cdess.certificates import services as certificates
from cdess.extensions import db
from tests.factories import PG_URL, audit_count, make_app, new_application


@contextlib.contextmanager
def empty_database(database_url: str, folder: Path):
    """The URL of a new empty database of the suite's kind, beside the one under test."""
    if not PG_URL:
        yield f"sqlite:///{folder / 'restored.db'}"
        return
    name = f"cdess_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def run(instance, *args):
    """A command of `instance` (its own application context: the test's is another app's)."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def issued(app, ready, people):
    """A certified structure: its evidence files on disk, its certificate issued (the journal
    has the entries of both)."""
    structure, assessment = ready
    application = new_application(structure, assessment, state=State.granted)
    certificate = certificates.issue(application, people["secretariat"])
    db.session.commit()
    return certificate


@pytest.fixture
def backed_up(app, issued, tmp_path):
    folder = tmp_path / "sauvegarde"
    result = run(app, "backup", str(folder))
    assert result.exit_code == 0, result.output
    assert "Empreinte du manifeste" in result.output
    return folder


@pytest.fixture
def fresh(database_url, tmp_path):
    """A new application on an empty database and an empty instance folder."""
    with empty_database(database_url, tmp_path) as url:
        other = make_app(url, tmp_path / "instance-neuve")
        yield other
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_backup_restores_into_an_empty_instance(app, issued, backed_up, fresh):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    documents = [d.stored_name for d in issued.application.documents]
    assert documents and all(f"uploads/{name}" in manifest["files"] for name in documents)
    entries, number, pdf_sha = audit_count(), issued.number, issued.sha256
    database_file = manifest["database"]["file"]
    assert database_file in manifest["files"]

    result = run(fresh, "restore", str(backed_up))
    assert result.exit_code == 0, result.output

    with fresh.app_context():
        page = fresh.test_client().get(f"/verification/{number}")
        assert page.status_code == 200
        assert "Valide</strong> — Ce certificat est valide." in page.get_data(as_text=True)
        report = audit.verify()
        assert report.intact, report.problems
        assert report.count == entries
        restored = db.session.execute(
            db.select(certificates.Certificate).filter_by(number=number)
        ).scalar_one()
        assert restored.sha256 == pdf_sha
        uploads = Path(fresh.config["UPLOAD_DIR"])
        for name in documents:
            original = Path(app.config["UPLOAD_DIR"]) / name
            assert (uploads / name).read_bytes() == original.read_bytes()
    verified = run(fresh, "audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_the_follow_ups_and_reports_files_are_saved_too(app, issued, tmp_path, fresh):
    uploads = Path(app.config["UPLOAD_DIR"])
    kept = {"suivis/a1b2": b"%PDF-1.7 comptes", "signalements/c3d4": b"%PDF-1.7 piece"}
    for name, content in kept.items():
        (uploads / name).parent.mkdir(exist_ok=True)
        (uploads / name).write_bytes(content)
    (uploads / "suivis/e5f6.part").write_bytes(b"cut short")
    folder = tmp_path / "sauvegarde-2"
    assert run(app, "backup", str(folder)).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f"uploads/{name}" for name in kept} <= set(manifest["files"])
    assert "uploads/suivis/e5f6.part" not in manifest["files"]
    assert run(fresh, "restore", str(folder)).exit_code == 0
    restored = Path(fresh.config["UPLOAD_DIR"])
    assert {name: (restored / name).read_bytes() for name in kept} == kept


@pytest.mark.parametrize("target", ["database", "upload"])
def test_a_backup_changed_by_one_byte_is_refused(backed_up, fresh, target):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    name = manifest["database"]["file"]
    if target == "upload":
        name = next(n for n in manifest["files"] if n.startswith("uploads/"))
    path = backed_up / name
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))

    result = run(fresh, "restore", str(backed_up))
    assert result.exit_code == 1
    assert f"Fichier modifié depuis la sauvegarde : {name}." in result.output
    _assert_still_empty(fresh)


def test_a_missing_or_unlisted_file_is_refused(backed_up, fresh):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    upload = next(n for n in manifest["files"] if n.startswith("uploads/"))
    (backed_up / upload).unlink()
    (backed_up / "uploads" / "intrus").write_bytes(b"x")

    result = run(fresh, "restore", str(backed_up))
    assert result.exit_code == 1
    assert f"Fichier manquant : {upload}." in result.output
    assert "Fichier absent du manifeste : uploads/intrus." in result.output
    _assert_still_empty(fresh)


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(backed_up, fresh, tmp_path):
    (tmp_path / "ailleurs").write_bytes(b"x")
    path = backed_up / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"]["../ailleurs"] = {"size": 1, "sha256": "0" * 64}
    path.write_text(json.dumps(manifest))
    result = run(fresh, "restore", str(backed_up))
    assert result.exit_code == 1
    assert "Entrée refusée dans le manifeste : '../ailleurs'." in result.output
    _assert_still_empty(fresh)


def test_a_backup_without_its_manifest_is_refused(backed_up, fresh):
    (backed_up / "manifest.json").unlink()
    result = run(fresh, "restore", str(backed_up))
    assert result.exit_code == 1
    assert "absent ou illisible" in result.output
    _assert_still_empty(fresh)


def test_an_instance_that_is_not_empty_is_refused(app, backed_up):
    # The instance the backup came from: tables and files.
    entries = audit_count()
    result = run(app, "restore", str(backed_up))
    assert result.exit_code == 1
    assert "refus" in result.output
    assert "n'est pas vide" in result.output
    assert audit_count() == entries


def test_an_empty_upload_folder_is_required_too(backed_up, fresh):
    uploads = Path(fresh.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True)
    (uploads / "reste").write_bytes(b"x")
    result = run(fresh, "restore", str(backed_up))
    assert result.exit_code == 1
    assert f"Le dossier {uploads} (uploads) n'est pas vide." in result.output
    _assert_still_empty(fresh, uploads_left=["reste"])


def test_backup_refuses_a_folder_that_is_not_empty(app, issued, tmp_path):
    folder = tmp_path / "occupe"
    folder.mkdir()
    (folder / "autre").write_text("x")
    result = run(app, "backup", str(folder))
    assert result.exit_code == 1
    assert "n'est pas un dossier vide" in result.output


def _assert_still_empty(instance, uploads_left=()):
    with instance.app_context():
        db.engine.dispose()
        schema = None
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar()
        tables = inspect(db.engine).get_table_names() if schema or not PG_URL else []
        assert tables == []
        uploads = Path(instance.config["UPLOAD_DIR"])
        left = sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []
        assert left == list(uploads_left)


def test_storage_check_reports_then_fixes_leftovers(app, issued):
    uploads = Path(app.config["UPLOAD_DIR"])
    (uploads / ("0" * 32)).write_bytes(b"orphan")
    result = run(app, "storage", "check")
    assert result.exit_code == 1
    assert "Pièces des dossiers\n  Fichiers orphelins : 1\n" in result.output
    assert "Fichiers manquants (lignes sans fichier) : 0" in result.output
    fixed = run(app, "storage", "check", "--fix")
    assert "Fichiers supprimés : 1" in fixed.output
    assert run(app, "storage", "check").exit_code == 0

    # The follow-ups' and the reports' folders are checked too, each on its own.
    for folder in ("suivis", "signalements"):
        (uploads / folder).mkdir(exist_ok=True)
        (uploads / folder / ("1" * 32)).write_bytes(b"orphan")
    result = run(app, "storage", "check")
    assert result.exit_code == 1
    assert result.output.count("Fichiers orphelins : 1") == 2
    assert "Pièces des suivis annuels\n  Fichiers orphelins : 1\n" in result.output
    assert "Pièces des signalements\n  Fichiers orphelins : 1\n" in result.output
    assert run(app, "storage", "check", "--fix").output.count("Fichiers supprimés : 1") == 2
    assert run(app, "storage", "check").exit_code == 0

    document = issued.application.documents[0]
    (uploads / document.stored_name).unlink()
    result = run(app, "storage", "check", "--fix")
    assert result.exit_code == 1  # a row without its file is never repaired here
    assert f"du dossier {issued.application.id} : {document.stored_name}" in result.output
