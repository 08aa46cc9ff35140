"""Two application servers behind nothing but what they share (issue 21): two gunicorns on
different ports, with the same CDESS_* settings, on one PostgreSQL schema, one Redis database
(7, flushed) and one S3 bucket (a real SeaweedFS, `tests/s3server.py`). Through real logins
(the CSRF token read from each form):
- a document uploaded through the first server is downloaded, the same bytes, from the second;
- a login lock earned on the first holds on the second (the right password refused, 429);
- a certificate issued, then suspended urgently, on the first shows at once in the second's
  public registry for a visitor (whose pages come from the registry's cache).

PostgreSQL only (CI's second pass): SQLite is one file on one machine. One test, one setup
(SeaweedFS, then two gunicorns starting while the schema is migrated).
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.factories import (
    GRANTED_RESULT,
    PDF,
    fresh_database,
    make_app,
    redis_url,
    structure_values,
)

pytestmark = [
    pytest.mark.postgres_only,
    # Collected on CI's PostgreSQL pass, which keeps the tests that use the application.
    pytest.mark.usefixtures("app"),
    pytest.mark.xdist_group("redis-servers"),
]

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = redis_url(7)  # this test's own Redis database
PASSWORD = "mot-de-passe-solide-62"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
STRUCTURE = "Recyclerie des Deux Serveurs"
SECRET_KEY = "two-servers-secret-key-0123456789-0123456789"  # the same on both servers
LOCK_AFTER = 3  # failed logins that lock an address (the setting, made small for the test)


class Browser:
    """One person's browser on one server: its session cookie (signed with the key both servers
    share, so it may move to the other server) and the last CSRF token it was given."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie, self.token = port, cookie, ""

    def on(self, port: int) -> "Browser":
        """The same browser (same cookie) talking to another server."""
        return Browser(port, self.cookie)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = {"Cookie": self.cookie, **(headers or {})} if self.cookie else headers or {}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        html = response.getheader("Content-Type", "").startswith("text/html")
        if html and (match := CSRF.search(data.decode(errors="replace"))):
            self.token = match.group(1)
        return response.status, data, response

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict):
        body = urlencode({**form, "csrf_token": self.token}).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_file(self, path: str, form: dict, name: str, content: bytes, mime: str):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in {**form, "csrf_token": self.token}.items()
        ]
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        )
        body = (
            "".join(parts).encode() + head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def login(self, email: str, password: str = PASSWORD):
        self.get("/compte/connexion")
        return self.post("/compte/connexion", {"email": email, "password": password})


def _setup(url: str, instance: Path, settings: dict) -> dict:
    """`flask init-db` (which makes the bucket), then the people and files the steps need,
    written through the services, with the servers' key and storage `settings`."""
    from cdess.accounts import services as accounts
    from cdess.accounts.models import Role
    from cdess.applications.models import Application, State
    from cdess.cli import init_db
    from cdess.extensions import db
    from cdess.structures import services as structures

    setup = make_app(url, instance, **settings)
    with setup.app_context():
        init_db()
        people = {
            "secretariat": accounts.create_user(
                "secretariat@deux.test", "Secrétariat", {Role.secretariat}, PASSWORD, True
            ),
            "president": accounts.create_user(
                "president@deux.test",
                "Présidence",
                {Role.president, Role.council_member},
                PASSWORD,
                True,
            ),
            "applicant": accounts.create_user(
                "structure@deux.test", "Structure", {Role.applicant}, PASSWORD, True
            ),
            "locked": accounts.create_user(
                "verrou@deux.test", "Verrou", {Role.applicant}, PASSWORD, True
            ),
        }
        labelled = structures.create_structure(
            structure_values(901, name=STRUCTURE), people["applicant"]
        )
        drafting = structures.create_structure(
            structure_values(902, name="Atelier du brouillon"), people["applicant"]
        )
        granted = Application(
            structure_id=labelled.id,
            state=State.granted,
            snapshot={"charter_version": 1, "result": GRANTED_RESULT},
            verified_result=GRANTED_RESULT,
        )
        draft = Application(structure_id=drafting.id, state=State.draft)
        db.session.add_all([granted, draft])
        db.session.commit()
        plan = {"granted": granted.id, "draft": draft.id}
        plan |= {role: user.email for role, user in people.items()}
        db.session.remove()
        db.engine.dispose()
    return plan


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(servers: list[tuple[subprocess.Popen, int]], logs: list[Path]) -> None:
    """Until each server answers /sante (its log shown if one does not)."""
    deadline = time.monotonic() + 120
    waiting = list(servers)
    while waiting and time.monotonic() < deadline:
        process, port = waiting[0]
        if process.poll() is not None:
            break
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/sante")
            if conn.getresponse().status == 200:
                waiting.pop(0)
                continue
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    if waiting:
        output = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
        raise RuntimeError(f"a server did not start:\n{output}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """SeaweedFS, a PostgreSQL schema, Redis db 7 (flushed), two gunicorns, the data. The
    servers start (a second or two of imports each) while the schema is migrated."""
    import redis

    from tests.s3server import require_weed, s3_settings, start_seaweedfs, stop_seaweedfs

    require_weed()
    folder = tmp_path_factory.mktemp("two-servers")
    servers: list[subprocess.Popen] = []
    seaweed = None
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        client.close()
    try:
        endpoint, seaweed = start_seaweedfs(folder / "s3")
        with fresh_database(folder / "unused.db", "cdess_two") as url:
            # What the setup writes with too (`flask init-db` makes the bucket).
            stored = {"SECRET_KEY": SECRET_KEY, **s3_settings(endpoint, "cdess-deux-serveurs")}
            shared = {
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "LOGIN_ACCOUNT_LIMIT": f"{LOCK_AFTER} per 15 minutes",
                "RATELIMIT_LOGIN": "200 per minute",  # the per-address limit: not tested here
                "RATELIMIT_ENABLED": "true",
                **stored,
            }
            ports, logs = [_free_port(), _free_port()], []
            for n, port in enumerate(ports, 1):
                instance = folder / f"server{n}"
                instance.mkdir()
                logs.append(instance / "server.log")
                env = {
                    **os.environ,
                    **{f"CDESS_{name}": value for name, value in shared.items()},
                    "CDESS_INSTANCE_PATH": str(instance),  # nothing shared through it
                    "CDESS_BASE_URL": f"http://127.0.0.1:{port}",
                }
                command = [
                    str(Path(sys.executable).parent / "gunicorn"),
                    *("--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}"),
                    *("--timeout", "120"),  # a busy CI machine may take long to load the app
                    "cdess:create_app()",
                ]
                with logs[-1].open("wb") as log:
                    servers.append(
                        subprocess.Popen(  # noqa: S603  # our own command
                            command,
                            cwd=ROOT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,  # its workers stopped with it
                        )
                    )
            plan = _setup(url, folder / "setup", stored)
            _wait(list(zip(servers, ports, strict=True)), logs)
            yield {"one": ports[0], "two": ports[1], "folder": folder, **plan}
            _stop(servers)  # before the schema is dropped
    finally:
        _stop(servers)
        if seaweed is not None:
            stop_seaweedfs(seaweed)


def _stop(servers: list[subprocess.Popen]) -> None:
    """Kill each server with its workers (nothing of theirs is kept: a graceful stop only
    costs seconds), and wait for them."""
    for process in servers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    for process in servers:
        process.wait()


def test_two_servers_share_files_login_locks_and_the_registry(cluster):
    """The three steps in one test: CI's PostgreSQL pass deals tests one by one to its two
    workers (`--dist load`), and split, they would start two clusters on one Redis database."""
    a_document_uploaded_on_one_server_is_served_by_the_other(cluster)
    a_login_lock_earned_on_one_server_holds_on_the_other(cluster)
    a_certificate_issued_or_suspended_on_one_server_shows_at_once_on_the_other(cluster)


def a_document_uploaded_on_one_server_is_served_by_the_other(cluster):
    applicant = Browser(cluster["one"])
    status, _data, _r = applicant.login(cluster["applicant"])
    assert status == 302
    page = f"/candidatures/{cluster['draft']}"
    applicant.get(page)
    content = PDF + b"%" + uuid.uuid4().hex.encode() + b"\n"  # bytes no other file has
    status, _data, _r = applicant.post_file(
        f"{page}/pieces",
        {"slot": "other", "title": "Statuts"},
        "statuts.pdf",
        content,
        "application/pdf",
    )
    assert status == 302
    status, data, _r = applicant.get(page)
    links = re.findall(rf'href="({page}/pieces/\d+)"', data.decode())
    assert len(links) == 1, links
    # In the bucket, on neither server's disk (their instance folders): the second has never
    # seen it.
    assert not [p for p in cluster["folder"].glob("server*/uploads/**/*") if p.is_file()]
    status, served, response = applicant.on(cluster["two"]).get(links[0])
    assert status == 200, served[:500]
    assert served == content
    assert response.getheader("Content-Type").startswith("application/pdf")


def a_login_lock_earned_on_one_server_holds_on_the_other(cluster):
    email = cluster["locked"]
    one = Browser(cluster["one"])
    for _attempt in range(LOCK_AFTER):  # the last one locks the address
        status, data, _r = one.login(email, "pas-le-bon-mot-de-passe")
        assert status == 200 and "Adresse ou mot de passe incorrect" in data.decode()
    # On the other server the right password is refused too, before it is checked.
    status, data, _r = Browser(cluster["two"]).login(email)
    assert status == 429
    assert "Trop de tentatives de connexion ont échoué" in data.decode()


def _registry(port: int) -> str:
    """The public registry as a visitor sees it (no cookie: the cached page)."""
    status, data, _r = Browser(port).get("/registre")
    assert status == 200
    return data.decode()


def a_certificate_issued_or_suspended_on_one_server_shows_at_once_on_the_other(cluster):
    assert STRUCTURE not in _registry(cluster["two"])  # the visitor's page is now cached
    secretariat = Browser(cluster["one"])
    assert secretariat.login(cluster["secretariat"])[0] == 302
    secretariat.get(f"/candidatures/{cluster['granted']}")
    status, _data, response = secretariat.post(f"/candidatures/{cluster['granted']}/certificat", {})
    assert status == 302, _data[:500]
    number = response.getheader("Location").rsplit("/", 1)[1]
    assert STRUCTURE in _registry(cluster["two"])

    president = Browser(cluster["one"])
    assert president.login(cluster["president"])[0] == 302
    president.get(f"/certificats/{number}")
    assert STRUCTURE in _registry(cluster["two"])  # cached again, just before the change
    status, _data, _r = president.post(
        f"/certificats/{number}/suspension-urgente", {"reason": "Manquement grave signalé."}
    )
    assert status == 302, _data[:500]
    assert STRUCTURE not in _registry(cluster["two"])
