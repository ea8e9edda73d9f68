"""``mohtasib register``: validate, show, export and assess from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import yaml
from click.testing import CliRunner

from mohtasib.cli._main import _Group
from mohtasib.cli._register import register
from tests.conftest import REPO

CARDS = REPO / "examples" / "register"
LAHORE = CARDS / "lahore-face-search.yaml"


@click.group(cls=_Group)
def root() -> None:
    """Stand-in for the top-level group (the error edge)."""


root.add_command(register)


def _run(*args: str):
    return CliRunner().invoke(root, ["register", *args])


def test_validate_valid_card():
    result = _run("validate", str(LAHORE))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_lists_every_error_and_exits_3(tmp_path: Path):
    data = yaml.safe_load(LAHORE.read_text(encoding="utf-8"))
    data["public_summary"]["capability_type"] = "mind-reading"
    del data["record"]["id"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _run("validate", str(bad))
    assert result.exit_code == 3
    assert "$.public_summary.capability_type" in result.output
    assert "$.record: 'id' is a required property" in result.output


def test_show_public_hides_restricted():
    result = _run("show", str(LAHORE), "--public")
    assert result.exit_code == 0
    assert "contract_reference" not in json.loads(result.output)["accountability"]["suppliers"][0]


def test_assess_prints_level():
    result = _run("assess", str(CARDS / "lahore-face-search.answers.yaml"))
    assert json.loads(result.output)["level"] == "II"


def test_export_writes_a_self_contained_site(tmp_path: Path):
    cards = sorted(str(p) for p in CARDS.glob("*.yaml") if "answers" not in p.name)
    result = _run("export", *cards, "--public", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    pages = sorted(tmp_path.glob("*.html"))
    assert len(pages) == 12 and len(list(tmp_path.glob("*.json"))) == 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"https?:", text), page.name
        assert 'dir="rtl"' in text
    assert "contract_reference" not in (tmp_path / "lahore-safe-city-face-search.json").read_text()


def test_export_requires_public(tmp_path: Path):
    assert _run("export", str(LAHORE), "--out", str(tmp_path)).exit_code == 2
