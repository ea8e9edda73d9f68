"""``mohtasib privacy kanon``: JSON to standard output, errors to exit codes. SYNTHETIC data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from mohtasib.cli._main import _Group
from mohtasib.cli._privacy import privacy

# The privacy group on its own under the error edge (exit codes), whether or not the
# top-level ``mohtasib`` group has registered it yet.
cli = _Group(commands={"privacy": privacy})


def _write(tmp_path, n=300):
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "age": rng.choice(["18-29", "30-44", "45+"], n),
            "sex": rng.choice(["female", "male"], n),
            "district": rng.choice(["Lahore", "Quetta"], n),
            "offence": rng.choice(["theft", "assault", "robbery"], n),
        }
    )
    path = tmp_path / "incidents.csv"
    data.to_csv(path, index=False)
    return path


def test_kanon_command_writes_json(tmp_path):
    path = _write(tmp_path)
    args = ["privacy", "kanon", str(path), "--qi", "age,sex,district", "--sensitive", "offence"]
    result = CliRunner().invoke(cli, [*args, "--k", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["kind"] == "anonymity" and out["targets"] == {"k": 5, "l": 2, "t": 0.2}
    assert out["quasi_identifiers"] == ["age", "sex", "district"]


def test_kanon_command_html(tmp_path):
    path = _write(tmp_path)
    args = ["privacy", "kanon", str(path), "--qi", "age,sex", "--format", "html"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "<h1>Anonymity check</h1>" in result.stdout


def test_kanon_command_names_missing_column(tmp_path):
    path = _write(tmp_path)
    result = CliRunner().invoke(cli, ["privacy", "kanon", str(path), "--qi", "age,religion"])
    assert result.exit_code == 3
    assert "religion" in result.stderr


def test_kanon_command_k_larger_than_data(tmp_path):
    path = _write(tmp_path, n=10)
    result = CliRunner().invoke(cli, ["privacy", "kanon", str(path), "--qi", "age", "--k", "50"])
    assert result.exit_code == 5 and "k=50" in result.stderr
