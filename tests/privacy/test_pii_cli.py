"""``mohtasib privacy scan`` and ``redact`` on a folder and a CSV; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from mohtasib.cli._main import _Group
from mohtasib.cli._privacy import privacy

CNIC = "35202-1234567-1"


@pytest.fixture
def cli() -> click.Group:
    group = _Group()  # the real error edge, independent of _register()
    group.add_command(privacy)
    return group


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "firs"
    docs.mkdir()
    (docs / "a.txt").write_text(f"Complainant Ali Khan s/o Bilal Shah, CNIC {CNIC}.", "utf-8")
    (docs / "b.txt").write_text("Car LEA-1234 seen at KM 45.", "utf-8")
    return docs


def test_scan_folder_counts_without_values(cli: click.Group, folder: Path) -> None:
    result = CliRunner().invoke(cli, ["privacy", "scan", str(folder)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["totals"]["CNIC"] == 1 and report["totals"]["VEHICLE_PLATE"] == 1
    assert report["totals"]["PERSON"] == 2 and report["documents"] == 2
    assert CNIC not in result.output and "LEA-1234" not in result.output


def test_scan_html(cli: click.Group, folder: Path) -> None:
    result = CliRunner().invoke(cli, ["privacy", "scan", str(folder), "--format", "html"])
    assert result.exit_code == 0 and "<table>" in result.output and CNIC not in result.output


def test_redact_folder_writes_a_new_folder(cli: click.Group, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "redacted"
    result = CliRunner().invoke(
        cli, ["privacy", "redact", str(folder), "--operator", "tag", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "<CNIC>" in (out / "a.txt").read_text("utf-8")
    assert "<VEHICLE_PLATE>" in (out / "b.txt").read_text("utf-8")


def test_redact_csv_column_with_pseudonyms(
    cli: click.Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOHTASIB_PSEUDONYM_KEY", "k" * 32)
    data = tmp_path / "notes.csv"
    pd.DataFrame({"id": [1, 2], "note": [f"CNIC {CNIC}", f"again {CNIC}"]}).to_csv(
        data, index=False
    )
    out = tmp_path / "notes-redacted.csv"
    args = ["privacy", "redact", str(data), "--column", "note", "--operator", "pseudonym"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    notes = pd.read_csv(out)["note"].tolist()
    assert CNIC not in " ".join(notes)
    assert notes[0].split()[-1] == notes[1].split()[-1]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_missing_column_is_an_input_error(cli: click.Group, tmp_path: Path) -> None:
    data = tmp_path / "notes.csv"
    pd.DataFrame({"note": ["x"]}).to_csv(data, index=False)
    result = CliRunner().invoke(cli, ["privacy", "scan", str(data), "--column", "text"])
    assert result.exit_code == 3 and "'text'" in result.output


def test_binary_file_is_an_input_error(cli: click.Group, tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(b"\x89PNG\x00\x01")
    result = CliRunner().invoke(cli, ["privacy", "scan", str(path)])
    assert result.exit_code == 3 and "binary" in result.output


def test_non_utf8_file_is_an_input_error(cli: click.Group, tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("CNIC 35202-1234567-1 é".encode("latin-1"))
    result = CliRunner().invoke(cli, ["privacy", "scan", str(path)])
    assert result.exit_code == 3 and "UTF-8" in result.output and CNIC not in result.output


def test_missing_key_writes_nothing(
    cli: click.Group, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOHTASIB_PSEUDONYM_KEY", raising=False)
    out = tmp_path / "out"
    args = ["privacy", "redact", str(folder), "--operator", "pseudonym", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 4 and "MOHTASIB_PSEUDONYM_KEY" in result.output
    assert not out.exists()


def test_progress_bar_on_large_input(cli: click.Group, tmp_path: Path) -> None:
    data = tmp_path / "many.csv"
    pd.DataFrame({"note": [f"row {i} cell 0300-1234567" for i in range(250)]}).to_csv(data)
    result = CliRunner().invoke(cli, ["privacy", "scan", str(data), "--column", "note"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["totals"]["PHONE_NUMBER"] == 250
