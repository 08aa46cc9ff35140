"""The code's shape: imports run one way, from the higher packages down (README, « Map of the
code »). A package that needs to reach up sends a signal (`cdess/signals.py`) instead."""

import ast
from pathlib import Path

import cdess

PACKAGE = Path(cdess.__file__).parent

# Lowest first. A module may import its own layer or lower ones, never a higher one.
LAYERS = (
    ("clock", "numbers", "labels", "signals", "extensions", "config", "storage"),
    ("ops",),  # health and backups: below every domain (the web's /healthz reads it)
    ("web",),
    ("territories",),
    ("audit",),
    ("notifications",),
    ("accounts",),
    ("jobs",),  # long work after the commit: each domain above registers what its jobs do
    ("structures",),
    ("charter",),
    ("assessments",),
    ("applications",),
    ("sessions",),
    ("certificates", "credentials"),
    ("followups", "reports"),
    ("opendata",),
    ("dashboard",),  # reads every domain below it
    ("privacy",),  # personal-data rights: a person's data in every domain, erasure, retention
    ("legal",),  # the legal pages: the settings and every domain's menu entries
    ("demo", "cli", "models", "__init__"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

# A process of the PDF pool builds its own application: the one import of the top allowed.
ALLOWED = {("certificates/document.py", "__init__")}


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "cdess" and len(parts) > 1 else None


def _own_module(name: str) -> str:
    is_module = (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").exists()
    return name if is_module else "__init__"


def _imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "cdess":  # a module of the package, or a name of its __init__
                yield node.lineno, [_own_module(alias.name) for alias in node.names]
            elif (top := _top(node.module)) is not None:
                yield node.lineno, [top]
        elif isinstance(node, ast.Import):
            yield node.lineno, [t for a in node.names if (t := _top(a.name))]


def upward_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        own = relative.parts[0].removesuffix(".py")
        for line, targets in _imports(path):
            for target in targets:
                allowed = (relative.as_posix(), target) in ALLOWED
                if target in RANK and RANK[target] > RANK[own] and not allowed:
                    found.append(f"cdess/{relative}:{line} imports cdess.{target}")
    return found


def test_every_package_has_a_layer():
    packages = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()}
    packages = {p for p in packages if not p.startswith(("_", ".")) or p == "__init__"}
    code = {p for p in packages if (PACKAGE / p).is_dir() or (PACKAGE / f"{p}.py").exists()}
    code -= {"translations", "__pycache__"}
    assert code <= set(RANK), sorted(code - set(RANK))


def test_no_import_runs_up():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The guard itself: a lower package importing a higher one is reported."""
    fake = tmp_path / "cdess"
    (fake / "accounts").mkdir(parents=True)
    (fake / "accounts" / "x.py").write_text("from cdess.sessions import services\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", fake)
    assert upward_imports() == ["cdess/accounts/x.py:1 imports cdess.sessions"]
