"""Backups that restore: `flask backup PATH` copies a running instance, `flask restore PATH`
puts the copy into an empty one.

A backup is a folder:

    manifest.json          written last (no manifest, no backup): format, date, database kind,
                           schema and Alembic revision, each file's size and SHA-256
    database.sqlite        SQLite: a copy through SQLite's backup API
    database.pgdump        PostgreSQL: pg_dump's custom format, of the application's schema
    uploads/<name>         the evidence files the database points at
    uploads/suivis/, uploads/signalements/   the follow-ups' and the reports' files
                           (from the storage, `cdess.storage`: UPLOAD_DIR or the S3 bucket;
                           restored into the instance's storage, whichever it is)
    certificat/…           the Département's logo and signature (instance/certificat/), if any
    outbox/non-envoyes/…   emails the SMTP server refused, waiting for a person to send them

Issued certificates and the minutes are PDFs kept in the database: nothing else to copy.

Where the issue is silent, decided here:
- the database is copied first, while the application runs, and the files saved are those its
  copy points at: on PostgreSQL their list is read in the very snapshot pg_dump dumps
  (`--snapshot`). Files are written before their row and removed after it, so only a document
  removed during the backup can be missing: the backup then starts again, three times at most;
- a file no row points at (an orphan, the leftover of an upload cut short) is not saved:
  `flask storage check` reports those;
- the secret key is not saved: in production it comes from CDESS_SECRET_KEY, kept with the
  other secrets. An instance restored with another key loses only its sessions and the links
  of emails not yet followed;
- the manifest checks that the backup is the one written (a disk or a copy that changed a
  byte); it is not a signature: keep the SHA-256 of manifest.json that `flask backup` prints
  elsewhere to detect a deliberate change;
- restore checks every file against the manifest first (one byte changed, a file missing or
  one not listed: nothing is restored), then goes only into an empty instance of the same
  database kind: no table in its schema, no file in the folders it fills. The files are put
  back before the database, so that an interrupted restore leaves no row without its file;
- on PostgreSQL the schema keeps its name (`public` in a usual deployment): restore into a
  database where that schema is missing or empty.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # runs pg_dump and pg_restore only, with argument lists
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from cdess.extensions import db
from cdess.storage import storage

FORMAT = 1
MANIFEST = "manifest.json"
DOCUMENTS = "SELECT stored_name FROM application_document ORDER BY stored_name"
ATTEMPTS = 3


class BackupError(Exception):
    """A backup or a restore refused, with every reason (in French, for the operator)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# The uploads' folders of the domains above the applications (annual follow-ups, reports from
# the public), saved whole: their rows are theirs (this module stands below them).
UPLOAD_FOLDERS = ("suivis", "signalements")
TEMPORARY_SUFFIX = ".part"  # applications.evidence's, for a file being written


def folders() -> dict[str, Path]:
    """Folder of the backup → where the instance keeps it (the uploads apart: `uploads/` of
    the backup is the storage's files, whichever the storage)."""
    config = current_app.config
    return {
        "certificat": Path(current_app.instance_path) / "certificat",
        # The public certificates of every seal the council used: a PDF signed before a
        # rotation is told « signé par une autre clé » without them (the keys are secrets:
        # not saved here).
        "sceaux": Path(current_app.instance_path) / "sceaux",
        "outbox/non-envoyes": Path(config["OUTBOX_DIR"]) / "non-envoyes",
    }


# --- backup ------------------------------------------------------------------------------


def backup(target: Path) -> dict:
    """Copy the database and the files it needs into the new or empty folder `target`; return
    the manifest written last."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError([f"{target} existe et n'est pas un dossier vide."])
    target.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds password hashes
    for _ in range(ATTEMPTS):
        _empty(target)
        database = _copy_database(target)
        missing = _copy_files(target, database.pop("documents"))
        if not missing:
            break
    else:
        raise BackupError([f"Fichier introuvable dans {storage().location} : {n}" for n in missing])
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "files": {
            path.relative_to(target).as_posix(): {
                "size": path.stat().st_size,
                "sha256": _sha256(path),
            }
            for path in sorted(target.rglob("*"))
            if path.is_file()
        },
    }
    partial = target / (MANIFEST + ".partiel")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    partial.replace(target / MANIFEST)
    return manifest


def manifest_digest(folder: Path) -> str:
    """The SHA-256 of a backup's manifest, to keep apart from the backup."""
    return _sha256(Path(folder) / MANIFEST)


def _copy_database(target: Path) -> dict:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return _copy_sqlite(target / "database.sqlite")
    if url.get_backend_name() == "postgresql":
        return _copy_postgresql(target / "database.pgdump", url)
    raise BackupError([f"Base de données non prise en charge : {url.get_backend_name()}."])


def _copy_sqlite(path: Path) -> dict:
    copy = sqlite3.connect(path)
    try:
        with db.engine.connect() as connection:
            # One step: the whole database under one read lock, the writers wait (WAL: readers
            # do not), so the copy is one consistent state.
            connection.connection.driver_connection.backup(copy)
        documents = [row[0] for row in copy.execute(DOCUMENTS)]
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
    finally:
        copy.close()
    return {
        "kind": "sqlite",
        "file": path.name,
        "alembic_revision": revision[0] if revision else None,
        "documents": documents,
    }


def _copy_postgresql(path: Path, url: URL) -> dict:
    pg_dump = _tool("pg_dump")
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            documents = list(connection.execute(text(DOCUMENTS)).scalars())
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            dsn, env = _libpq(url)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--schema={schema}",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                    f"--dbname={dsn}",
                ],
                env,
            )
    return {
        "kind": "postgresql",
        "file": path.name,
        "schema": schema,
        "alembic_revision": revision,
        "documents": documents,
    }


def _copy_files(target: Path, documents: list[str]) -> list[str]:
    """Copy the documents' files and the other folders; return the documents not found."""
    places = folders()
    files = storage()
    missing = []
    uploads = target / "uploads"
    uploads.mkdir()
    for name in documents:
        if not _plain_name(name):
            raise BackupError([f"Nom de fichier stocké refusé : {name!r}."])
        try:
            _save(files, name, uploads / name)
        except FileNotFoundError:
            missing.append(name)
    # The follow-ups' documents and the reports' files, each domain's folder of the uploads.
    for folder in UPLOAD_FOLDERS:
        for key in sorted(files.keys(folder)):
            if not key.endswith(TEMPORARY_SUFFIX):  # an upload cut short
                (uploads / folder).mkdir(exist_ok=True)
                try:
                    _save(files, key, uploads / key)
                except FileNotFoundError:  # replaced meanwhile: its row is gone too
                    continue
    for folder in ("certificat", "outbox/non-envoyes"):
        source = places[folder]
        if source.is_dir():
            shutil.copytree(source, target / folder, symlinks=False)
    return missing


def _save(files, key: str, destination: Path) -> None:
    """Copy the stored file `key` to `destination` (FileNotFoundError when it is gone)."""
    with files.open(key) as source, open(destination, "xb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


# --- checking and restoring ----------------------------------------------------------------


def verify(source: Path) -> dict:
    """The manifest of the backup in `source`, once every file matches it; BackupError with
    every mismatch otherwise."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        listed, database = manifest["files"], manifest["database"]
        if not isinstance(listed, dict) or not isinstance(database, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError([f"{source / MANIFEST} est absent ou illisible."]) from None
    problems = []
    if manifest.get("format") != FORMAT:
        problems.append(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
    if database.get("file") not in listed:
        problems.append("Le manifeste ne cite pas le fichier de la base de données.")
    for name, expected in listed.items():
        path = source / name
        if not _inside(name) or not isinstance(expected, dict):
            problems.append(f"Entrée refusée dans le manifeste : {name!r}.")
        elif path.is_symlink() or not path.is_file():
            problems.append(f"Fichier manquant : {name}.")
        elif path.stat().st_size != expected.get("size") or _sha256(path) != expected.get("sha256"):
            problems.append(f"Fichier modifié depuis la sauvegarde : {name}.")
    present = {
        path.relative_to(source).as_posix()
        for path in source.rglob("*")
        if path.is_file() or path.is_symlink()
    }
    for name in sorted(present - set(listed) - {MANIFEST}):
        problems.append(f"Fichier absent du manifeste : {name}.")
    if problems:
        raise BackupError(problems)
    return manifest


def restore(source: Path) -> dict:
    """Check the backup in `source`, then put it into this instance, which must be empty;
    return its manifest."""
    source = Path(source)
    manifest = verify(source)
    db.session.remove()  # below the ORM from here: no session keeps a connection across it
    database = manifest["database"]
    kind = db.engine.url.get_backend_name()
    if database.get("kind") != kind:
        raise BackupError(
            [f"Sauvegarde d'une base {database.get('kind')}, instance sur {kind} : refus."]
        )
    places = folders()
    files = storage()
    problems = _not_empty(database)
    if any(files.keys(folder) for folder in ("", *UPLOAD_FOLDERS)):
        problems.append(f"Le dossier {files.location} (uploads) n'est pas vide.")
    for folder, place in places.items():
        if place.is_dir() and any(p.is_file() for p in place.rglob("*")):
            problems.append(f"Le dossier {place} ({folder}) n'est pas vide.")
    if problems:
        raise BackupError(problems)

    written, stored = [], []
    try:
        for path in sorted((source / "uploads").rglob("*")):
            if path.is_file():
                key = path.relative_to(source / "uploads").as_posix()
                with open(path, "rb") as content:
                    files.put(key, content)
                stored.append(key)
        for folder, place in places.items():
            for path in sorted((source / folder).rglob("*")):
                if path.is_file():
                    destination = place / path.relative_to(source / folder)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination)
                    written.append(destination)
        if kind == "sqlite":
            _restore_sqlite(source / database["file"])
        else:
            _restore_postgresql(source / database["file"], database["schema"])
    except BaseException:
        for path in written:  # leave the instance empty, ready for another try
            path.unlink(missing_ok=True)
        for key in stored:
            files.delete(key)
        raise
    return manifest


def _not_empty(database: dict) -> list[str]:
    """Why this instance's database cannot receive the backup (empty list: it can)."""
    if database["kind"] == "sqlite":
        if db.engine.url.database in (None, "", ":memory:"):
            return ["Une base SQLite en mémoire ne peut pas recevoir de sauvegarde."]
        tables = inspect(db.engine).get_table_names()
        return [f"La base contient déjà {len(tables)} table(s) : refus."] if tables else []
    with db.engine.connect() as connection:
        current = connection.execute(text("SELECT current_schema()")).scalar()
        count = connection.execute(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema"
            ),
            {"schema": database["schema"]},
        ).scalar_one()
    problems = []
    if current is not None and current != database["schema"]:
        problems.append(
            f"La sauvegarde est celle du schéma {database['schema']}, l'instance utilise "
            f"{current} : refus."
        )
    if count:
        problems.append(f"Le schéma {database['schema']} contient déjà {count} objet(s) : refus.")
    return problems


def _restore_sqlite(path: Path) -> None:
    db.engine.dispose()
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(db.engine.url.database)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_postgresql(path: Path, schema: str) -> None:
    pg_restore = _tool("pg_restore")
    db.engine.dispose()
    with db.engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
        ).scalar()
    dsn, env = _libpq(db.engine.url)
    command = [
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={dsn}",
    ]
    with tempfile.TemporaryDirectory() as work:
        if exists:
            # The empty schema is there already (always so for `public`): skip its creation.
            listing = _run([pg_restore, "--list", str(path)], env)
            entries = [
                line
                for line in listing.splitlines()
                if f"SCHEMA - {schema} " not in line and f"COMMENT - SCHEMA {schema} " not in line
            ]
            chosen = Path(work) / "entries.list"
            chosen.write_text("\n".join(entries) + "\n")
            command.append(f"--use-list={chosen}")
        _run([*command, str(path)], env)
    db.engine.dispose()


# --- helpers -------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError([f"{name} est introuvable : installez le client PostgreSQL."])
    return found


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection string for pg_dump and pg_restore, and their environment: the
    password goes through PGPASSWORD, never on a command line others can read."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> str:
    result = subprocess.run(  # noqa: S603  # nosec B603  # a fixed tool, argument list, no shell
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError([f"{name} a échoué ({result.returncode}) : {result.stderr.strip()}"])
    return result.stdout


def _empty(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _inside(name: str) -> bool:
    """A relative path that stays inside the backup folder."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
