"""Real-browser journeys: a real cdess server on a free port with its own database and the
demo data, driven by Debian's Chromium through Playwright.

Without Chromium the journeys are skipped with the reason shown; with
CDESS_REQUIRE_BROWSER=1 (as in CI) a missing browser fails instead.
Screenshots of the key pages go to test-output/e2e/<journey>/.
"""

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.factories import DEMO_PASSWORD

CHROMIUM = Path(os.environ.get("CDESS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "e2e"
# Screenshots of the key pages, to look at (CI, which nobody looks at, turns them off: 0).
SCREENSHOTS = os.environ.get("CDESS_E2E_SCREENSHOTS", "1") != "0"
VENDOR = Path(__file__).parent / "vendor"


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}: apt-get install chromium (or make e2e)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed: make e2e"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`flask run` in a subprocess, on its own SQLite database (or CDESS_E2E_DATABASE_URL)."""

    def __init__(self, instance: Path):
        self.instance = instance
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outbox = instance / "outbox"
        self.env = os.environ | {
            "CDESS_INSTANCE_PATH": str(instance),
            "CDESS_BASE_URL": self.url,
            "CDESS_SECRET_KEY": "e2e-secret-key-not-for-production-0123456789",
            "CDESS_RATELIMIT_ENABLED": "false",
            "CDESS_DEMO_PASSWORD": DEMO_PASSWORD,
            "FLASK_APP": "cdess",
        }
        self.env.pop("CDESS_DATABASE_URL", None)
        if url := os.environ.get("CDESS_E2E_DATABASE_URL"):
            self.env["CDESS_DATABASE_URL"] = url
        self.process = None

    def flask(self, *args: str) -> str:
        """Run a `flask` command on the server's database and instance; its output."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise AssertionError(
                f"flask {' '.join(args)} → exit {result.returncode}\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def start(self) -> None:
        self.flask("init-db")
        self.flask("demo")
        self.log = (self.instance / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--port", str(self.port), "--with-threads"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/sante", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"cdess did not start: see {self.instance / 'server.log'}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.log.close()

    def emails_to(self, address: str) -> list:
        messages = [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(self.outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime)
        ]
        return [m for m in messages if address in str(m["To"])]

    def link_in_last_email(self, address: str) -> str:
        message = self.emails_to(address)[-1]
        body = message.get_body(preferencelist=("plain",)).get_content()
        return re.search(r"https?://\S+", body).group(0)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """On SQLite; on a fresh PostgreSQL schema (dropped after) when the suite runs on it."""
    schema = None
    if pg_url := os.environ.get("CDESS_TEST_DATABASE_URL"):
        from sqlalchemy import create_engine, text

        schema = f"cdess_e2e_{uuid.uuid4().hex[:10]}"
        admin = create_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in pg_url else "?"
        os.environ["CDESS_E2E_DATABASE_URL"] = (
            f"{pg_url}{separator}options=-csearch_path%3D{schema}"
        )
    server = Server(tmp_path_factory.mktemp("e2e-instance"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if schema:
            os.environ.pop("CDESS_E2E_DATABASE_URL", None)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="session")
def browser():
    if reason := _missing_browser():
        if os.environ.get("CDESS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CDESS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class AccessibilityError(AssertionError):
    pass


class Journey:
    """A person in their own browser context: visits pages, audits and photographs them."""

    def __init__(self, browser, server, name: str, **context):
        self.server = server
        self.folder = OUTPUT / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.audited: list[str] = []
        self.context = browser.new_context(
            base_url=server.url, locale="fr-FR", accept_downloads=True, **context
        )
        # Injected by the browser itself, so the page's strict CSP does not block it.
        self.context.add_init_script(path=str(VENDOR / "axe.min.js"))
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda msg: (
                self.errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )

    def goto(self, path: str, name: str | None = None):
        response = self.page.goto(path)
        assert response.status < 400, f"{path} → {response.status}"
        if name:
            self.check(name)
        return response

    def check(self, name: str) -> None:
        """Audit the page with axe-core (French), then save a full-page screenshot."""
        self.page.wait_for_load_state("load")  # never audit a page still streaming in
        self.audit(name)
        self.count += 1
        if not SCREENSHOTS:
            return
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{slug}.png", full_page=True)

    def audit(self, name: str) -> None:
        locale = json.loads((VENDOR / "axe-fr.json").read_text(encoding="utf-8"))
        results = self.page.evaluate(
            """async (locale) => {
                axe.configure({locale});
                const r = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                    'best-practice']},
                    resultTypes: ['violations'],
                });
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }""",
            locale,
        )
        serious = [v for v in results if v["impact"] in ("moderate", "serious", "critical")]
        for v in results:  # minor ones are listed in the output, not failed
            if v["impact"] == "minor":
                print(f"axe, mineur — {name}: {v['id']}: {v['help']} {v['nodes']}")
        self.audited.append(self.page.url)
        if serious:
            details = "\n".join(
                f"- {v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in serious
            )
            raise AccessibilityError(f"{name} ({self.page.url}):\n{details}")
        assert not self.errors, f"{name}: errors in the page: {self.errors}"

    def login(self, email_address: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/compte/connexion")
        self.page.get_by_label("Adresse électronique").fill(email_address)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state()
        assert "/compte/connexion" not in self.page.url, "login refused"

    def logout(self) -> None:
        self.page.get_by_role("button", name="Se déconnecter").click()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey(browser, server, request):  # browser first: no server started without one
    opened = []

    def open_journey(name: str | None = None, **context) -> Journey:
        j = Journey(browser, server, name or request.node.name.removeprefix("test_"), **context)
        opened.append(j)
        return j

    yield open_journey
    for j in opened:
        j.close()
