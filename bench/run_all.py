"""Every speed benchmark of `bench/`, one after the other, then the generated section of
`docs/performance.md` rewritten (`make bench`): one table of each figure with the baseline
measured in the same run, the ratio, the target and whether it is met, and the machine.

    .venv/bin/python bench/run_all.py [--quick] [--only NAME ...] [--output PATH]

Run it alone on the machine (about 25 minutes on two cores): the benchmarks time real servers,
and anything else running distorts every figure — the load average before and after is
written beside the table. PostgreSQL runs where a benchmark supports it, when the local server
answers (`bench/room.py`'s `PG_SERVER`); otherwise the section says it was left out.
`--quick` runs each benchmark at tiny sizes, on SQLite only, to check the pipeline in a few
minutes: its figures mean nothing, and the section says so.

Each benchmark writes its figures with `--json` (`bench/results.py`); its output goes to
`test-output/bench/<name>.log`. One that fails leaves a row saying so, and the others run.
Not run here: `bench/mutation.py` (the tests' quality: `make mutation`) and `bench/faults.py`
(faults injected, not speed).

Decided here: the section goes between `<!-- bench:start -->` and `<!-- bench:end -->`, near
the top of the file; everything outside the markers (each benchmark's history, written by
hand) is kept as it is. `--only NAME …` runs those benchmarks again and keeps the others'
figures of their last run (their JSON in `test-output/bench/`), each row saying which run it
comes from, so that one benchmark measured again after a fix does not erase the others.
"""

import argparse
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"  # as bench/room.py
BOTH = ("--sqlite", "--postgresql")


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...] | None  # None: left out of a quick run
    postgresql: bool = False  # needs the PostgreSQL server (left out without it)
    both: bool = False  # takes --sqlite --postgresql (SQLite alone without the server)


BENCHMARKS = (
    Benchmark("scoring", "bench_scoring.py", (), ("--count", "500", "--repeat", "1")),
    Benchmark("votes", "bench_votes.py", (), ("--items", "2", "--workers", "2"), both=True),
    Benchmark(
        "certificates",
        "bench_certificates.py",
        (),
        ("--batch", "4", "--renders", "3", "--rounds", "1", "--workers", "2"),
        both=True,
    ),
    Benchmark(
        "room",
        "room.py",
        ("--members", "70", "200"),
        ("--members", "8", "--votes", "1", "--workers", "2"),
        both=True,
    ),
    Benchmark(  # two gunicorns of two workers behind one Redis (issue 21)
        "room two servers",
        "room.py",
        ("--postgresql", "--servers", "2", "--workers", "2", "--members", "70", "200"),
        None,
        postgresql=True,
    ),
    Benchmark(
        "dashboard SQLite",
        "dashboard.py",
        ("--structures", "200000"),
        ("--structures", "4000", "--requests", "3", "--warmup", "1", "--workers", "2"),
    ),
    Benchmark(
        "dashboard PostgreSQL",
        "dashboard.py",
        ("--postgresql", "--structures", "200000"),
        None,
        postgresql=True,
    ),
    Benchmark(
        "exports SQLite",
        "exports.py",
        ("--structures", "20000", "200000"),
        ("--structures", "4000", "8000", "--repeat", "1"),
    ),
    Benchmark(
        "exports PostgreSQL",
        "exports.py",
        ("--postgresql", "--structures", "20000", "200000"),
        None,
        postgresql=True,
    ),
)


def postgresql_version() -> str | None:
    """The local server's version, or None when it does not answer."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    except OperationalError:
        return None
    finally:
        engine.dispose()


def machine(pg_version: str | None) -> dict:
    """What the figures were measured on."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) * 1024
    return {
        "cpus": os.cpu_count(),
        "model": model,
        "memory_gb": memory / 2**30,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version.split()[0] if pg_version else None,
    }


def commit() -> str:
    """The commit measured, and whether the tree had changes (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes" if dirty else head


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def arguments(benchmark: Benchmark, quick: bool, pg: bool) -> tuple[str, ...] | None:
    """The benchmark's command-line arguments for this run, or None when it is left out."""
    if benchmark.postgresql and (quick or not pg):
        return None
    sizes = benchmark.quick if quick else benchmark.full
    if sizes is None:
        return None
    if benchmark.both:
        databases = BOTH if pg and not quick else ("--sqlite",)
        return (*databases, *sizes)
    return sizes


def kept(benchmark: Benchmark, folder: Path) -> dict | None:
    """The figures of the benchmark's last run (`--only` left it out), or None."""
    slug = benchmark.name.replace(" ", "-")
    output = folder / f"{slug}.json"
    if not output.exists():
        return None
    when = datetime.fromtimestamp(output.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {
        "name": f"{benchmark.name} (run of {when})",
        "code": 0,
        "seconds": 0.0,
        "log": folder / f"{slug}.log",
        "figures": json.loads(output.read_text(encoding="utf-8"))["figures"],
    }


def run(benchmark: Benchmark, args: tuple[str, ...], folder: Path, timeout: float) -> dict:
    """One benchmark in its own process (and process group: its servers go with it); its
    figures, or why there are none."""
    slug = benchmark.name.replace(" ", "-")
    output, log = folder / f"{slug}.json", folder / f"{slug}.log"
    output.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / benchmark.script), *args, "--json", str(output)]
    print(f"{benchmark.name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    with log.open("w") as stream:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            code = "timeout"
    seconds = time.perf_counter() - started
    result = {"name": benchmark.name, "code": code, "seconds": seconds, "log": log}
    if output.exists():
        result["figures"] = json.loads(output.read_text(encoding="utf-8"))["figures"]
    print(f"{benchmark.name}: {seconds:.0f} s, exit {code}", flush=True)
    return result


# --- the section ------------------------------------------------------------------------------


def number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0f}\u00a0%"
    if unit == "" and float(value).is_integer():
        return f"{int(value):,}"
    digits = 1 if abs(value) < 100 else 0
    text = f"{value:,.{digits}f}"
    if unit in ("ms", "s"):
        return f"{text} {unit}"
    return f"{text}{unit}"


def ratio(value: float | None) -> str:
    if value is None:
        return ""
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:,.{digits}f}×"


def rows(results: list[dict]) -> tuple[list[str], int, list[str]]:
    """The table's rows, how many targets were judged, and those not met."""
    lines, judged, missed = [], 0, []
    for result in results:
        figures = result.get("figures")
        if figures is None:
            lines.append(
                f"| {result['name']} | | **no figures** (exit {result['code']}, "
                f"`{result['log'].relative_to(ROOT)}`) | | | | | |"
            )
            continue
        if result["code"] not in (0, 1):  # 1: a benchmark saying a target is missed
            lines.append(
                f"| {result['name']} | | exit {result['code']}: see "
                f"`{result['log'].relative_to(ROOT)}` | | | | | |"
            )
        for f in figures:
            baseline = ""
            if f["baseline"] is not None:
                baseline = f"{number(f['baseline'], f['baseline_unit'])} ({f['baseline_label']})"
            met = {True: "met", False: "**not met**", None: ""}[f["met"]]
            if f["met"] is not None:
                judged += 1
            if f["met"] is False:
                where = f" ({f['database']})" if f["database"] else ""
                missed.append(f"{result['name']}{where}: {f['figure']}")
            lines.append(
                f"| {result['name']} | {f['database']} | {f['figure']} | "
                f"{number(f['value'], f['unit'])} | {baseline} | {ratio(f['ratio'])} | "
                f"{f['target']} | {met} |"
            )
    return lines, judged, missed


def section(results: list[dict], context: dict) -> str:
    host = context["machine"]
    lines, judged, missed = rows(results)
    postgresql = host["postgresql"] or "not reached: its runs were left out"
    head = [
        START,
        "## The latest `make bench`",
        "",
        f"Written by `bench/run_all.py` (`make bench`) on {context['date']}: every speed "
        "benchmark of `bench/`, each figure beside its baseline measured in the same run. Do not "
        "edit between the markers: the next run rewrites them; the sections after this one are "
        "each benchmark's history, written by hand.",
        "",
    ]
    if context.get("only"):
        head += [
            f"This run measured only: {', '.join(context['only'])}; the other rows are those of "
            "their last run, which each names (`--only`).",
            "",
        ]
    if context["quick"]:
        head += [
            "**A quick run** (`--quick`: tiny sizes, SQLite only) that checks the pipeline: "
            "these figures mean nothing; run `make bench` on a quiet machine.",
            "",
        ]
    head += [
        f"Machine: {host['cpus']} CPUs ({host['model']}), {host['memory_gb']:.1f} GB of RAM; "
        f"Python {host['python']}, SQLite {host['sqlite']}, PostgreSQL {postgresql}. Load "
        f"average {context['load_before']} before the run, {context['load_after']} after "
        f"(1, 5, 15 min); commit {context['commit']}; {context['minutes']:.0f} min in all.",
        "",
        "| benchmark | database | figure | value | baseline (same run) | ratio | target | met |",
        "|---|---|---|---:|---:|---:|---|---|",
        *lines,
        "",
        f"**{judged - len(missed)} of {judged} targets met.**"
        + (" Not met: " + "; ".join(missed) + "." if missed else ""),
        END,
    ]
    return "\n".join(head)


def rewrite(path: Path, text: str) -> None:
    """The section between the markers replaced; the rest of the file kept."""
    document = path.read_text(encoding="utf-8")
    if START not in document or END not in document:
        sys.exit(f"{path}: the markers {START} and {END} are missing")
    before, rest = document.split(START, 1)
    _old, after = rest.split(END, 1)
    path.write_text(before + text + after, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: the pipeline only")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="these benchmarks (names as in the table)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds before a benchmark is stopped"
    )
    options = parser.parse_args()
    folder = ROOT / "test-output" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    pg_version = postgresql_version()
    context = {
        "quick": options.quick,
        "machine": machine(pg_version),
        "load_before": load(),
        "commit": commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "only": options.only,
    }
    started = time.perf_counter()
    results = []
    for benchmark in BENCHMARKS:
        if options.only and benchmark.name not in options.only:
            if (earlier := kept(benchmark, folder)) is not None:
                results.append(earlier)
            continue
        args = arguments(benchmark, options.quick, pg_version is not None)
        if args is not None:
            results.append(run(benchmark, args, folder, options.timeout))
    context.update(load_after=load(), minutes=(time.perf_counter() - started) / 60)
    rewrite(options.output, section(results, context))
    print(f"{options.output}: section rewritten")


if __name__ == "__main__":
    main()
