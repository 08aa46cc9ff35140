"""docs/quality.md (written by `make mutation`) must describe the pure modules as they are:
it records each one's sha256, and a module changed since fails here until the document is
regenerated. A pure module it does not list fails too."""

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "quality.md"
PURE_MODULES = [
    "cdess/numbers.py",
    "cdess/clock.py",
    "cdess/certificates/rules.py",
    "cdess/reports/rules.py",
    "cdess/certificates/followup.py",
    "cdess/charter/eligibility.py",
    "cdess/charter/versions.py",
    "cdess/sessions/rules.py",
    "cdess/charter/scoring.py",
    "cdess/dashboard/charts.py",
]
STALE = "regenerate docs/quality.md with make mutation"


def recorded() -> dict[str, str]:
    text = REPORT.read_text(encoding="utf-8")
    return dict(re.findall(r"(?m)^- `([^`]+\.py)` sha256 `([0-9a-f]{64})`$", text))


@pytest.mark.parametrize("module", PURE_MODULES)
def test_quality_report_is_up_to_date(module):
    digests = recorded()
    assert module in digests, f"{module} has no mutation score: {STALE}"
    now = hashlib.sha256((ROOT / module).read_bytes()).hexdigest()
    assert digests[module] == now, f"{module} changed since its mutation run: {STALE}"


def test_the_report_lists_the_modules_the_driver_runs():
    driver = (ROOT / "bench" / "mutation.py").read_text(encoding="utf-8")
    assert set(re.findall(r'"(cdess/[\w/]+\.py)"', driver)) == set(PURE_MODULES)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_every_module_reaches_the_target(module):
    """The table's row of each module: its score is 95 % or more."""
    text = REPORT.read_text(encoding="utf-8")
    row = re.search(rf"(?m)^\| `{re.escape(module)}` \|.*\| ([\d.]+)% \| \d+ s \|$", text)
    assert row, f"{module} has no score in docs/quality.md: {STALE}"
    assert float(row.group(1)) >= 95.0
