"""Ledger fixtures: keys, a record factory, and stores (memory, SQLite, a throwaway PostgreSQL).

The PostgreSQL server is started once per session: ``initdb`` into a temporary
directory (as the ``postgres`` user when the tests run as root), then
``pg_ctl start`` listening on 127.0.0.1 at a free port. Each test gets its own
schema. Without ``initdb`` the PostgreSQL cases skip, or fail when
``MOHTASIB_REQUIRE_POSTGRES`` is set (CI).
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey

from mohtasib.ledger._memory import MemoryLedgerStore
from mohtasib.ledger._records import AccessRecord, Fir, Warrant, pseudonymise
from mohtasib.ledger._store import LedgerStore
from tests.conftest import require

PKT = dt.timezone(dt.timedelta(hours=5))
PSEUDONYM_KEY = b"k" * 32
REQUIRE_POSTGRES = "MOHTASIB_REQUIRE_POSTGRES"


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a throwaway PostgreSQL server on loopback (session-wide)."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        require(
            REQUIRE_POSTGRES, "PostgreSQL tests need initdb and pg_ctl (apt-get install postgresql)"
        )
    assert initdb is not None and pg_ctl is not None
    base = Path(tempfile.mkdtemp(prefix="mohtasib-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        shutil.chown(base, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    try:
        subprocess.run(
            [
                *prefix,
                initdb,
                "-D",
                str(data),
                "-U",
                "mohtasib",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                options,
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}")
    try:
        yield f"postgresql://mohtasib@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema on the session server; the URL sets it as the search path."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(backend, URL or path) for each backend."""
    backend = request.param
    if backend == "memory":
        return backend, "memory:"
    if backend == "sqlite":
        return backend, str(tmp_path / "ledger.db")
    return backend, request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_target: tuple[str, str]) -> Iterator[LedgerStore]:
    """An empty store of each backend."""
    from mohtasib.ledger._store import open_store

    opened = open_store(store_target[1])
    yield opened
    opened.close()


@pytest.fixture
def memory_store() -> MemoryLedgerStore:
    return MemoryLedgerStore()


@pytest.fixture(scope="session")
def oversight_key() -> PrivateKey:
    return PrivateKey(bytes(range(32)))


@pytest.fixture
def make_record() -> Callable[..., AccessRecord]:
    """Factory of valid records; keyword arguments override fields."""

    def make(**overrides: Any) -> AccessRecord:
        fields: dict[str, Any] = {
            "requester": "INSP-1234",
            "role": "investigating_officer",
            "time": dt.datetime(2025, 1, 5, 10, 0, tzinfo=PKT),
            "system": "psca-lahore-anpr",
            "action": "plate_search",
            "target": pseudonymise("LEA-1234", PSEUDONYM_KEY),
            "legal_authority": Fir("123/2025", "Civil Lines", "Lahore"),
            "purpose": "investigation",
            "approver": None,
            "outcome": "no_match",
            "retention_class": "standard",
        }
        fields.update(overrides)
        return AccessRecord(**fields)

    return make


@pytest.fixture
def warrant() -> Warrant:
    return Warrant(
        "W-7/2025", "Sessions Court Lahore", "Judge A", dt.date(2025, 1, 1), dt.date(2025, 2, 15)
    )
