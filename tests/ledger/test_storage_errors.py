"""Database failures leave the stores as StorageError, never as a driver exception."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import MohtasibError, StorageError
from mohtasib.ledger import Ledger, SqliteLedgerStore, open_store
from mohtasib.ledger._records import AccessRecord
from tests.ledger.conftest import PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]


def test_corrupt_sqlite_file_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not a SQLite database, only bytes " * 200)
    with pytest.raises(StorageError, match="not a database") as caught:
        SqliteLedgerStore(path)
    assert caught.value.database == str(path)
    assert caught.value.exit_code == 10 and isinstance(caught.value, MohtasibError)


def test_locked_sqlite_database_is_a_storage_error(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    path = tmp_path / "ledger.db"
    store = SqliteLedgerStore(path, busy_timeout=0.05)
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        with pytest.raises(StorageError, match="locked"):
            ledger.append(make_record())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert ledger.append(make_record()).index == 0  # nothing half-written; usable again
    store.close()


def test_unreachable_postgresql_is_a_storage_error() -> None:
    pytest.importorskip("psycopg")
    with socket_closed_port() as port:
        url = f"postgresql://mohtasib:secret-password@127.0.0.1:{port}/ledger"
        with pytest.raises(StorageError, match="cannot connect") as caught:
            open_store(url)
    assert "secret-password" not in str(caught.value)
    assert caught.value.database == f"127.0.0.1:{port}/ledger"


class socket_closed_port:
    """A loopback port with nothing listening on it (bound, then released)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


def test_concurrent_single_appends_share_durable_sqlite_commits(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.db")
    commits = 0
    original = store.append_batch

    def counting(*args: object, **kwargs: object) -> None:
        nonlocal commits
        commits += 1
        original(*args, **kwargs)  # type: ignore[arg-type]

    store.append_batch = counting  # type: ignore[method-assign]
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    barrier = threading.Barrier(8)
    indices: list[int] = []

    def worker() -> None:
        barrier.wait()
        for _ in range(25):
            indices.append(ledger.append(make_record()).index)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(indices) == list(range(200))
    assert commits < 200, "every append committed on its own: no group commit"
    store.close()
    reopened = SqliteLedgerStore(tmp_path / "ledger.db")
    assert reopened.size() == 200  # every acknowledged append is durable
    reopened.close()


class _Dropping(list):  # type: ignore[type-arg]
    """Entry rows that terminate the store's PostgreSQL backend halfway through the COPY."""

    def __init__(self, rows: Sequence[object], kill: Callable[[], None]) -> None:
        super().__init__(rows)
        self.kill = kill

    def __iter__(self) -> Iterator[object]:
        for position, row in enumerate(super().__iter__()):
            if position == len(self) // 2:
                self.kill()
            yield row


def test_postgresql_connection_dropped_mid_append(
    postgres_url: str,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import psycopg

    from mohtasib.ledger import _postgres, _sqlstore
    from mohtasib.ledger._audit import audit_log
    from mohtasib.ledger.verify import verify_consistency

    store = open_store(postgres_url)
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    ledger.append_many(make_record() for _ in range(21))
    checkpoint = (21, ledger.root())
    with store._guard() as db:  # type: ignore[attr-defined]
        backend = db.execute("SELECT pg_backend_pid()").fetchone()[0]

    def kill() -> None:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))

    original = _sqlstore.split_batch

    def dropping(*args: object, **kwargs: object) -> object:
        rows, tiles, nodes = original(*args, **kwargs)  # type: ignore[arg-type]
        return _Dropping(rows, kill), tiles, nodes

    monkeypatch.setattr(_postgres, "split_batch", dropping)
    with pytest.raises(StorageError) as caught:
        ledger.append_many(make_record() for _ in range(40))  # not acknowledged
    assert caught.value.database is not None and "127.0.0.1" in caught.value.database
    assert "terminat" in str(caught.value) or "closed" in str(caught.value), caught.value
    monkeypatch.setattr(_postgres, "split_batch", original)

    # The same store object reconnects; nothing of the failed batch is stored.
    assert store.size() == 21
    assert len(store.entries(0, 100)) == 21
    assert audit_log(store, [checkpoint]).ok
    receipt = ledger.append(make_record())
    assert receipt.index == 21
    verify_consistency(
        ledger.prove_consistency(21, 22), size1=21, size2=22, root1=checkpoint[1],
        root2=ledger.root(),
    )  # fmt: skip
    fresh = open_store(postgres_url)  # and another connection sees the same committed log
    assert fresh.size() == 22 and audit_log(fresh, [checkpoint, (22, ledger.root())]).ok
    fresh.close()
    store.close()
