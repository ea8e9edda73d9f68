"""`mohtasib privacy release`: writes the table and a JSON summary; refuses cleanly."""

from __future__ import annotations

import json

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from mohtasib.cli._main import _Group
from mohtasib.cli._privacy import privacy
from mohtasib.privacy import PrivacyBudget


@click.group(cls=_Group)
def _cli() -> None:
    """The privacy group under the same error edge as `mohtasib`."""


_cli.add_command(privacy)


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "events.csv"
    pd.DataFrame(
        {
            "date": ["2019-01-02 10:00", "2019-01-09 11:00", "2019-02-01 00:00"],
            "district": [1, 1, 2],
        }
    ).to_csv(path, index=False)
    return path


def _run(tmp_path, events, *extra):
    args = [
        "privacy", "release", str(events), "--by", "district,month", "--month-from", "date",
        "--keys-from-product", "district=1,2,3", "--keys-from-product", "month=2019-01,2019-02",
        "--budget", str(tmp_path / "budget.json"), "--out", str(tmp_path / "out.csv"), *extra,
    ]  # fmt: skip
    return CliRunner().invoke(_cli, args)


def test_release_writes_table_summary_and_budget(tmp_path, events):
    result = _run(tmp_path, events, "--epsilon", "1", "--budget-total", "2")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["cells"] == 6
    assert summary["mechanism"] == "laplace"
    table = pd.read_csv(tmp_path / "out.csv")
    assert list(table.columns) == ["district", "month", "count", "noisy_count", "error_bound_95"]
    assert PrivacyBudget.load(tmp_path / "budget.json").spent_epsilon == 1.0


def test_delta_selects_gaussian(tmp_path, events):
    result = _run(tmp_path, events, "--epsilon", "1", "--delta", "1e-6", "--budget-total", "2",
                  "--budget-total-delta", "1e-5")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mechanism"] == "gaussian"


def test_exhausted_budget_exits_with_policy_code_and_writes_nothing(tmp_path, events):
    assert _run(tmp_path, events, "--epsilon", "1.5", "--budget-total", "2").exit_code == 0
    (tmp_path / "out.csv").unlink()
    before = (tmp_path / "budget.json").read_bytes()
    result = _run(tmp_path, events, "--epsilon", "1", "--budget-total", "2")
    assert result.exit_code == 7
    assert "budget exhausted" in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert (tmp_path / "budget.json").read_bytes() == before


def test_budget_totals_never_change(tmp_path, events):
    assert _run(tmp_path, events, "--epsilon", "1", "--budget-total", "2").exit_code == 0
    result = _run(tmp_path, events, "--epsilon", "1", "--budget-total", "5")
    assert result.exit_code == 4
    assert "never change" in result.stderr


def test_release_without_keys_is_refused(tmp_path, events):
    args = ["privacy", "release", str(events), "--by", "district", "--epsilon", "1",
            "--budget", str(tmp_path / "b.json"), "--budget-total", "1",
            "--out", str(tmp_path / "o.csv")]  # fmt: skip
    result = CliRunner().invoke(_cli, args)
    assert result.exit_code == 4
    assert "public key set is required" in result.stderr
