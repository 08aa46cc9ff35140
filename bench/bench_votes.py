"""Votes under load: 70 members (10 of them through proxies) vote on 30 items in bursts,
against a running server (gunicorn, several workers), on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_votes.py [--sqlite] [--postgresql] [--workers 4] [--items 30]
                                          [--json PATH]

For each item the president opens the vote, then every ballot (60 members present for
themselves, 10 of them again for an absent member's proxy) is cast at the same moment from
16 client threads; each member also sends a second, conflicting ballot for themself in the
same burst (an open vote takes it as a change of mind, a secret one refuses it: either way
the count must not change). The president closes the vote. Reported:
lost votes (ballots accepted but not counted, must be 0), double votes (more counted than
ballots allowed, must be 0), and the p50/p99 latency of a vote as a ratio to the trivial
/sante endpoint measured in the same run at the same concurrency.
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import Figure, add_option, write  # noqa: E402  (bench/, beside this script)

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MEMBERS, ABSENT, ITEMS, THREADS = 70, 10, 30, 16
PASSWORD = "bench-password-0123"  # noqa: S105 (throwaway accounts of the benchmark)
# One secret for the benchmarks' own app, their `flask` commands and the server: the issuer's
# keys made by `init_db` are sealed with it, and a server with another could not sign.
SECRET_KEY = "bench-secret-key-0123456789-0123456789"  # noqa: S105
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Client:
    """One member's browser: the session cookie and the CSRF token; a connection per request
    (a member's own ballot and the proxy's may leave at the same moment)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None):
        body = urlencode({**(form or {}), "csrf_token": self.token}) if form is not None else None
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if match := CSRF.search(data.decode(errors="replace")):
            self.token = match.group(1)
        return response.status, data

    def login(self, email: str) -> None:
        self.request("GET", "/compte/connexion")
        status, _ = self.request(
            "POST", "/compte/connexion", {"email": email, "password": PASSWORD}
        )
        assert status == 302, f"login failed for {email}: {status}"


def prepare(url: str, instance: Path, items: int = ITEMS) -> dict:
    """Members, files and an open session with everyone checked in, through the services."""
    os.environ["CDESS_INSTANCE_PATH"] = str(instance)
    from datetime import date, datetime, timedelta

    from cdess import create_app
    from cdess.accounts import services as accounts
    from cdess.accounts.models import Role
    from cdess.applications.models import Application, State
    from cdess.cli import init_db
    from cdess.extensions import db
    from cdess.sessions import live
    from cdess.sessions import services as sessions
    from cdess.structures import services as structures
    from cdess.structures.models import Family
    from tests.factories import GRANTED_RESULT, valid_siret

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        init_db()
        make = accounts.create_user
        president = make(
            "president@bench.test",
            "Président",
            {Role.president, Role.council_member},
            password=PASSWORD,
            confirmed=True,
            voting_right=True,
        )
        agent = make(
            "agent@bench.test", "Agent", {Role.secretariat}, password=PASSWORD, confirmed=True
        )
        members = [
            make(
                f"membre{i:02d}@bench.test",
                f"Membre {i:02d}",
                {Role.council_member},
                password=PASSWORD,
                confirmed=True,
                voting_right=True,
            )
            for i in range(1, MEMBERS)
        ]
        council = [president, *members]
        owner = make("owner@bench.test", "Owner", {Role.applicant}, password=PASSWORD)
        start = datetime.combine(date.today() + timedelta(days=1), datetime.min.time())
        session = sessions.create_session(start.replace(hour=14), date.today(), "Arras")
        for n in range(items):
            siret = valid_siret(n + 1)
            structure = structures.create_structure(
                {
                    "name": f"Structure {n + 1}",
                    "siret": siret,
                    "siren": siret[:9],
                    "rna": None,
                    "legal_form": "9220",
                    "family": Family.association,
                    "address": "",
                    "commune_code": "62041",
                    "epci_code": "200033579",
                    "employees": 1,
                    "year_founded": 2000,
                    "website": None,
                },
                owner,
            )
            application = Application(
                structure_id=structure.id, state=State.admissible, verified_result=GRANTED_RESULT
            )
            db.session.add(application)
            db.session.flush()
            item = sessions.add_item(session, application, agent)
            item.secret = n % 3 == 2  # one item in three by secret ballot
            sessions.assign_rapporteur(item, members[n % len(members)])
        live.convene(session, agent)
        live.open_session(session, agent, at=start.replace(hour=12))  # on its day
        absent, present = council[-ABSENT:], council[:-ABSENT]
        for giver, holder in zip(absent, present[1 : ABSENT + 1], strict=True):
            sessions.give_proxy(session, giver, holder)
        for member in present:
            live.check_in(session, member)
        db.session.commit()
        plan = {
            "session": session.id,
            "items": [(i.id, i.secret) for i in session.items],
            "present": [(m.email, m.id) for m in present],
            "proxies": {
                holder.id: giver.id for giver, holder in zip(absent, present[1:], strict=False)
            },
        }
        db.engine.dispose()
    return plan


def serve(url: str, instance: Path, workers: int) -> tuple[subprocess.Popen, int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "CDESS_DATABASE_URL": url,
        "CDESS_INSTANCE_PATH": str(instance),
        "CDESS_SECRET_KEY": SECRET_KEY,
        "CDESS_RATELIMIT_ENABLED": "false",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "cdess:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/sante")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(url: str, label: str, workers: int, items: int = ITEMS) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="cdess-bench-"))
    plan = prepare(url, instance, items)
    server, port = serve(url, instance, workers)
    try:
        president = Client(port)
        president.login("president@bench.test")
        clients = {}
        for email, member_id in plan["present"]:
            client = Client(port)
            client.login(email)
            client.request("GET", f"/seances/{plan['session']}/direct")
            clients[member_id] = client
        president.request("GET", f"/seances/{plan['session']}/direct")
        vote_times: list[float] = []
        trivial_times: list[float] = []
        refused_seconds = 0
        lost = doubled = 0
        lock = threading.Lock()

        def ballot(job):
            item_id, member_id, holder_id, choice = job
            client = clients[holder_id]
            started = time.perf_counter()
            status, _ = client.request(
                "POST",
                f"/seances/points/{item_id}/vote",
                {"choice": choice, "member_id": member_id},
            )
            elapsed = time.perf_counter() - started
            with lock:
                vote_times.append(elapsed)
            return status

        def trivial(client):
            started = time.perf_counter()
            client.request("GET", "/sante")
            with lock:
                trivial_times.append(time.perf_counter() - started)

        expected_total = 0
        with ThreadPoolExecutor(THREADS) as pool:
            for n, (item_id, secret) in enumerate(plan["items"]):
                president.request("GET", f"/seances/{plan['session']}/direct")
                status, _ = president.request(
                    "POST", f"/seances/points/{item_id}/ouverture-vote", {}
                )
                assert status == 302
                jobs = []
                for member_id in clients:
                    jobs.append((item_id, member_id, member_id, ("pour", "contre")[member_id % 2]))
                    if member_id in plan["proxies"]:
                        jobs.append((item_id, plan["proxies"][member_id], member_id, "abstention"))
                # A second, conflicting ballot for oneself from each member, in the same burst.
                seconds = [(i, m, h, "abstention") for i, m, h, _c in jobs if m == h]
                burst = jobs + seconds
                list(pool.map(ballot, burst))
                list(pool.map(trivial, [clients[m] for _i, m, h, _c in burst if m == h]))
                status, _ = president.request("POST", f"/seances/points/{item_id}/cloture-vote", {})
                assert status == 302, status
                counted = count(url, item_id)
                expected = len(jobs)
                expected_total += expected
                lost += max(0, expected - counted)
                doubled += max(0, counted - expected)
                refused_seconds += len(seconds) if secret else 0
                del n
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(instance, ignore_errors=True)
    p50v, p99v = percentile(vote_times, 50), percentile(vote_times, 99)
    p50t, p99t = percentile(trivial_times, 50), percentile(trivial_times, 99)
    result = {
        "database": label,
        "ballots": expected_total,
        "requests": len(vote_times),
        "lost": lost,
        "double": doubled,
        "vote_p50_ms": p50v * 1000,
        "vote_p99_ms": p99v * 1000,
        "trivial_p50_ms": p50t * 1000,
        "trivial_p99_ms": p99t * 1000,
        "ratio_p50": p50v / p50t,
        "ratio_p99": p99v / p99t,
    }
    print(
        f"{label:10} {expected_total} ballots ({len(vote_times)} requests with the repeats), "
        f"lost {lost}, double {doubled} | vote p50 {result['vote_p50_ms']:.1f} ms, "
        f"p99 {result['vote_p99_ms']:.1f} ms | /sante p50 {result['trivial_p50_ms']:.1f} ms, "
        f"p99 {result['trivial_p99_ms']:.1f} ms | ratio p50 {result['ratio_p50']:.2f}×, "
        f"p99 {result['ratio_p99']:.2f}×",
        flush=True,
    )
    return result


def count(url: str, item_id: int) -> int:
    """Ballots counted for an item, read from the database itself."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT secret, secret_pour + secret_contre + secret_abstention FROM agenda_item "
                "WHERE id = :id"
            ),
            {"id": item_id},
        ).one()
        if row[0]:
            total = row[1]
        else:
            total = conn.execute(
                text("SELECT count(*) FROM vote WHERE item_id = :id"), {"id": item_id}
            ).scalar()
    engine.dispose()
    return total


def figures(results: list[dict]) -> list[Figure]:
    """Issue 21's target: 0 lost and 0 double votes; the latencies shown against /sante's."""
    rows = []
    for r in results:
        wrong = r["lost"] + r["double"]
        rows.append(
            Figure(
                f"ballots lost or counted twice (of {r['ballots']:,})",
                wrong,
                target="0",
                met=wrong == 0,
                database=r["database"],
            )
        )
        for q in ("p50", "p99"):
            rows.append(
                Figure(
                    f"vote {q}, 16 clients",
                    r[f"vote_{q}_ms"],
                    "ms",
                    baseline=r[f"trivial_{q}_ms"],
                    baseline_unit="ms",
                    baseline_label=f"/sante {q}",
                    ratio=r[f"ratio_{q}"],
                    database=r["database"],
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--items", type=int, default=ITEMS, help="items voted on")
    add_option(parser)
    args = parser.parse_args()
    both = not (args.sqlite or args.postgresql)
    results = []
    if args.sqlite or both:
        folder = Path(tempfile.mkdtemp(prefix="cdess-bench-db-"))
        results.append(run(f"sqlite:///{folder / 'bench.db'}", "SQLite", args.workers, args.items))
        shutil.rmtree(folder, ignore_errors=True)
    if args.postgresql or both:
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            results.append(
                run(
                    f"{PG_URL}?options=-csearch_path%3D{schema}",
                    "PostgreSQL",
                    args.workers,
                    args.items,
                )
            )
        finally:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    write(args.json, "votes", figures(results))
    if any(r["lost"] or r["double"] for r in results):
        sys.exit("votes lost or counted twice")


if __name__ == "__main__":
    main()
