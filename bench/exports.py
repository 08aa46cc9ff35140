"""The registry's exports (issue 21): `/registre.csv` and `/registre.json` at two sizes, on SQLite
or on PostgreSQL, streamed, against the same rows built whole as they were before.

    .venv/bin/python bench/exports.py [--postgresql] [--structures 20000 200000] [--json PATH]

For each size a fresh instance (`flask init-db`, `flask demo --structures N`: on PostgreSQL in
its own `bench_exports` database, dropped after), then every structure without a label is given one
(its certified file and certificate, inserted in bulk: a benchmark's scenario — the command
grows the register, not the labels). Each export is read whole through the test client, in
this process (no gunicorn: the figure is the server's work, not the network's), the registry
cache off (REGISTRY_CACHE_SECONDS 0: every request builds the export):
- rows per second, the best of `--repeat` reads; the baseline is the former way, measured in
  the same run on the same rows: the registry's ORM objects read whole, one dict a row,
  `json.dumps` (or the sheet writer) of the whole body;
- the peak of Python's memory (tracemalloc) while one request is read, streamed and whole: the
  stream's peak must stay flat (≤ 1.5× between the sizes), the whole body's grows with it.

Targets (issue 21): ≥ 50,000 rows/s on PostgreSQL (shown, not judged, on SQLite), memory flat.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import room  # noqa: E402
from dashboard import SECRET_KEY, flask  # noqa: E402
from results import Figure, add_option, write  # noqa: E402

room.PG_DATABASE = "bench_exports"  # `room.postgresql_database` creates and drops this one
EXPORTS = ("/registre.csv", "/registre.json")
TARGET_ROWS, TARGET_FLAT = 50_000, 1.5
BATCH = 5_000  # rows inserted at a time


def app_for(url: str, instance: Path):
    os.environ["CDESS_INSTANCE_PATH"] = str(instance)
    from cdess import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "REGISTRY_CACHE_SECONDS": 0,
            "BASE_URL": "https://cdess.example",
        }
    )


def label_everyone(app) -> int:
    """A standing label for every structure without one, in bulk; how many were added."""
    from sqlalchemy import insert, select, text

    from cdess.applications.models import Application, State
    from cdess.certificates.models import Certificate, CertificateStatus
    from cdess.extensions import db
    from cdess.structures.models import Structure

    today = date.today()
    with app.app_context():
        labelled = select(Certificate.structure_id)
        bare = list(
            db.session.execute(
                select(Structure.id).filter(Structure.id.not_in(labelled)).order_by(Structure.id)
            ).scalars()
        )
        first = (db.session.execute(select(db.func.max(Certificate.sequence))).scalar() or 0) + 1
        for start in range(0, len(bare), BATCH):
            chunk = bare[start : start + BATCH]
            applications = db.session.scalars(
                insert(Application).returning(Application.id, sort_by_parameter_order=True),
                [
                    {
                        "structure_id": s,
                        "state": State.certified,
                        "submitted_at": datetime(2025, 9, 1, 12),
                        "snapshot": {},
                        "label_valid_from": today,
                        "label_valid_until": today + timedelta(days=900),
                    }
                    for s in chunk
                ],
            ).all()
            db.session.execute(
                insert(Certificate),
                [
                    {
                        "number": f"CDESS-62-2099-{first + start + i:06d}",
                        "year": 2099,
                        "sequence": first + start + i,
                        "application_id": a,
                        "structure_id": s,
                        "status": CertificateStatus.valid,
                        "valid_from": today,
                        "valid_until": today + timedelta(days=900),
                        "snapshot": {},
                        "pdf": b"",
                        "sha256": hashlib.sha256(f"bench {s}".encode()).hexdigest(),
                    }
                    for i, (s, a) in enumerate(zip(chunk, applications, strict=True))
                ],
            )
            db.session.commit()
        # The planner's statistics, as autovacuum would have them after such a load.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return len(bare)


def streamed(client, url: str) -> int:
    """The export read through the application, chunk by chunk; its size."""
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size


def whole(app, url: str) -> int:
    """The former way: ORM objects read whole, a dict a row, the whole body at once; its size."""
    from cdess.certificates.queries import FIELDS, registry
    from cdess.extensions import db
    from cdess.web import spreadsheet
    from cdess.web.urls import external_url

    filters = {"q": "", "epci": "", "commune": "", "famille": ""}
    with app.test_request_context(url):
        verification = external_url("certificates.verify", number="N").removesuffix("N")
        rows = []
        for certificate in db.session.execute(registry(filters)).scalars():
            structure = certificate.structure
            commune, epci = structure.commune, structure.epci
            rows.append(
                {
                    "numero": certificate.number,
                    "structure": structure.name,
                    "siren": structure.siren or "",
                    "siret": structure.siret or "",
                    "rna": structure.rna or "",
                    "code_commune": structure.commune_code,
                    "commune": commune.name if commune else "",
                    "code_epci": structure.epci_code or "",
                    "epci": epci.name if epci else "",
                    "famille": structure.family.value,
                    "date_debut": certificate.valid_from.isoformat(),
                    "date_fin": certificate.valid_until.isoformat(),
                    "statut": "valide",
                    "url_verification": verification + certificate.number,
                }
            )
        if url.endswith(".json"):
            body = json.dumps(
                {"generated_on": date.today().isoformat(), "data": rows},
                ensure_ascii=False,
                indent=1,
            )
        else:
            sheet = spreadsheet.Writer()
            sheet.row(FIELDS)
            for row in rows:
                sheet.row(row[field] for field in FIELDS)
            body = sheet.take()
        db.session.remove()
        return len(body.encode())


def timed(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def peak(function) -> int:
    """Python's peak memory (bytes) above what it held before, while `function` runs."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(app, rows: int, repeat: int) -> dict:
    client = app.test_client()
    found = {}
    for url in EXPORTS:
        streamed(client, url)  # warm: the territory file, the connection pool
        stream_s = timed(lambda url=url: streamed(client, url), repeat)
        whole_s = timed(lambda url=url: whole(app, url), repeat)
        found[url] = {
            "rows": rows,
            "stream_rows_s": rows / stream_s,
            "whole_rows_s": rows / whole_s,
            "stream_peak": peak(lambda url=url: streamed(client, url)),
            "whole_peak": peak(lambda url=url: whole(app, url)),
        }
        print(url, rows, {k: round(v) for k, v in found[url].items()}, flush=True)
    return found


def sqlite_database():
    """A fresh SQLite file; its URL and a cleanup."""
    folder = Path(tempfile.mkdtemp(prefix="cdess-exports-db-"))
    return f"sqlite:///{folder / 'exports.db'}", lambda: shutil.rmtree(folder, ignore_errors=True)


def one_size(url: str, structures: int, repeat: int) -> dict:
    """A fresh instance grown to `structures`, all labelled, measured."""
    from sqlalchemy import func, select

    from cdess.certificates import services
    from cdess.extensions import db

    instance = Path(tempfile.mkdtemp(prefix="cdess-exports-"))
    try:
        flask(url, instance, "init-db")
        # The demo's own checks refuse labels without their votes: grown once, then labelled.
        flask(url, instance, "demo", "--structures", str(structures))
        app = app_for(url, instance)
        label_everyone(app)
        with app.app_context():
            rows = db.session.execute(
                select(func.count()).select_from(services.labelled().subquery())
            ).scalar_one()
        found = measure(app, rows, repeat)
        with app.app_context():
            db.engine.dispose()
        return found
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def run(fresh_database, database: str, args) -> list[Figure]:
    """Each size on a database of its own (`fresh_database()`: its URL and a cleanup)."""
    sizes = []
    for structures in sorted(args.structures):
        url, drop = fresh_database()
        try:
            sizes.append(one_size(url, structures, args.repeat))
        finally:
            drop()
    figures = []
    small, large = sizes[0], sizes[-1]
    for export in EXPORTS:
        for found in sizes:
            figure = found[export]
            fast = figure["stream_rows_s"]
            figures.append(
                Figure(
                    f"{export} rows/s at {figure['rows']:,} labels",
                    round(fast),
                    "/s",
                    baseline=round(figure["whole_rows_s"]),
                    baseline_unit="/s",
                    baseline_label="the body built whole (before)",
                    ratio=round(fast / figure["whole_rows_s"], 2),
                    target=f"≥ {TARGET_ROWS:,}/s" if database == "PostgreSQL" else "",
                    met=fast >= TARGET_ROWS if database == "PostgreSQL" else None,
                    database=database,
                )
            )
        growth = large[export]["stream_peak"] / small[export]["stream_peak"]
        figures.append(
            Figure(
                f"{export} memory peak at {large[export]['rows']:,} labels (streamed)",
                round(large[export]["stream_peak"] / 2**20, 1),
                "MiB",
                baseline=round(small[export]["stream_peak"] / 2**20, 1),
                baseline_unit="MiB",
                baseline_label=f"the same at {small[export]['rows']:,} labels",
                ratio=round(growth, 2),
                target=f"≤ {TARGET_FLAT}× (flat)",
                met=growth <= TARGET_FLAT,
                database=database,
            )
        )
        figures.append(
            Figure(
                f"{export} memory peak at {large[export]['rows']:,} labels (built whole)",
                round(large[export]["whole_peak"] / 2**20, 1),
                "MiB",
                baseline=round(small[export]["whole_peak"] / 2**20, 1),
                baseline_unit="MiB",
                baseline_label=f"the same at {small[export]['rows']:,} labels",
                ratio=round(large[export]["whole_peak"] / small[export]["whole_peak"], 2),
                database=database,
            )
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL, not SQLite")
    parser.add_argument("--structures", type=int, nargs=2, default=[20_000, 200_000])
    parser.add_argument("--repeat", type=int, default=3, help="reads of each, the best kept")
    add_option(parser)
    args = parser.parse_args()
    if args.postgresql:
        figures = run(room.postgresql_database, "PostgreSQL", args)
    else:
        figures = run(sqlite_database, "SQLite", args)
    write(args.json, "exports", figures)
    for figure in figures:
        print(figure)
    judged = [f.met for f in figures if f.met is not None]
    print("\nall targets met" if all(judged) else "\nnot every target is met")


if __name__ == "__main__":
    main()
