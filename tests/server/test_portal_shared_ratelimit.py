"""The sign-in limiter shared through the portal database: atomic across processes, expiring."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.server import create_app
from mohtasib.server._auth import SharedRateLimiter, limit_digest
from mohtasib.server._db import PortalDB
from tests.server.conftest import PASSWORDS, csrf_of, make_app

WINDOW = 300.0


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "portal.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[PortalDB]:
    opened = PortalDB(db_url)
    yield opened
    opened.close()


def test_limit_window_release_and_reset(db: PortalDB) -> None:
    limiter = SharedRateLimiter(db, limit=3, window=WINDOW)
    assert [limiter.acquire("ip:a", "user:x", now=100.0 + i) for i in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    # refused: the account is at its limit, and the address was not charged for it
    assert not limiter.acquire("ip:b", "user:x", now=110.0)
    assert [limiter.acquire("ip:b", "user:y", now=111.0) for _ in range(3)] == [True] * 3
    assert not limiter.acquire("ip:b", "user:z", now=112.0)
    # the window starts at the first attempt and ends WINDOW seconds later
    assert not limiter.acquire("ip:a", now=100.0 + WINDOW - 0.5)
    assert limiter.acquire("ip:a", now=100.0 + WINDOW)
    # a success takes its attempt back; reset forgets the account's attempts
    limiter.release("ip:b")
    assert limiter.acquire("ip:b", now=113.0)
    limiter.reset("user:x")
    assert limiter.acquire("ip:c", "user:x", now=114.0)


def test_ended_windows_are_deleted(db: PortalDB) -> None:
    limiter = SharedRateLimiter(db, limit=5, window=WINDOW)
    for i in range(20):
        limiter.acquire(f"user:SYN-{i}", now=1000.0)
    limiter.acquire("user:later", now=1000.0 + 2 * WINDOW)
    rows = db._execute("SELECT limit_key FROM portal_login_limits", ())
    assert [row[0] for row in rows] == [limit_digest("user:later")]


def test_names_and_addresses_are_not_stored_in_clear(db: PortalDB) -> None:
    limiter = SharedRateLimiter(db, limit=5, window=WINDOW)
    limiter.acquire("ip:192.0.2.7", "user:hunter2-typed-as-a-name", now=1000.0)
    stored = {row[0] for row in db._execute("SELECT limit_key FROM portal_login_limits", ())}
    assert stored == {limit_digest("ip:192.0.2.7"), limit_digest("user:hunter2-typed-as-a-name")}
    assert all(len(key) == 64 and "hunter2" not in key and "192" not in key for key in stored)


def _attempts(url: str, key: str, tries: int, start: float) -> int:
    """In a process of its own: how many of ``tries`` attempts the shared limiter let through."""
    db = PortalDB(url)
    try:
        limiter = SharedRateLimiter(db, limit=5, window=WINDOW)
        time.sleep(max(0.0, start - time.time()))  # every process starts at the same moment
        return sum(limiter.acquire(key) for _ in range(tries))
    finally:
        db.close()


def test_processes_share_one_limit(db: PortalDB, db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = time.time() + 4.0  # after the 4 processes have started
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        jobs = [pool.submit(_attempts, db_url, "ip:203.0.113.9", 10, start) for _ in range(4)]
        passed = [job.result() for job in jobs]
    assert sum(passed) == 5  # 40 attempts at once from 4 processes: exactly the limit


def _try(app: FastAPI, peer: str, username: str, password: str) -> int:
    with closing(
        TestClient(app, base_url="https://testserver", client=(peer, 40000), follow_redirects=False)
    ) as client:
        page = client.get("/login")
        data = {"csrf_token": csrf_of(page.text), "username": username, "password": password}
        return client.post("/login", data=data).status_code


def test_two_portals_of_one_database_share_the_limit(tmp_path: Path) -> None:
    first = make_app(tmp_path)
    second = create_app(first.state.portal.settings)  # a second worker process, in effect
    try:
        apps = [first, second]
        for i in range(5):  # alternately on each worker, one address
            assert _try(apps[i % 2], "198.51.100.7", f"SYN-USER-{i}", "x" * 14) == 401
        assert _try(first, "198.51.100.7", "SYN-USER-9", "x" * 14) == 429
        assert _try(second, "198.51.100.7", "SYN-USER-9", "x" * 14) == 429
        # a right password from another address signs in, and is not left counted
        right = PASSWORDS["demo-auditor"]
        for _ in range(6):
            assert _try(second, "198.51.100.8", "demo-auditor", right) == 303
    finally:
        second.state.portal.close()
        first.state.portal.close()
