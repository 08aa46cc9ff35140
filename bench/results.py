"""What a benchmark hands to `bench/run_all.py`: its figures, each with the baseline measured in
the same run, the ratio, the target and whether it is met, written as JSON by `--json PATH`.

    {"benchmark": "scoring", "arguments": [...], "figures": [
        {"figure": "assessments scored per second, one core", "value": 25000.0, "unit": "/s",
         "baseline": 120000.0, "baseline_unit": "/s", "baseline_label": "sum of points",
         "ratio": 4.8, "target": "≥ 20,000/s", "met": true, "database": ""}, ...]}

A figure without a target says so (`target` empty, `met` null): it is shown, not judged.
"""

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Figure:
    figure: str  # what is measured: "/registre p50", "ballots lost or counted twice"
    value: float
    unit: str = ""  # "ms", "/s", "%", "s", "" (a count)
    baseline: float | None = None  # measured in the same run
    baseline_unit: str = ""
    baseline_label: str = ""  # what the baseline is: "/sante p50", "one process"
    ratio: float | None = None  # value / baseline, or as the benchmark defines it (a speed-up)
    target: str = ""  # as the issue states it: "≤ 3×", "≥ 80 %", "0"
    met: bool | None = None  # None: no target
    database: str = ""  # "SQLite", "PostgreSQL", or "" when none is involved


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="write the figures there (bench/run_all.py)"
    )


def write(path: Path | None, benchmark: str, figures: list[Figure]) -> None:
    """The figures as JSON at `path` (nothing without a path)."""
    if path is None:
        return
    document = {
        "benchmark": benchmark,
        "arguments": sys.argv[1:],
        "figures": [asdict(figure) for figure in figures],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
