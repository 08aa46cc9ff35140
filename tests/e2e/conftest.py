"""Real-browser journeys: a real cdess server on a free port with its own database and the
demo data, driven by Debian's Chromium through Playwright. The demo is built once a run
(`demo_snapshot`) and each server starts from a copy of it.

Without Chromium the journeys are skipped with the reason shown; with
CDESS_REQUIRE_BROWSER=1 (as in CI) a missing browser fails instead.
Screenshots of the key pages go to test-output/e2e/<journey>/.

Every page a journey reaches is audited with axe-core (see `PageAudit`): not only the pages
a journey `check`s, but every HTML document loaded in its browser's main frame, however it
got there (a link, a form posted and redirected, a key pressed, a script). The audit runs at
a safe point, from the test's own thread: just before the next action that may leave the page
(a click, a key, a navigation...), at `check`, and when the journey ends. Pages are audited
once a worker, told apart by their path (numbers and tokens left out), status, title and
its first heading and whether a form shows errors. Violations of impact moderate or more
fail the test at teardown.
"""

import email
import email.policy
import fcntl
import functools
import json
import os
import re
import shutil
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
# How often the servers' live pages ask for news (2,000 ms outside the journeys).
LIVE_POLL_MS = 500


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
            # The live pages ask for news four times as often: the journeys wait for it less.
            "CDESS_LIVE_POLL_MS": str(LIVE_POLL_MS),
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

    def start(self, demo: Path | None = None) -> None:
        """Load the demo (a copy of `demo`, a `demo_snapshot`, when given and on SQLite), then
        start the server and wait until it answers."""
        if demo is not None and "CDESS_DATABASE_URL" not in self.env:
            self.copy_demo(demo)
        else:
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

    def copy_demo(self, demo: Path) -> None:
        """The instance of `demo_snapshot` (database, uploads, outbox) as this server's own, its
        emails' links moved to this server's address (and left in the order they were sent)."""
        shutil.copytree(demo, self.instance, dirs_exist_ok=True, ignore=_NOT_COPIED)
        built_on = (demo / SNAPSHOT_DONE).read_text().strip().encode()
        for path in self.outbox.glob("*.eml"):
            sent = path.stat()
            path.write_bytes(path.read_bytes().replace(built_on, self.url.encode()))
            os.utime(path, ns=(sent.st_atime_ns, sent.st_mtime_ns))
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if any(
                built_on.decode() in part.get_content()
                for part in message.walk()
                if part.get_content_maintype() == "text"
            ):  # a link cut by the encoding's line breaks: would lead nowhere
                raise AssertionError(f"{path.name}: a link to {built_on.decode()} left")

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


# What `demo_snapshot` leaves out of the copies, and the file that says it is complete (with
# the address its emails' links were written for).
_NOT_COPIED = shutil.ignore_patterns("server.log")
SNAPSHOT_DONE = "snapshot-done"


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory, worker_id) -> Path:
    """An instance folder holding the demo on SQLite (database, uploads, outbox), built once a
    run by the first worker to need it (the others wait for it on a lock), for each server to
    copy: `flask demo` costs ~30 s of CPU, a copy a few milliseconds. Emails' links are moved to
    each server's address by `Server.copy_demo`."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # xdist: a worker's folder is inside the run's
        shared = shared.parent
    folder = shared / "e2e-demo"
    with (shared / "e2e-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / SNAPSHOT_DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build cut short
            folder.mkdir()
            builder = Server(folder)
            builder.env.pop("CDESS_DATABASE_URL", None)
            builder.flask("init-db")
            builder.flask("demo")
            (folder / SNAPSHOT_DONE).write_text(builder.url + "\n")
    return folder


@pytest.fixture(scope="session")
def server(tmp_path_factory, request):
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
        # On PostgreSQL the demo is built there; on SQLite, copied.
        server.start(None if schema else request.getfixturevalue("demo_snapshot"))
        yield server
    finally:
        server.stop()
        if schema:
            os.environ.pop("CDESS_E2E_DATABASE_URL", None)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, demo_snapshot):
    """A demo server of one module's own, on SQLite in its instance (never the suite's schema),
    for journeys that change what the others count on: the demo's room opened, its one batch of
    certificates issued. A module uses it by overriding `server` with it. It starts from a copy
    of `demo_snapshot`: a few seconds, where building the demo again took half a minute."""
    own = Server(tmp_path_factory.mktemp("e2e-own"))
    own.env.pop("CDESS_DATABASE_URL", None)
    try:
        own.start(demo_snapshot)
        yield own
    finally:
        own.stop()


@pytest.fixture(scope="session")
def browser(request):
    if reason := _missing_browser():
        if os.environ.get("CDESS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CDESS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    _audit_before_actions()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    _write_audited(request.config)


class AccessibilityError(AssertionError):
    pass


AXE_LOCALE = json.loads((VENDOR / "axe-fr.json").read_text(encoding="utf-8"))
AXE_RUN = """async () => {
    if (!window.__cdessAxeConfigured) {
        axe.configure({locale: window.__cdessAxeLocale});
        window.__cdessAxeConfigured = true;
    }
    const r = await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                        'best-practice']},
        resultTypes: ['violations'],
    });
    return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
# What tells two pages apart, for the automatic audit; null for what is not an HTML page.
FINGERPRINT = """() => {
    if (!/^https?:$/.test(location.protocol) || document.contentType !== 'text/html') return null;
    const nav = performance.getEntriesByType('navigation')[0];
    const h1 = document.querySelector('h1');
    return {path: location.pathname, title: document.title, axe: typeof axe !== 'undefined',
            heading: h1 ? h1.textContent.trim().replace(/\\s+/g, ' ') : '',
            status: (nav && nav.responseStatus) || 0,
            invalid: !!document.querySelector('[aria-invalid="true"], [role="alert"]')};
}"""
# Ids, dates and tokens in a path: /dossiers/12/pieces/3 and /dossiers/7/pieces/1 are one page.
VARIABLE_SEGMENT = re.compile(r"(?<=/)(?:\d[^/]*|[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]{15,})(?=/|$)")
# The pages audited in this process (a worker): fingerprint → the first URL where it was met.
AUDITED: dict[str, str] = {}


def fingerprint(info: dict) -> str:
    path = VARIABLE_SEGMENT.sub("{}", info["path"])
    title = info["title"]
    if info["heading"] not in title:  # a form and the result it posts to, on the same path
        title += f" | {info['heading']}"
    title = re.sub(r"\d+", "#", title)
    return f"{path} {info['status']} {title}{' (erreurs)' if info['invalid'] else ''}"


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("moderate", "serious", "critical")]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in violations)


class PageAudit:
    """One page (tab) of a journey's browser: audits each HTML document its main frame loads.

    `framenavigated` only marks the page as due (an event handler must not drive the page:
    with the sync API it would race the test's own calls); the audit itself runs from the
    test's thread, before the next action that may leave the page, at `check` and at the end.
    """

    TRACKED: dict = {}  # page, its keyboard and its mouse → their PageAudit

    def __init__(self, journey: "Journey", page):
        self.journey = journey
        self.page = page
        self.due = False
        self.fresh = False  # audited just now, no action since: `check` need not run axe again
        self.last: list[dict] = []
        for owner in (page, page.keyboard, page.mouse):
            PageAudit.TRACKED[owner] = self
        page.on("framenavigated", self._navigated)
        page.on("close", self._closed)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.due = True
            self.fresh = False

    def _closed(self, _page) -> None:
        for owner in (self.page, self.page.keyboard, self.page.mouse):
            PageAudit.TRACKED.pop(owner, None)

    def before_action(self) -> None:
        if self.due:
            self.audit_due()
        self.fresh = False

    def audit_due(self, timeout: float | None = None) -> None:
        """Audit the document now in the page, unless a page like it was audited already."""
        from playwright.sync_api import Error

        failed = False
        for _attempt in range(3):
            self.due = False
            try:
                self.page.wait_for_load_state("load", timeout=timeout)
                info = self.page.evaluate(FINGERPRINT)
                if info is None:  # a PDF, a CSV... shown by the browser: nothing to audit
                    return
                key = fingerprint(info)
                if key in AUDITED:
                    return
                if not info["axe"]:
                    raise AccessibilityError(f"axe-core is missing from {self.page.url}")
                violations = self.page.evaluate(AXE_RUN)
            except Error:  # the page went on to another one while it was audited: again
                if self.page.is_closed():
                    return
                failed = True
                continue
            failed = False
            AUDITED[key] = self.page.url
            self.journey.record(self.page.url, key, violations)
            self.last = violations
            self.fresh = not self.due
            if not self.due:
                return
        if failed:
            self.journey.unaudited.append(self.page.url)


# The calls after which a page may be left for another: the current one is audited first.
ACTIONS = {
    "Page": (
        "goto reload go_back go_forward click dblclick tap press type check uncheck "
        "set_checked select_option set_input_files dispatch_event close"
    ),
    "Locator": (
        "click dblclick tap press press_sequentially type check uncheck set_checked "
        "select_option set_input_files dispatch_event"
    ),
    "Keyboard": "press type down insert_text",
    "Mouse": "click dblclick down up",
}


def _audit_before_actions() -> None:
    """Have Playwright audit the page due before any action on it (once a process)."""
    from playwright import sync_api

    for class_name, names in ACTIONS.items():
        cls = getattr(sync_api, class_name)
        for name in names.split():
            method = getattr(cls, name)
            if getattr(method, "audits_first", False):
                continue

            @functools.wraps(method)
            def wrapper(self, *args, _method=method, _class=class_name, **kwargs):
                owner = self.page if _class == "Locator" else self
                if tracked := PageAudit.TRACKED.get(owner):
                    tracked.before_action()
                return _method(self, *args, **kwargs)

            wrapper.audits_first = True
            setattr(cls, name, wrapper)


def _worker(config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


def _write_audited(config) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}\t{url}" for key, url in sorted(AUDITED.items())]
    (OUTPUT / f"audited-{_worker(config)}.tsv").write_text("\n".join(lines) + "\n")


def pytest_sessionstart(session):
    session.config._e2e_started = time.time()


def pytest_terminal_summary(terminalreporter, config):
    started = getattr(config, "_e2e_started", None)
    if started is None:
        return
    files = [f for f in OUTPUT.glob("audited-*.tsv") if f.stat().st_mtime >= started]
    if not files:
        return
    keys = {line.split("\t")[0] for f in files for line in f.read_text().splitlines() if line}
    terminalreporter.write_line(
        f"axe-core: {len(keys)} distinct pages audited "
        f"(list: {OUTPUT.relative_to(ROOT)}/audited-*.tsv)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


class Journey:
    """A person in their own browser context: visits pages, audits and photographs them."""

    def __init__(self, browser, server, name: str, **context):
        self.server = server
        self.name = name
        self.folder = OUTPUT / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.audited: list[str] = []
        self.violations: list[str] = []  # found by the automatic audit, failed at teardown
        self.unaudited: list[str] = []
        context.setdefault("locale", "fr-FR")  # the browser's language (Accept-Language)
        self.context = browser.new_context(base_url=server.url, accept_downloads=True, **context)
        # Injected by the browser itself, so the page's strict CSP does not block it.
        self.context.add_init_script(path=str(VENDOR / "axe.min.js"))
        self.context.add_init_script(f"window.__cdessAxeLocale = {json.dumps(AXE_LOCALE)};")
        self.context.set_default_timeout(10_000)
        self.pages: list[PageAudit] = []
        self.context.on("page", self._tracked)  # its popups and other tabs too
        self.page = self.context.new_page()
        self._tracked(self.page)
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

    def _tracked(self, page) -> PageAudit:
        for tracked in self.pages:
            if tracked.page == page:
                return tracked
        self.pages.append(PageAudit(self, page))
        return self.pages[-1]

    def goto(self, path: str, name: str | None = None):
        response = self.page.goto(path)
        assert response.status < 400, f"{path} → {response.status}"
        if name:
            self.check(name)
        return response

    def check(self, name: str) -> None:
        """Audit the page with axe-core (French), then save a full-page screenshot."""
        self.page.wait_for_load_state("load")  # never audit a page still streaming in
        tracked = self._tracked(self.page)
        if tracked.due:
            tracked.audit_due()
        self.audit(name, tracked.last if tracked.fresh else None)
        tracked.fresh = False
        self.count += 1
        if not SCREENSHOTS:
            return
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{slug}.png", full_page=True)

    def audit(self, name: str, results: list[dict] | None = None) -> None:
        """Audit the page as it is now; `results`: of an audit of it just made."""
        if results is None:
            results = self.page.evaluate(AXE_RUN)
        else:  # already reported: fails here, not again at the end
            url = self.page.url
            self.violations = [v for v in self.violations if not v.startswith(url + " ")]
        for v in results:  # minor ones are listed in the output, not failed
            if v["impact"] == "minor":
                print(f"axe, mineur — {name}: {v['id']}: {v['help']} {v['nodes']}")
        self.audited.append(self.page.url)
        if found := serious(results):
            raise AccessibilityError(f"{name} ({self.page.url}):\n{describe(found)}")
        assert not self.errors, f"{name}: errors in the page: {self.errors}"

    def record(self, url: str, key: str, violations: list[dict]) -> None:
        """The results of an automatic audit."""
        self.audited.append(url)
        for v in violations:
            if v["impact"] == "minor":
                print(f"axe, mineur — {key}: {v['id']}: {v['help']} {v['nodes']}")
        if found := serious(violations):
            self.violations.append(f"{url} ({key}):\n{describe(found)}")

    def finish(self) -> None:
        """Audit the pages still open, as they were left."""
        for tracked in self.pages:
            if tracked.due and not tracked.page.is_closed():
                tracked.audit_due(timeout=5_000)

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
    failed = getattr(request.node, "e2e_failed", False)
    problems = []
    for j in opened:
        if not failed:
            j.finish()
        problems += [f"{j.name}: {v}" for v in j.violations]
        problems += [f"{j.name}: not audited (kept changing): {url}" for url in j.unaudited]
        j.close()
    if problems:
        message = "axe-core, pages reached by the journey:\n" + "\n".join(problems)
        if failed:
            print(message)
        else:
            pytest.fail(message, pytrace=False)
