"""Imports point one way: cli, server -> audit, report -> domain packages -> io, engine, errors.

A domain package never imports another (except feedback -> forecast), never imports click,
FastAPI or Jinja2, and ``ledger/verify.py`` imports only the standard library and
``mohtasib.errors``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mohtasib"

FOUNDATION = {"errors", "_validation", "_json", "_binomial", "io", "engine", "__init__"}
DOMAIN = {"forecast", "feedback", "fairness", "biometrics", "privacy", "ledger", "register"}
ASSEMBLY = {"audit", "report"}
EDGE = {"cli", "server"}
ALLOWED_DOMAIN_EDGES = {("feedback", "forecast")}
# cli -> server: `mohtasib serve` starts the portal app (both are edges; the app never imports cli).
ALLOWED_SAME_LAYER = {("audit", "report"), ("cli", "server")}
EDGE_LIBRARIES = {"click", "fastapi", "jinja2", "starlette", "uvicorn"}


def _layer(top: str) -> str:
    for name, members in (
        ("foundation", FOUNDATION),
        ("domain", DOMAIN),
        ("assembly", ASSEMBLY),
        ("edge", EDGE),
    ):
        if top in members:
            return name
    return "data" if top == "data" else "unknown"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mohtasib":  # from mohtasib import fairness -> mohtasib.fairness
                out.extend(f"mohtasib.{alias.name}" for alias in node.names)
            else:
                out.append(node.module)
    return out


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        out.append((parts[0], path))
    return out


def test_every_top_level_module_has_a_layer():
    unknown = {top for top, _ in _modules() if _layer(top) == "unknown"}
    assert not unknown, f"modules outside the layer map: {sorted(unknown)}"


@pytest.mark.parametrize(("top", "path"), _modules(), ids=str)
def test_imports_point_one_way(top, path):
    rank = {"foundation": 0, "data": 0, "domain": 1, "assembly": 2, "edge": 3}
    own = _layer(top)
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "mohtasib" and len(parts) > 1:
            target = parts[1]
            if target == top:
                continue
            other = _layer(target)
            same_ok = own == other == "foundation" or (top, target) in ALLOWED_SAME_LAYER
            if own == other == "domain":
                same_ok = (top, target) in ALLOWED_DOMAIN_EDGES
            assert rank.get(other, 0) < rank[own] or same_ok, (
                f"{path.relative_to(PACKAGE)} ({own}) imports mohtasib.{target} ({other})"
            )
        if own in {"domain", "foundation"}:
            assert parts[0] not in EDGE_LIBRARIES, (
                f"{path.relative_to(PACKAGE)} imports {parts[0]}; only cli/server/report may"
            )


def test_architecture_check_catches_a_violation(tmp_path):
    # The rule must be able to fail: an edge import from the domain layer is rejected.
    bad = tmp_path / "bad.py"
    bad.write_text("import click\nfrom mohtasib.cli import cli\n")
    names = _imports(bad)
    assert "click" in names
    assert "mohtasib.cli" in names
    assert _layer("cli") == "edge"


def test_standard_library_only_verifier_if_present():
    verify = PACKAGE / "ledger" / "verify.py"
    if not verify.exists():
        pytest.skip("mohtasib/ledger/verify.py is not written yet (ledger issue)")
    allowed = set(sys.stdlib_module_names) | {"mohtasib"}
    for name in _imports(verify):
        assert name.split(".")[0] in allowed, f"verify.py imports {name}"
