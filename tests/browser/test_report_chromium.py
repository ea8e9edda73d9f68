"""The HTML report renders in a real browser (headless Chromium) with the network cut off."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mohtasib.audit import run_demo
from tests.conftest import require

pytestmark = pytest.mark.browser

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name fails to resolve: a report that needs the network shows it.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    require("MOHTASIB_REQUIRE_BROWSER", "Chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out_dir=out).html_path


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [_chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_dom_has_sections_tables_and_figures(demo_report, tmp_path):
    result = _run(["--virtual-time-budget=2000", "--dump-dom", demo_report.as_uri()], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert 'id="fairness"' in dom
    assert 'id="stops"' in dom
    assert 'id="biometrics"' in dom
    assert 'id="biometrics-cross-group-fmr"' in dom  # the cross-group FMR heat map
    assert 'id="biometrics-safeguards"' in dom
    assert 'id="privacy"' in dom
    assert 'id="privacy-scan-totals"' in dom
    assert 'id="privacy-anonymity"' in dom
    assert 'id="privacy-release-counts"' in dom
    assert 'id="forecast"' in dom
    assert 'id="forecast-scores"' in dom
    assert 'id="forecast-map"' in dom
    assert dom.count("<svg") >= 13
    assert "False positive rate" in dom
    assert "Veil of darkness" in dom
    disclaimer = "it does not certify any system as fair, unbiased or safe."
    assert disclaimer in dom.lower()
    text = dom.lower().replace(disclaimer, "")
    for word in ("fair", "unbiased", "safe", "anonymous", "compliant"):
        assert f" {word} " not in text and f" {word}." not in text, word


def test_report_screenshot_is_not_blank(demo_report, tmp_path):
    shot = tmp_path / "report.png"
    result = _run(
        ["--window-size=1280,2400", f"--screenshot={shot}", demo_report.as_uri()], tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank page compresses to a few kilobytes; a rendered report with tables does not.
    assert len(data) > 50_000
