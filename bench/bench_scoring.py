"""Scoring benchmark: 10,000 assessments of the default charter, on one core.

    .venv/bin/python bench/bench_scoring.py [--count 10000] [--repeat 5] [--json PATH]

The baseline, measured in the same run on the same answers, is the least any scorer must
do: read every answer once and add up its points from a precomputed table. The ratio says
what the explained result (statuses, per-principle scores, eligibility, reasons) costs on
top. Aim: at least 20,000 assessments per second per core.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import Figure, add_option, write  # bench/, beside this script

from cdess.charter.scoring import FAMILIES, load_default_charter, score

N = 10_000
REPEAT = 5
TARGET = 20_000  # assessments per second per core


def random_answers(charter, rng):
    answers = {}
    for c in charter.criteria:
        if rng.random() < 0.05:
            continue  # a few questions left unanswered
        if c.answer_type == "yes_no":
            answers[c.code] = rng.random() < 0.7
        elif c.answer_type == "choice":
            answers[c.code] = rng.choice(c.options).key
        elif c.answer_type == "number":
            low = c.min_value if c.min_value is not None else 0
            high = c.max_value if c.max_value is not None else 100
            answers[c.code] = round(rng.uniform(low, min(high, low + 30)), 1)
        else:
            answers[c.code] = "Texte libre."
    return answers


def baseline(charter, cases):
    table = {}
    for c in charter.criteria:
        if c.answer_type == "yes_no":
            table[c.code] = {True: c.points, False: 0}
        elif c.answer_type == "choice":
            table[c.code] = {o.key: o.points for o in c.options}
    total = 0.0
    for _family, answers in cases:
        for code, value in answers.items():
            points = table.get(code)
            if points is not None:
                total += points.get(value, 0)
    return total


def run(charter, cases):
    for family, answers in cases:
        score(charter, family, answers)


def best_of(fn, *args, repeat: int = REPEAT):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=N, help="assessments scored")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs, the best kept")
    add_option(parser)
    args = parser.parse_args()
    n = args.count
    charter = load_default_charter()
    rng = random.Random(62)
    families = sorted(FAMILIES)
    cases = [(rng.choice(families), random_answers(charter, rng)) for _ in range(n)]
    base = best_of(baseline, charter, cases, repeat=args.repeat)
    scoring = best_of(run, charter, cases, repeat=args.repeat)
    rate = n / scoring
    print(f"criteria in the default charter: {len(charter.criteria)}")
    print(f"baseline (sum of points):  {base * 1000:8.1f} ms for {n} assessments")
    print(f"scoring (full result):     {scoring * 1000:8.1f} ms for {n} assessments")
    print(f"rate: {rate:,.0f} assessments/s on one core (aim ≥ {TARGET:,})")
    print(f"ratio scoring / baseline: {scoring / base:.1f}×")
    write(
        args.json,
        "scoring",
        [
            Figure(
                f"scoring rate, one core ({n:,} assessments, best of {args.repeat}); ratio in time",
                rate,
                "/s",
                baseline=n / base,
                baseline_unit="/s",
                baseline_label="sum of points",
                ratio=scoring / base,
                target=f"≥ {TARGET:,}/s",
                met=rate >= TARGET,
            )
        ],
    )
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
