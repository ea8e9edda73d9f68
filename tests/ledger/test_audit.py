"""Outside audit: tampering done directly on SQLite and PostgreSQL rows is found, with its index."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from nacl.public import PrivateKey

from mohtasib.ledger._audit import audit_log
from mohtasib.ledger._checkpoint import Checkpoint
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._note import NoteSigner, sign_note
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._store import LedgerStore, open_store
from tests.ledger.conftest import PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]
SIZE = 12


class Tamperer:
    """Runs SQL straight on the database behind a store, as a rogue administrator would."""

    def __init__(self, backend: str, target: str) -> None:
        self.backend, self.target = backend, target
        self.entries = "entries" if backend == "sqlite" else "ledger_entries"
        self.nodes = "nodes" if backend == "sqlite" else "ledger_nodes"
        self.tiles = "tiles" if backend == "sqlite" else "ledger_tiles"

    def run(self, *statements: tuple[str, tuple[object, ...]]) -> None:
        if self.backend == "sqlite":
            with sqlite3.connect(self.target) as db:
                for sql, params in statements:
                    db.execute(sql.format(e=self.entries, n=self.nodes, t=self.tiles), params)
            return
        import psycopg

        with psycopg.connect(self.target) as db:
            for sql, params in statements:
                db.execute(
                    sql.format(e=self.entries, n=self.nodes, t=self.tiles).replace("?", "%s"),
                    params,
                )

    def move(self, src: int, dst: int) -> tuple[str, tuple[object, ...]]:
        return ("UPDATE {e} SET idx = ? WHERE idx = ?", (dst, src))


@pytest.fixture(params=["sqlite", "postgres"])
def tampered(
    request: pytest.FixtureRequest,
    tmp_path: object,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> Iterator[tuple[LedgerStore, Tamperer, list[tuple[int, bytes]]]]:
    """A 12-entry log on a real database, its checkpoints at 4 and 12, and a tamperer."""
    if request.param == "sqlite":
        target = str(request.getfixturevalue("tmp_path") / "ledger.db")
    else:
        target = request.getfixturevalue("postgres_url")
    store = open_store(target)
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    ledger.append_many(make_record(outcome=f"o{i}") for i in range(4))
    ledger.append_many(make_record(outcome=f"o{i}") for i in range(4, SIZE))
    checkpoints = [(4, ledger.root(4)), (SIZE, ledger.root())]
    yield store, Tamperer(request.param, target), checkpoints
    store.close()


def test_untouched_log_passes(tampered: tuple[LedgerStore, Tamperer, list]) -> None:  # type: ignore[type-arg]
    store, _, checkpoints = tampered
    result = audit_log(store, checkpoints)
    assert result.ok, result.findings
    assert (result.size, result.checkpoints_checked) == (SIZE, 2)
    assert result.root == checkpoints[-1][1]


def _kinds(result: object) -> set[str]:
    return {f.kind for f in result.findings}  # type: ignore[attr-defined]


def test_modified_entry_found(tampered: tuple[LedgerStore, Tamperer, list]) -> None:  # type: ignore[type-arg]
    store, tamper, checkpoints = tampered
    forged = store.entry(7).leaf_data
    tamper.run(("UPDATE {e} SET leaf = ? WHERE idx = ?", (forged, 5)))
    result = audit_log(store, checkpoints)
    assert result.first_bad_index == 5
    assert {"leaf_mismatch", "root_mismatch"} <= _kinds(result)
    assert [f.checkpoint for f in result.findings if f.kind == "root_mismatch"] == [1]


def test_deleted_entry_found(tampered: tuple[LedgerStore, Tamperer, list]) -> None:  # type: ignore[type-arg]
    store, tamper, checkpoints = tampered
    tamper.run(("DELETE FROM {e} WHERE idx = ?", (5,)))
    result = audit_log(store, checkpoints)
    assert result.first_bad_index == 5
    assert "missing_entry" in _kinds(result)


def test_deleted_and_renumbered_entry_found(tampered: tuple[LedgerStore, Tamperer, list]) -> None:  # type: ignore[type-arg]
    store, tamper, checkpoints = tampered
    tamper.run(
        ("DELETE FROM {e} WHERE idx = ?", (5,)),
        *(tamper.move(i, i - 1) for i in range(6, SIZE)),
    )
    result = audit_log(store, checkpoints)
    assert result.first_bad_index == 5
    assert {"leaf_mismatch", "truncated"} <= _kinds(result)


def test_inserted_entry_found(tampered: tuple[LedgerStore, Tamperer, list]) -> None:  # type: ignore[type-arg]
    store, tamper, checkpoints = tampered
    copy = store.entry(2)
    tamper.run(
        *(tamper.move(i, i + 1) for i in reversed(range(5, SIZE))),
        ("INSERT INTO {e} (idx, kind, leaf) VALUES (?, ?, ?)", (5, copy.kind, copy.leaf_data)),
    )
    result = audit_log(store, checkpoints)
    assert result.first_bad_index == 5
    assert {"leaf_mismatch", "unexpected_entry", "root_mismatch"} <= _kinds(result)


def test_reordered_entries_found(tampered: tuple[LedgerStore, Tamperer, list]) -> None:  # type: ignore[type-arg]
    store, tamper, checkpoints = tampered
    tamper.run(tamper.move(5, -1), tamper.move(8, 5), tamper.move(-1, 8))
    result = audit_log(store, checkpoints)
    assert result.first_bad_index == 5
    assert "root_mismatch" in _kinds(result)


def test_rewritten_leaf_and_node_still_caught_by_checkpoint(
    tampered: tuple[LedgerStore, Tamperer, list],  # type: ignore[type-arg]
) -> None:
    store, tamper, checkpoints = tampered
    other = store.entry(7)
    hashes = [h for _, h in store.leaf_hashes(0, SIZE)]  # type: ignore[attr-defined]
    hashes[5] = hashes[7]  # the stored leaf hash (tile 0, slot 5) rewritten to match
    tamper.run(
        ("UPDATE {e} SET leaf = ? WHERE idx = ?", (other.leaf_data, 5)),
        ("UPDATE {t} SET hashes = ? WHERE id = ?", (b"".join(hashes), 0)),
    )
    result = audit_log(store, checkpoints)
    assert [(f.kind, f.checkpoint, f.index) for f in result.findings] == [("root_mismatch", 1, 4)]


def test_deleted_body_without_tombstone_found(
    tampered: tuple[LedgerStore, Tamperer, list],  # type: ignore[type-arg]
) -> None:
    store, tamper, checkpoints = tampered
    tamper.run(("UPDATE {e} SET body = NULL WHERE idx = ?", (3,)))
    result = audit_log(store, checkpoints)
    assert [(f.kind, f.index) for f in result.findings] == [("body_without_tombstone", 3)]


def test_fork_rollback_and_truncation_found(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = Ledger(
        memory_store,
        oversight_public_key=bytes(oversight_key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
    )
    ledger.append_many(make_record() for _ in range(6))
    r4, r6 = ledger.root(4), ledger.root(6)
    result = audit_log(memory_store, [(4, r4), (6, r6), (6, r4), (4, r4), (9, r6)])
    found = [(f.kind, f.checkpoint) for f in result.findings]
    assert ("fork", 2) in found
    assert ("rollback", 3) in found
    assert ("root_mismatch", 2) in found
    assert ("truncated", 4) in found


def test_signed_checkpoints_verified_and_forgery_found(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = Ledger(
        memory_store,
        oversight_public_key=bytes(oversight_key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
    )
    ledger.append_many(make_record() for _ in range(5))
    signer = NoteSigner.generate("oversight.example.pk/ledger")
    good = sign_note(
        Checkpoint("oversight.example.pk/ledger", 5, ledger.root()).to_text(), [signer]
    )
    impostor = NoteSigner.generate("oversight.example.pk/ledger")
    forged_text = Checkpoint("oversight.example.pk/ledger", 5, bytes(32)).to_text()
    forged = sign_note(forged_text, [impostor])
    altered = good.replace("\n5\n", "\n4\n", 1)
    result = audit_log(memory_store, [good, forged, altered], verifiers=[signer.verifier()])
    assert result.checkpoints_checked == 1
    assert [(f.kind, f.checkpoint) for f in result.findings] == [
        ("forged_checkpoint", 1),
        ("forged_checkpoint", 2),
    ]
