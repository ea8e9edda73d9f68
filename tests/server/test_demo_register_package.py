"""The demo register ships inside the package: `mohtasib serve --demo` works from any directory."""

from __future__ import annotations

import importlib.resources
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

import mohtasib
from mohtasib.cli._serve import serve_command
from mohtasib.errors import ConfigError
from mohtasib.server import _demo
from mohtasib.server._demo import demo_register_dir
from tests.conftest import REPO
from tests.server.conftest import REPORT_HTML

EXAMPLES = REPO / "examples" / "register"


def test_packaged_cards_are_byte_identical_to_the_documented_examples() -> None:
    packaged = demo_register_dir()
    assert packaged.is_relative_to(Path(mohtasib.__file__).parent)  # inside the package
    names = sorted(p.name for p in packaged.glob("*.yaml"))
    assert names == sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    assert len([n for n in names if not n.endswith(".answers.yaml")]) == 5
    for name in names:
        assert (packaged / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_serve_demo_from_a_directory_without_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.html").write_bytes(REPORT_HTML)
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    seen: dict[str, Any] = {}

    def fake_run(app: FastAPI, **kwargs: Any) -> None:
        seen.update(kwargs)
        seen["register_dir"] = app.state.portal.settings.register_dir
        with closing(TestClient(app)) as client:
            seen["register"] = client.get("/register").text

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = CliRunner().invoke(serve_command, ["--demo", "--report-dir", "."])
    assert result.exit_code == 0, result.output
    assert seen["register_dir"] == demo_register_dir()
    assert not seen["register_dir"].is_relative_to(REPO / "examples")
    assert seen["register"].count("Illustrative example") == 5
    assert seen["proxy_headers"] is False  # only the portal's trusted_proxies reads the header


def test_build_demo_defaults_to_the_packaged_register(tmp_path: Path) -> None:
    built = _demo.build_demo(tmp_path / "portal", accesses=2)
    assert built.settings.register_dir == demo_register_dir()


def test_missing_packaged_register_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class _Files:
        def __truediv__(self, _name: str) -> Any:
            return tmp_path / "nothing"

    monkeypatch.setattr(importlib.resources, "files", lambda _package: _Files())
    with pytest.raises(ConfigError, match="give --register-dir"):
        demo_register_dir()
