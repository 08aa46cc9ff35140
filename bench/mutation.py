"""Mutation testing of the pure rule modules, each against its own test files only.

    .venv/bin/python bench/mutation.py [numbers clock …] [--survivors | --report]
    make mutation                         (every module, from scratch)

mutmut 3 reads one `[tool.mutmut]` and picks the tests of each mutant by what the tests call,
so a scoring test that parses a number would kill a mutant of `cdess/numbers.py`. To score
each module by its own tests, every module gets a working folder `mutants/<name>/` holding
links to `cdess/` and `tests/` and a copy of `pyproject.toml` whose `only_mutate` and
`pytest_add_cli_args_test_selection` lines name that module and its test files; mutmut runs
there, from scratch (mutmut keeps a verdict until the code changes, even when the tests do),
leaving out the tests that need the app. While writing tests, `--survivors` keeps the cache
and retests only the mutants that survived (and what changed); `--report` only rewrites the
report. The results of all modules, their sha256 and the time each run took are then
written to docs/quality.md, which tests/test_quality.py compares with the modules as they are,
and kept in docs/quality.json, so that a run of some modules keeps the others' results.

Where DESIGN is silent, decided here:
- a mutant that times out counts as killed (the tests noticed it), one no test reaches as
  survived (the tests cannot notice it);
- an equivalent mutant is named with its reason in EQUIVALENT, together with a piece of its
  diff: when the module changes and the number points at another mutant, the text no longer
  matches and the mutant is counted as not yet killed instead of silently excused;
- the score is killed / (mutants − equivalent); the target is 95 % per module.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"
WORK = ROOT / "mutants"
REPORT = ROOT / "docs" / "quality.md"
KEPT = ROOT / "docs" / "quality.json"  # each module's last results, for a run of some modules
TARGET = 0.95

# Each pure module, smallest first, and the test files that state its rules.
MODULES = {
    "numbers": ("cdess/numbers.py", ["tests/test_numbers.py"]),
    "clock": ("cdess/clock.py", ["tests/test_clock.py"]),
    "certificates": ("cdess/certificates/rules.py", ["tests/certificates/test_rules.py"]),
    "reports": ("cdess/reports/rules.py", ["tests/reports/test_rules.py"]),
    "followup": ("cdess/certificates/followup.py", ["tests/certificates/test_followup.py"]),
    "eligibility": ("cdess/charter/eligibility.py", ["tests/charter/test_eligibility.py"]),
    "versions": (
        "cdess/charter/versions.py",
        ["tests/charter/test_versions.py", "tests/charter/test_versions_fields.py"],
    ),
    "rules": (
        "cdess/sessions/rules.py",
        [
            "tests/sessions/test_rules.py",
            "tests/sessions/test_rules_sentences.py",
            "tests/sessions/test_rules_edges.py",
        ],
    ),
    "charts": (
        "cdess/dashboard/charts.py",
        ["tests/dashboard/test_charts.py", "tests/dashboard/test_charts_golden.py"],
    ),
    "scoring": (
        "cdess/charter/scoring.py",
        [
            "tests/charter/test_scoring.py",
            "tests/charter/test_scoring_rules.py",
            "tests/charter/test_scoring_edges.py",
        ],
    ),
}

# mutant name → (a line of its diff, why no test can tell it from the original).
EQUIVALENT: dict[str, tuple[str, str]] = {
    "cdess.charter.eligibility.x_correction__mutmut_43": (
        '"XXnumberXX"',
        "`scoring.validate_answer` already returns a float for a number (`parse_number`), so"
        " the `float(value)` it guards changes nothing",
    ),
    **{
        f"cdess.charter.versions.x__wording_fields__mutmut_{number}": (
            f'"{field}": criterion.get("{field}") or "XXXX"',
            "both versions go through the same function: a missing or empty text reads as"
            " « XXXX » on both sides, a written one as itself, so two versions compare alike"
            " (only a text written literally « XXXX » would tell)",
        )
        for number, field in ((7, "question"), (14, "help"), (21, "recommendation"), (28, "unit"))
    },
    **{
        f"cdess.charter.scoring.x__format_number__mutmut_{number}": (
            piece,
            "`F` and `f` format a Decimal alike but for infinities and NaN, which are never"
            " limits (the range and the bands hold finite numbers)",
        )
        for number, piece in ((17, '",F"'), (22, 'else "F"'))
    },
    "cdess.charter.scoring.x__has_failing_answer__mutmut_19": (
        "-1e+18",
        "`-1e+18` is the same number as `-1e18`",
    ),
    "cdess.charter.scoring.x__has_failing_answer__mutmut_26": (
        "return True",
        "never reached: it is called only for a scored criterion of a known type (a free-text"
        " one is refused before, an unknown type returns early), each with its own branch",
    ),
    "cdess.charter.scoring.x_score__mutmut_84": (
        "min(101.0,",
        "a principle earns at most what it makes available, so earned / available × 100 is"
        " never above 100 (an exact 100 when equal): the clamp only guards",
    ),
    **{
        f"cdess.charter.scoring.xǁAssessmentResultǁas_dict__mutmut_{number}": (
            piece,
            "every criterion row has exactly CriterionResult's six fields, so `zip` never"
            " meets rows of another length for `strict` to catch",
        )
        for number, piece in ((13, "strict=None"), (16, "row, )"), (17, "strict=False"))
    },
    "cdess.sessions.rules.x_tally__mutmut_81": (
        "pour >= contre",
        "inside `if pour != contre`: `>=` and `>` agree when the two differ",
    ),
    "cdess.charter.eligibility.x_correction__mutmut_44": (
        '"NUMBER"',
        "as above: `float(value)` of a float",
    ),
}

KILLED = {"killed", "timeout"}


def sha256(path: str) -> str:
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()


def module_config(module: str, tests: list[str]) -> str:
    """The project's pyproject.toml with the mutmut selection narrowed to one module."""
    text = (ROOT / "pyproject.toml").read_text()
    for key, value in (("only_mutate", [module]), ("pytest_add_cli_args_test_selection", tests)):
        text, count = re.subn(
            rf"(?m)^{key} = \[.*\]$", f"{key} = {json.dumps(value)}", text, count=1
        )
        if count != 1:
            sys.exit(f"pyproject.toml: [tool.mutmut] needs a one-line `{key} = [...]`")
    mutmut = tomllib.loads(text)["tool"]["mutmut"]
    assert mutmut["only_mutate"] == [module], mutmut
    return text


def prepare(name: str, module: str, tests: list[str]) -> Path:
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    for link in ("cdess", "tests"):
        if not (work / link).is_symlink():
            (work / link).symlink_to(ROOT / link)
    selection = list(tests)
    for test in needing_the_app(tests):
        selection += ["--deselect", test]
    (work / "pyproject.toml").write_text(module_config(module, selection))
    return work


def needing_the_app(tests: list[str]) -> list[str]:
    """The tests of these files that use the `app` fixture (a database): left out, as
    tests/conftest.py leaves out the others on PostgreSQL."""
    listing = subprocess.run(
        [sys.executable, __file__, "--list-app-tests", *tests],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(set(listing.split()))


def list_app_tests(tests: list[str]) -> None:
    import pytest

    class Collector:
        def pytest_collection_modifyitems(self, items):
            for item in items:
                if "app" in getattr(item, "fixturenames", ()):
                    print(item.nodeid.partition("[")[0], file=sys.__stdout__)

    with open(os.devnull, "w") as quiet:
        sys.stdout = quiet
        code = pytest.main(
            ["--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider", *tests],
            plugins=[Collector()],
        )
    sys.exit(code)


def run(name: str, *, survivors_only: bool) -> None:
    module, tests = MODULES[name]
    work = prepare(name, module, tests)
    if not survivors_only:
        # mutmut keeps a verdict until the code changes, not when the tests do: start afresh.
        shutil.rmtree(work / "mutants", ignore_errors=True)
    digest = sha256(module)
    started = time.monotonic()
    mutmut(work, "run", "--max-children", "2")
    if survivors_only:
        again = list(statuses(work).keys() - killed(statuses(work)))
        if again:
            mutmut(work, "run", "--max-children", "2", *again)
    seconds = round(time.monotonic() - started)
    if survivors_only and (work / "run.json").exists():
        seconds = json.loads((work / "run.json").read_text())["seconds"]  # the whole run's
    (work / "run.json").write_text(json.dumps({"sha256": digest, "seconds": seconds}))


def results(name: str) -> dict | None:
    """A module's mutant count, how many were killed and the diff of each survivor: from its
    run in mutants/ if there is one, else as kept in docs/quality.json; None if never run."""
    module, _tests = MODULES[name]
    work = WORK / name
    if not (work / "run.json").exists():
        kept = json.loads(KEPT.read_text()) if KEPT.exists() else {}
        return kept.get(name)
    found = statuses(work)
    alive = sorted(found.keys() - killed(found), key=mutant_number)
    shown = diffs(work, alive)
    return {
        "module": module,
        "mutants": len(found),
        "killed": len(killed(found)),
        "survivors": {mutant: [found[mutant], shown[mutant]] for mutant in alive},
        **json.loads((work / "run.json").read_text()),
    }


def mutmut(work: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([str(MUTMUT), *args], cwd=work, env=env, check=False)
    if done.returncode:
        sys.exit(f"mutmut {args[0]} failed in {work} (exit {done.returncode})")


def statuses(work: Path) -> dict[str, str]:
    listing = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(re.findall(r"(?m)^\s+(\S+): (.+)$", listing))


def killed(found: dict[str, str]) -> set[str]:
    return {mutant for mutant, status in found.items() if status in KILLED}


def mutant_number(mutant: str) -> tuple[str, int]:
    head, _, number = mutant.rpartition("_")
    return head, int(number) if number.isdigit() else 0


def diffs(work: Path, mutants: list[str]) -> dict[str, str]:
    """The changed lines of each mutant, read by mutmut in one process (`mutmut show` each)."""
    if not mutants:
        return {}
    shown = subprocess.run(
        [sys.executable, __file__, "--diffs", *mutants],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        mutant: "\n".join(
            line
            for line in text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )
        for mutant, text in json.loads(shown).items()
    }


def print_diffs(mutants: list[str]) -> None:
    from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant

    shown = {m: get_diff_for_mutant(m, path=find_mutant(m).path) for m in mutants}
    print(json.dumps(shown))


def is_equivalent(mutant: str, mutated: str) -> str | None:
    piece, reason = EQUIVALENT.get(mutant, ("", ""))
    return reason if piece and piece in mutated else None


def report(found: dict[str, dict | None]) -> str:
    lines = [
        "# Quality: mutation testing of the pure rule modules",
        "",
        "Generated by `make mutation` (bench/mutation.py, mutmut 3): each module is mutated and",
        "run against its own test files only — no database, no application. Do not edit by",
        "hand: tests/test_quality.py fails when a module's sha256 below is no longer the",
        "module's (« regenerate docs/quality.md with make mutation »).",
        "",
        "    make mutation                                    # every module, from scratch",
        "    .venv/bin/python bench/mutation.py clock numbers   # some modules",
        "    .venv/bin/python bench/mutation.py --survivors rules   # retest the survivors only",
        "    cd mutants/rules && ../../.venv/bin/mutmut show <mutant>   # read a mutant",
        "",
        "A mutant that times out counts as killed; one no test reaches, as survived. Score =",
        f"killed / (mutants − equivalent); target ≥ {TARGET:.0%} per module.",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| module | tests | mutants | killed | survived | equivalent | score | run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    details = []
    for name, data in found.items():
        module, tests = MODULES[name]
        if data is None:
            lines.append(f"| `{module}` | {', '.join(tests)} | not run | | | | | |")
            continue
        total, dead = data["mutants"], data["killed"]
        excused = {m: is_equivalent(m, d) for m, (_s, d) in data["survivors"].items()}
        equivalent = sum(reason is not None for reason in excused.values())
        live = total - equivalent
        score = f"{dead / live:.1%}" if live else "—"
        lines.append(
            f"| `{module}` | {', '.join(f'`{t}`' for t in tests)} | {total} | {dead} "
            f"| {total - dead} | {equivalent} | {score} | {data['seconds']} s |"
        )
        details += ["", f"## `{module}`", ""]
        if not data["survivors"]:
            details.append("Every mutant killed.")
        for mutant, (status, mutated) in data["survivors"].items():
            reason = excused[mutant]
            verdict = f"equivalent: {reason}" if reason else f"**{status}, not yet killed**"
            details += [f"- `{mutant}` — {verdict}", "", "  ```diff"]
            details += [f"  {line}" for line in mutated.splitlines()]
            details += ["  ```", ""]
    ran = [data["seconds"] for data in found.values() if data is not None]
    lines += [
        "",
        f"The runs took {sum(ran)} s in all ({len(ran)} modules, two mutmut workers sharing "
        "the machine's two cores); `run` is each module's own time.",
    ]
    lines += details
    lines += ["", "## Module hashes", ""]
    for name, data in found.items():
        if data is not None:
            lines.append(f"- `{MODULES[name][0]}` sha256 `{data['sha256']}`")
    return "\n".join(lines).rstrip() + "\n"


def main(args: list[str]) -> None:
    if args[:1] == ["--list-app-tests"]:
        list_app_tests(args[1:])
    if args[:1] == ["--diffs"]:
        return print_diffs(args[1:])
    survivors_only = "--survivors" in args
    names = [arg for arg in args if arg not in ("--survivors", "--report")]
    unknown = set(names) - set(MODULES)
    if unknown:
        sys.exit(f"unknown modules {sorted(unknown)}; choose among {list(MODULES)}")
    if "--report" not in args:  # --report: only rewrite docs/quality.md from the last runs
        for name in names or MODULES:
            run(name, survivors_only=survivors_only)
    found = {name: results(name) for name in MODULES}
    REPORT.write_text(report(found))
    KEPT.write_text(json.dumps(found, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {REPORT.relative_to(ROOT)} and {KEPT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
