"""Shared fixtures: the repository root, the bundled demo data and ../shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "mohtasib" / "data" / "demo"
SHARED = REPO.parent / "shared" / "data"


def require(env_var: str, reason: str) -> None:
    """Skip with ``reason``, or fail when ``env_var`` is set (CI must not skip)."""
    if os.environ.get(env_var):
        pytest.fail(f"{reason} ({env_var} is set, so this test may not be skipped)")
    pytest.skip(reason)


@pytest.fixture
def demo_dir() -> Path:
    return DEMO


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED}); this check needs the real data sets")
    return SHARED
