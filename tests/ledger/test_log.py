"""The Ledger facade: receipts after commit, policy decisions, proofs, group commit, decryption."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._policy import Policy
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._sealing import parse_leaf
from mohtasib.ledger._store import LedgerStore
from mohtasib.ledger._tree import MemoryNodes
from mohtasib.ledger.verify import leaf_hash, verify_consistency, verify_inclusion
from tests.ledger.conftest import PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]
POLICY = Policy.from_dict(
    {
        "system": "psca-lahore-anpr",
        "purposes": ["investigation"],
        "actions": {"plate_search": ["fir"], "face_search": ["warrant"]},
    }
)


def _ledger(store: LedgerStore, key: PrivateKey, policy: Policy | None = POLICY) -> Ledger:
    return Ledger(
        store,
        policy=policy,
        oversight_public_key=bytes(key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
    )


def test_append_returns_receipt_after_commit(
    store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(store, oversight_key)
    receipt = ledger.append(make_record())
    assert receipt.index == 0 and receipt.decision.allowed
    assert store.size() == 1
    assert receipt.leaf_hash == leaf_hash(store.entry(0).leaf_data)
    assert receipt.to_dict()["leaf_hash"] == receipt.leaf_hash.hex()


def test_denied_access_is_appended_with_its_rule(
    store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(store, oversight_key)
    receipt = ledger.append(make_record(action="face_search"))
    assert not receipt.decision.allowed and receipt.decision.rule == "authority_type"
    assert parse_leaf(store.entry(0).leaf_data).rule == "authority_type"
    unknown = ledger.append(make_record(system="karachi-faces"))
    assert unknown.decision.rule == "unknown_system"
    assert ledger.size() == 2


def test_without_policy_every_access_is_recorded_as_allowed(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(memory_store, oversight_key, policy=None)
    assert ledger.append(make_record(system="anything")).decision.allowed


def test_proofs_verify_with_the_standalone_verifier(
    store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(store, oversight_key)
    receipts = ledger.append_many(make_record(outcome=f"o{i}") for i in range(13))
    assert [r.index for r in receipts] == list(range(13))
    reference = MemoryNodes()
    reference.append(r.leaf_hash for r in receipts)
    assert ledger.root() == reference.root()
    for size in (1, 5, 8, 13):
        root = ledger.root(size)
        for index in range(size):
            proof = ledger.prove_inclusion(index, size)
            verify_inclusion(
                receipts[index].leaf_hash, proof, index=index, tree_size=size, root=root
            )
        verify_consistency(
            ledger.prove_consistency(size, 13),
            size1=size,
            size2=13,
            root1=root,
            root2=ledger.root(),
        )


def test_proof_arguments_are_checked(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(memory_store, oversight_key)
    ledger.append(make_record())
    with pytest.raises(InputError):
        ledger.prove_inclusion(1)
    with pytest.raises(InputError):
        ledger.root(2)
    with pytest.raises(InputError):
        ledger.prove_consistency(0, 1)


def test_read_record_decrypts_for_the_oversight_body(
    store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(store, oversight_key)
    record = make_record(purpose="investigation")
    index = ledger.append(record).index
    assert ledger.read_record(index, oversight_key) == record
    with pytest.raises(VerificationError):
        ledger.read_record(index, PrivateKey.generate())


def test_pseudonymise_uses_the_ledger_key(
    memory_store: LedgerStore, oversight_key: PrivateKey
) -> None:
    ledger = _ledger(memory_store, oversight_key)
    assert len(ledger.pseudonymise("35202-1234567-1")) == 64


def test_concurrent_appends_share_commits(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(memory_store, oversight_key)
    commits = 0
    original = memory_store.append_batch

    def counting(*args: object, **kwargs: object) -> None:
        nonlocal commits
        commits += 1
        if commits == 1:
            time.sleep(0.2)  # the other threads queue up behind the first commit
        original(*args, **kwargs)  # type: ignore[arg-type]

    memory_store.append_batch = counting  # type: ignore[method-assign]
    indices: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            receipt = ledger.append(make_record())
            with lock:
                indices.append(receipt.index)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(indices) == list(range(40))
    assert commits < 40
    reference = MemoryNodes()
    reference.append(leaf_hash(row.leaf_data) for row in memory_store.entries(0, 40))
    assert ledger.root() == reference.root()


def test_append_rejects_non_records(memory_store: LedgerStore, oversight_key: PrivateKey) -> None:
    ledger = _ledger(memory_store, oversight_key)
    with pytest.raises(InputError):
        ledger.append({"requester": "x"})  # type: ignore[arg-type]


def test_concurrent_batches_and_single_appends_commit_together(
    memory_store: LedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    ledger = _ledger(memory_store, oversight_key)
    commits = 0
    original = memory_store.append_batch

    def counting(*args: object, **kwargs: object) -> None:
        nonlocal commits
        commits += 1
        if commits == 1:
            time.sleep(0.2)  # the other callers queue up behind the first commit
        original(*args, **kwargs)  # type: ignore[arg-type]

    memory_store.append_batch = counting  # type: ignore[method-assign]
    batches: list[list[int]] = []
    singles: list[int] = []
    lock = threading.Lock()

    def many(n: int) -> None:
        indices = [
            r.index for r in ledger.append_many(make_record(outcome=f"m{n}-{i}") for i in range(7))
        ]
        with lock:
            batches.append(indices)

    def one(n: int) -> None:
        index = ledger.append(make_record(outcome=f"s{n}")).index
        with lock:
            singles.append(index)

    threads = [threading.Thread(target=many, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(singles + [i for b in batches for i in b]) == list(range(32))
    for indices in batches:  # each batch is contiguous, in its own order
        assert indices == list(range(indices[0], indices[0] + 7))
        outcomes = {ledger.read_record(i, oversight_key).outcome[:2] for i in indices}
        assert len(outcomes) == 1  # one caller's records, not interleaved with another's
    assert commits < 8
    reference = MemoryNodes()
    reference.append(leaf_hash(row.leaf_data) for row in memory_store.entries(0, 32))
    assert ledger.root() == reference.root()
