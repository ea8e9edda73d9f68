"""``mohtasib feedback simulate`` invoked through its click group (SYNTHETIC files)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mohtasib.cli._feedback import feedback
from mohtasib.cli._main import _Group


def _args(grid: Path, records: Path, *extra: str) -> list[str]:
    return ["simulate", "--events", str(records), "--grid", str(grid), "--source-col", "source",
            "--group-property", "zone", "--model", "naive", "--k", "4", "--days", "15",
            "--train-days", "60", "--runs", "3", *extra]  # fmt: skip


def test_simulate_writes_json_with_every_mitigation(grid_file: Path, records_file: Path) -> None:
    result = CliRunner().invoke(
        feedback, _args(grid_file, records_file, "--mitigation", "none,reported-only",
                        "--mitigation", "explore:0.1", "--seed", "3"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [o["mitigation"] for o in doc["outcomes"]] == ["none", "reported-only", "explore:0.1"]
    assert doc["settings"]["random_state"] == 3
    assert {i["role"] for i in doc["inputs"]} == {"records", "cells"}


def test_simulate_writes_a_self_contained_html_report(
    tmp_path: Path, grid_file: Path, records_file: Path
) -> None:
    out = tmp_path / "sim.html"
    result = CliRunner().invoke(
        feedback, _args(grid_file, records_file, "--format", "html", "--out", str(out))
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<svg" in html and "SYNTHETIC" in html and "http://" not in html.replace(
        "http://www.w3.org", "")  # fmt: skip
    assert "Patrols by area group" in html


def test_k_larger_than_the_grid_is_a_clear_error(grid_file: Path, records_file: Path) -> None:
    # Wrapped in the top-level group class, as registration in _main.py will do.
    group = _Group(commands={"feedback": feedback})
    result = CliRunner().invoke(group, ["feedback", *_args(grid_file, records_file), "--k", "99"])
    assert result.exit_code == 4
    assert "k=99 patrols; want 1 <= k <= 36" in result.stderr
    assert "Traceback" not in result.output
