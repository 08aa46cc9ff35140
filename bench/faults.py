"""Faults: the server is killed (SIGKILL, no cleanup) in the middle of bursts of writes, again
and again, then what is on disk and in the database must still agree.

    .venv/bin/python bench/faults.py [--postgres] [--rounds 4] [--workers 2]

A fresh SQLite database (with --postgres: a fresh schema in CDESS_TEST_DATABASE_URL, or the
CI's `test` database; dropped at the end) and a fresh instance folder; applicants with a
structure, a signed charter, an assessment and a complete draft file, through the services.
Each round starts gunicorn, fires from client threads
- uploads of evidence (a file written, then its row and its journal entry),
- submissions and re-submissions of files, and the secretariat's requests for complements
  (a state, its journal entry and its emails in one commit),
and SIGKILLs the whole server group at a random moment of the burst. With the server down:
- `flask audit verify`: the journal's chain is intact;
- each file's state is the one its last journal entry moved it to (no state without its entry,
  no entry without its state), and a submitted file has its frozen snapshot;
- every document row has its file, of its size and SHA-256, and its « document_added » entry;
- `flask storage check`: no row without its file; files without a row (the kill fell between
  the file and the commit) are reported, removed by `--fix`, and a second check finds none.
It prints each check and exits 1 if one fails.
"""

import argparse
import hashlib
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("CDESS_TEST_DATABASE_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "faults-password-0123"  # noqa: S105 (throwaway accounts of the script)
SECRET = "faults-secret-key-0123456789-0123456789"  # noqa: S105 (same)
APPLICANTS = 6
BODY = (
    b"%PDF-1.4\n%"
    + b"0" * 200_000
    + (
        b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
)


class Client:
    """One person's browser: the session cookie (it survives the server's restarts)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method, path, body=None, content_type=None):
        headers = {"Cookie": self.cookie}
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status

    def post(self, path, form):
        return self.request("POST", path, urlencode(form), "application/x-www-form-urlencoded")

    def upload(self, path, fields, content):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="piece.pdf"'
            f"\r\nContent-Type: application/pdf\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )


def settings(url: str, instance: Path) -> dict:
    return {
        "CDESS_DATABASE_URL": url,
        "CDESS_INSTANCE_PATH": str(instance),
        "CDESS_SECRET_KEY": SECRET,
        "CDESS_RATELIMIT_ENABLED": "false",
        "CDESS_WTF_CSRF_ENABLED": "false",  # what is tested is the crash, not the forms
        "CDESS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def prepare(url: str, instance: Path) -> dict:
    """Applicants each with a complete draft file, and a secretariat agent."""
    os.environ.update(settings(url, instance))
    from cdess import create_app
    from cdess.accounts import services as accounts
    from cdess.accounts.models import Role
    from cdess.applications.models import Document
    from cdess.charter import services as charters
    from cdess.cli import init_db
    from cdess.extensions import db
    from cdess.structures import services as structures
    from tests.factories import finished_assessment, new_application, structure_values

    app = create_app()
    with app.app_context():
        init_db()
        agent = accounts.create_user(
            "agent@faults.test", "Agent", {Role.secretariat}, password=PASSWORD, confirmed=True
        )
        plan = {"agent": agent.email, "applicants": [], "documents_before": 0}
        for n in range(1, APPLICANTS + 1):
            user = accounts.create_user(
                f"structure{n}@faults.test",
                f"Structure {n}",
                {Role.applicant},
                password=PASSWORD,
                confirmed=True,
            )
            structure = structures.create_structure(structure_values(n), user)
            charters.sign(structure, f"Personne {n}", "Présidente", user)
            assessment = finished_assessment(structure, user)
            application = new_application(structure, assessment)
            plan["applicants"].append((user.email, application.id))
        db.session.commit()
        # The draft files' documents are written directly (tests.factories), unjournalled.
        plan["documents_before"] = db.session.execute(db.select(db.func.max(Document.id))).scalar()
        db.engine.dispose()
    return plan


def serve(url: str, instance: Path, workers: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            *("--workers", str(workers), "--bind", f"127.0.0.1:{port}"),
            *("--log-level", "critical", "cdess:create_app()"),
        ],
        cwd=ROOT,
        env={**os.environ, **settings(url, instance)},
        start_new_session=True,  # its own process group: one SIGKILL reaches every worker
    )
    for _ in range(200):
        try:
            if Client(port).request("GET", "/sante") == 200:
                return server, port
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def burst(port: int, plan: dict, stop: threading.Event, counts: dict) -> list[threading.Thread]:
    """Client threads writing until `stop` (or until the server is gone)."""

    def applicant(email, application_id):
        client = Client(port)
        client.post("/compte/connexion", {"email": email, "password": PASSWORD})
        n = 0
        while not stop.is_set():
            n += 1
            base = f"/candidatures/{application_id}"
            try:
                client.upload(
                    f"{base}/pieces", {"slot": "other", "title": f"Pièce {n}"}, BODY + bytes(n)
                )
                counts["uploads"] += 1
                for action in ("submit", "resubmit"):
                    client.post(f"{base}/actions/{action}", {"comment": ""})
                counts["transitions"] += 1
            except (OSError, http.client.HTTPException):
                return  # the server was killed

    def secretariat():
        client = Client(port)
        client.post("/compte/connexion", {"email": plan["agent"], "password": PASSWORD})
        while not stop.is_set():
            try:
                for _, application_id in plan["applicants"]:
                    client.post(
                        f"/candidatures/{application_id}/actions/request_complements",
                        {"comment": "Merci de compléter."},
                    )
                    counts["transitions"] += 1
            except (OSError, http.client.HTTPException):
                return

    threads = [threading.Thread(target=applicant, args=a) for a in plan["applicants"]]
    threads.append(threading.Thread(target=secretariat))
    for thread in threads:
        thread.start()
    return threads


def flask(url: str, instance: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "cdess", *args],
        cwd=ROOT,
        env={**os.environ, **settings(url, instance)},
        capture_output=True,
        text=True,
        check=False,
    )


def check(url: str, instance: Path, plan: dict) -> list[str]:
    """Every check, printed; the failures returned."""
    failures = []

    def report(name, ok, detail=""):
        detail = " ; ".join(line for line in detail.splitlines() if line.strip())
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{' — ' + detail if detail else ''}")
        if not ok:
            failures.append(name)

    verified = flask(url, instance, "audit", "verify")
    report("flask audit verify", verified.returncode == 0, verified.stdout.strip()[:120])

    from cdess import create_app
    from cdess.applications.models import Application, Document, State
    from cdess.audit.models import AuditEntry
    from cdess.extensions import db

    os.environ.update(settings(url, instance))
    app = create_app()
    with app.app_context():
        applications = db.session.execute(db.select(Application)).scalars().all()
        wrong = []
        for application in applications:
            last = db.session.execute(
                db.select(AuditEntry.to_state)
                .where(AuditEntry.subject_kind == "application")
                .where(AuditEntry.subject_id == application.id, AuditEntry.to_state != "")
                .order_by(AuditEntry.id.desc())
                .limit(1)
            ).scalar()
            if last != application.state.value:
                wrong.append(f"{application.id}: {application.state.value}, journal {last}")
            elif application.state is not State.draft and not application.snapshot:
                wrong.append(f"{application.id}: {application.state.value} without snapshot")
        states = sorted({a.state.value for a in applications})
        report(
            f"each file's state is its journal's ({len(applications)} files: {', '.join(states)})",
            not wrong,
            "; ".join(wrong),
        )
        folder = Path(app.config["UPLOAD_DIR"])
        documents = db.session.execute(db.select(Document)).scalars().all()
        bad = []
        for document in documents:
            path = folder / document.stored_name
            if not path.is_file():
                bad.append(f"{document.id}: no file")
            elif (
                path.stat().st_size != document.size
                or hashlib.sha256(path.read_bytes()).hexdigest() != document.sha256
            ):
                bad.append(f"{document.id}: file differs")
        report(
            f"every document row has its whole file ({len(documents)} rows)",
            not bad,
            ", ".join(bad),
        )
        journalled = {
            entry.detail.get("sha256")
            for entry in db.session.execute(
                db.select(AuditEntry).where(AuditEntry.action == "document_added")
            ).scalars()
        }
        uploaded = [d for d in documents if d.id > plan["documents_before"]]
        unjournalled = [d.id for d in uploaded if d.sha256 not in journalled]
        report(
            f"every uploaded document has its journal entry ({len(uploaded)} uploaded)",
            not unjournalled,
            str(unjournalled),
        )
        db.engine.dispose()

    first = flask(url, instance, "storage", "check")
    missing = "manquants (pièces sans fichier) : 0" in first.stdout
    report("flask storage check: no row without its file", missing, first.stdout.strip())
    fixed = flask(url, instance, "storage", "check", "--fix")
    print("  ..   flask storage check --fix — " + " ; ".join(fixed.stdout.strip().splitlines()))
    again = flask(url, instance, "storage", "check")
    report("after --fix, nothing left", again.returncode == 0, again.stdout.strip())
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL schema")
    parser.add_argument("--rounds", type=int, default=4, help="kills (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args()
    rng = random.Random()
    work = Path(tempfile.mkdtemp(prefix="cdess-faults-"))
    instance = work / "instance"
    schema = None
    if args.postgres:
        from sqlalchemy import create_engine, text

        schema = f"cdess_faults_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{work / 'faults.db'}"
    print(f"Base : {'PostgreSQL, schéma ' + schema if schema else url} ; instance : {instance}")
    try:
        plan = prepare(url, instance)
        counts = {"uploads": 0, "transitions": 0}  # requests sent (some refused by the workflow)
        for round_ in range(1, args.rounds + 1):
            server, port = serve(url, instance, args.workers)
            stop = threading.Event()
            threads = burst(port, plan, stop, counts)
            time.sleep(rng.uniform(0.5, 2.0))
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            stop.set()
            for thread in threads:
                thread.join()
            print(f"Tour {round_} : serveur tué (SIGKILL) pendant la rafale ; {counts}")
        print("Contrôles, serveur arrêté :")
        failures = check(url, instance, plan)
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    if failures:
        print(f"ÉCHEC : {', '.join(failures)} (gardé pour examen : {work})")
        return 1
    shutil.rmtree(work)
    print("Rien de perdu.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
