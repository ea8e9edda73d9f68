"""Retention: expired bodies forgotten, tombstones appended, earlier proofs still verify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import InputError
from mohtasib.ledger._audit import audit_log
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._retention import retention_sweep
from mohtasib.ledger._sealing import parse_leaf
from mohtasib.ledger._store import LedgerStore
from mohtasib.ledger.verify import verify_consistency, verify_inclusion
from tests.ledger.conftest import PKT, PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]
PERIODS = {"short": dt.timedelta(days=30), "standard": dt.timedelta(days=365)}
NOW = dt.datetime(2025, 3, 1, tzinfo=PKT)


def _filled(store: LedgerStore, key: PrivateKey, make_record: MakeRecord) -> Ledger:
    ledger = Ledger(store, oversight_public_key=bytes(key.public_key), pseudonym_key=PSEUDONYM_KEY)
    ledger.append_many(
        make_record(retention_class="short" if i % 3 == 0 else "standard", outcome=f"o{i}")
        for i in range(10)
    )
    return ledger


def test_sweep_forgets_expired_bodies_and_appends_tombstones(
    store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _filled(store, oversight_key, make_record)
    result = retention_sweep(ledger, now=NOW, periods=PERIODS)
    assert result.tombstoned == (0, 3, 6, 9)
    assert result.bodies_deleted == (0, 3, 6, 9)
    assert ledger.size() == 14
    assert [parse_leaf(store.entry(i).leaf_data).tombstone_of for i in range(10, 14)] == [
        0,
        3,
        6,
        9,
    ]
    for i in range(10, 14):  # the deletion time, committed by the leaf and kept as the time
        assert parse_leaf(store.entry(i).leaf_data).deleted_at == NOW.isoformat()
        assert store.entry(i).time == NOW.isoformat()
    with pytest.raises(InputError, match="no record body"):
        ledger.read_record(3, oversight_key)
    assert ledger.read_record(4, oversight_key).outcome == "o4"


def test_earlier_proofs_still_verify_after_sweep(
    store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _filled(store, oversight_key, make_record)
    old_root = ledger.root()
    old_proofs = [ledger.prove_inclusion(i) for i in range(10)]
    leaves = [ledger.leaf_hash(i) for i in range(10)]
    retention_sweep(ledger, now=NOW, periods=PERIODS)
    new_size, new_root = ledger.size(), ledger.root()
    for index in range(10):
        verify_inclusion(leaves[index], old_proofs[index], index=index, tree_size=10, root=old_root)
        verify_inclusion(
            leaves[index],
            ledger.prove_inclusion(index),
            index=index,
            tree_size=new_size,
            root=new_root,
        )
    proof = ledger.prove_consistency(10, new_size)
    verify_consistency(proof, size1=10, size2=new_size, root1=old_root, root2=new_root)
    assert audit_log(store, [(10, old_root), (new_size, new_root)]).ok


def test_sweep_is_idempotent_and_finishes_an_interrupted_sweep(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _filled(memory_store, oversight_key, make_record)
    retention_sweep(ledger, now=NOW, periods=PERIODS)
    again = retention_sweep(ledger, now=NOW, periods=PERIODS)
    assert again.tombstoned == () and ledger.size() == 14
    assert again.bodies_deleted == ()
    fresh = _filled(type(memory_store)(), oversight_key, make_record)
    original = fresh.store.delete_body
    fresh.store.delete_body = lambda index: None  # type: ignore[method-assign]
    retention_sweep(fresh, now=NOW, periods=PERIODS)  # crash after the tombstones
    fresh.store.delete_body = original  # type: ignore[method-assign]
    resumed = retention_sweep(fresh, now=NOW, periods=PERIODS)
    assert resumed.tombstoned == () and resumed.bodies_deleted == (0, 3, 6, 9)


def test_sweep_reports_classes_without_a_period(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _filled(memory_store, oversight_key, make_record)
    result = retention_sweep(ledger, now=NOW, periods={"short": dt.timedelta(days=1)})
    assert result.unknown_classes == ("standard",)
    assert result.tombstoned == (0, 3, 6, 9)
    with pytest.raises(InputError):
        retention_sweep(ledger, now=dt.datetime(2025, 3, 1), periods=PERIODS)
