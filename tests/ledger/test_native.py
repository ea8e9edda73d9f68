"""The C sealing loop writes the bytes the Python loop writes, and fails as clearly.

``mohtasib.ledger._fast`` (built from ``_fast.c`` by ``setup.py`` where a
compiler and the libsodium and OpenSSL headers are present) seals, commits to and
leaf-hashes a slice of records, and hashes tree levels, with the interpreter lock
released. Its output must be byte for byte that of the Python reference
(``_sealworker.seal_documents`` and ``leaves_and_hashes``; the tree's pair hashing)
for any input, the tree must give the RFC 6962 reference roots with it and without
it, a log built with it must be byte for byte the log built without it, and bad input
must raise a clear error, not crash. The tests skip where
the extension is not built, and fail instead where ``MOHTASIB_REQUIRE_NATIVE`` is
set (CI).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.public import PrivateKey

from mohtasib.errors import StoreConflict
from mohtasib.ledger import _native, _sealhelper
from mohtasib.ledger._audit import audit_log
from mohtasib.ledger._log import Ledger, Receipt
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._sealing import ACCESS_PREFIX, BodySealer, open_body, split
from mohtasib.ledger._sealworker import FRESH_SIZE, leaves_and_hashes, seal_documents
from mohtasib.ledger._sqlite import SqliteLedgerStore
from mohtasib.ledger._tree import MemoryNodes, nodes_for_append, perfect_hash
from mohtasib.ledger.verify import leaf_hash
from tests.conftest import require
from tests.ledger.test_throughput_pipeline import POLICY, _dump, _fixed_randomness, _records

MakeRecord = Callable[..., AccessRecord]
BATCHES = [300, 7, 520, 251]  # pipelined (above 40 rows) and not, unaligned starts
KEY = bytes(range(32))
VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(autouse=True)
def _built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_native.ENV, raising=False)
    if not _native.available():
        require(
            "MOHTASIB_REQUIRE_NATIVE",
            "the ledger's C extension is not built (needs gcc, libsodium-dev, libssl-dev)",
        )


def _python(
    key: bytes,
    prefix: bytes,
    head: bytes,
    fresh: bytes,
    documents: list[bytes],
    tails: list[bytes],
    index: list[int],
) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """The reference: what the helper process (and the Python fallback) computes."""
    digests, whole, sizes = seal_documents(key, prefix, fresh, documents)
    leaves, hashes = leaves_and_hashes(head, digests, tails, index)
    return hashes, leaves, split(bytes(whole), sizes)


@st.composite
def _slices(draw: st.DrawFn) -> tuple[bytes, bytes, bytes, list[bytes], list[bytes], list[int]]:
    count = draw(st.integers(0, 12))
    documents = draw(st.lists(st.binary(max_size=2000), min_size=count, max_size=count))
    tails = draw(st.lists(st.binary(max_size=40), min_size=1, max_size=4))
    index = draw(st.lists(st.integers(0, len(tails) - 1), min_size=count, max_size=count))
    prefix = draw(st.binary(max_size=64))
    head = draw(st.binary(max_size=40))
    fresh = draw(st.binary(min_size=FRESH_SIZE * count, max_size=FRESH_SIZE * count))
    return prefix, head, fresh, documents, tails, index


@settings(max_examples=300, deadline=None)
@given(_slices(), st.binary(min_size=32, max_size=32))
def test_c_loop_matches_the_python_loop_byte_for_byte(
    slice_: tuple[bytes, bytes, bytes, list[bytes], list[bytes], list[int]], key: bytes
) -> None:
    prefix, head, fresh, documents, tails, index = slice_
    got = _native.seal_slice(key, prefix, head, fresh, documents, tails, index)
    assert got == _python(key, prefix, head, fresh, documents, tails, index)
    assert all(type(item) is bytes for part in got for item in part)


def test_bodies_sealed_in_c_open_with_the_oversight_key(oversight_key: PrivateKey) -> None:
    sealer = BodySealer(oversight_key.public_key)
    documents = [b'{"n":%d}' % i for i in range(5)] + ['{"n":"\u0627\u06cc"}'.encode()]
    fresh = sealer.draw(len(documents))
    hashes, leaves, bodies = _native.seal_slice(
        sealer.shared_key, sealer.prefix, ACCESS_PREFIX, fresh, documents, [b"\nallowed\n"],
        [0] * len(documents),
    )  # fmt: skip
    for document, hashed, leaf, body in zip(documents, hashes, leaves, bodies, strict=True):
        assert hashed == leaf_hash(leaf)
        commitment = leaf[len(ACCESS_PREFIX) : len(ACCESS_PREFIX) + 32]
        assert open_body(body, oversight_key, commitment) == document


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"key": KEY[:31]}, ValueError, "shared key is 31 bytes; want 32"),
        ({"fresh": b"\x00" * (FRESH_SIZE * 2 - 1)}, ValueError, "random bytes for 2 documents"),
        ({"index": [0]}, ValueError, "got 1 decision indices for 2 documents"),
        ({"index": [0, 2]}, ValueError, "record 1 names decision line 2; the slice has 2"),
        ({"index": [-1, 0]}, ValueError, "record 0 names decision line -1"),
        ({"index": [0, "1"]}, TypeError, "an integer is required"),
        ({"documents": [b"{}", "{}"]}, TypeError, "document 1 is str; want bytes"),
        ({"tails": [b"a", bytearray(b"b")]}, TypeError, "decision line 1 is not bytes"),
        ({"documents": 5}, TypeError, "object is not iterable"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(
    change: dict[str, object], error: type[Exception], message: str
) -> None:
    args: dict[str, object] = {
        "key": KEY,
        "prefix": b"mtb2",
        "head": ACCESS_PREFIX,
        "fresh": b"\x00" * (FRESH_SIZE * 2),
        "documents": [b"{}", b"{}"],
        "tails": [b"\nallowed\n", b"\ndenied x\n"],
        "index": [0, 1],
    } | change
    with pytest.raises(error, match=message):
        _native.seal_slice(**args)  # type: ignore[arg-type]


def _build(
    path: Path, key: PrivateKey, make_record: MakeRecord, *, sealing_process: bool | None
) -> list[list[Receipt]]:
    ledger = Ledger(
        SqliteLedgerStore(path),
        policy=POLICY,
        oversight_public_key=bytes(key.public_key),
        pseudonym_key=b"p" * 32,
        sealing_process=sealing_process,
    )
    ledger.pipeline_rows = 40
    receipts = [
        ledger.append_many(_records(make_record, n, f"b{i}")) for i, n in enumerate(BATCHES)
    ]
    ledger.store.close()
    return receipts


def _python_log(
    path: Path, monkeypatch: pytest.MonkeyPatch, key: PrivateKey, make_record: MakeRecord
) -> list[list[Receipt]]:
    """The reference log: built without the extension, sealed in the appending thread."""
    with monkeypatch.context() as patch:
        patch.setenv(_native.ENV, "0")
        _fixed_randomness(patch)
        return _build(path, key, make_record, sealing_process=False)


def _count_thread_slices(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the thread each slice handed to a SealThread is sealed on."""
    threads: list[str] = []
    original = _native.seal_slice

    def counted(*args: object) -> object:
        threads.append(threading.current_thread().name)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_native, "seal_slice", counted)
    return threads


def test_log_sealed_in_c_is_byte_identical_to_the_python_log(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    python = _python_log(tmp_path / "python.db", monkeypatch, oversight_key, make_record)
    monkeypatch.setattr(_sealhelper, "usable_cpus", lambda: 2)  # a thread even on one CPU
    threads = _count_thread_slices(monkeypatch)
    _fixed_randomness(monkeypatch)
    native = _build(tmp_path / "c.db", oversight_key, make_record, sealing_process=None)
    assert native == python
    assert _dump(tmp_path / "c.db") == _dump(tmp_path / "python.db")
    # every slice of the pipelined batches, and only those, was sealed on the worker thread
    assert sum(name.startswith("mohtasib-seal") for name in threads) == 29
    assert not [t for t in threading.enumerate() if t.name.startswith("mohtasib-seal")]
    store = SqliteLedgerStore(tmp_path / "c.db")
    ledger = Ledger(store, oversight_public_key=bytes(oversight_key.public_key),
                    pseudonym_key=b"p" * 32)  # fmt: skip
    assert audit_log(store, [(sum(BATCHES), ledger.root())]).ok
    assert ledger.read_record(sum(BATCHES) - 1, oversight_key).outcome == f"b3-{BATCHES[-1] - 1}"
    store.close()


def test_without_a_second_cpu_the_c_loop_seals_in_the_committing_thread(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    expected = _python_log(tmp_path / "a.db", monkeypatch, oversight_key, make_record)
    monkeypatch.setattr(_sealhelper, "usable_cpus", lambda: 1)
    threads = _count_thread_slices(monkeypatch)
    _fixed_randomness(monkeypatch)
    assert _build(tmp_path / "b.db", oversight_key, make_record, sealing_process=None) == expected
    assert threads and set(threads) == {threading.current_thread().name}
    assert _dump(tmp_path / "b.db") == _dump(tmp_path / "a.db")


def test_a_failed_slice_in_the_sealing_thread_is_sealed_again_here(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    _python_log(tmp_path / "a.db", monkeypatch, oversight_key, make_record)
    monkeypatch.setattr(_sealhelper, "usable_cpus", lambda: 2)
    original = _native.seal_slice
    calls = []

    def flaky(*args: object) -> object:
        calls.append(threading.current_thread().name)
        if len(calls) == 2:
            raise MemoryError("no room in the worker")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_native, "seal_slice", flaky)
    _fixed_randomness(monkeypatch)
    _build(tmp_path / "b.db", oversight_key, make_record, sealing_process=None)
    assert calls[1].startswith("mohtasib-seal")
    assert threading.current_thread().name in calls[2:]  # that batch's slices, sealed here
    assert _dump(tmp_path / "b.db") == _dump(tmp_path / "a.db")


def test_an_abandoned_batch_leaves_no_sealing_thread(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    ledger = Ledger(
        SqliteLedgerStore(tmp_path / "ledger.db"),
        policy=POLICY,
        oversight_public_key=bytes(oversight_key.public_key),
        pseudonym_key=b"p" * 32,
    )
    ledger.pipeline_rows = 40
    ledger.append_many(_records(make_record, 10, "a"))
    monkeypatch.setattr(_sealhelper, "usable_cpus", lambda: 2)
    threads = _count_thread_slices(monkeypatch)
    with monkeypatch.context() as patch, pytest.raises(StoreConflict):
        patch.setattr(ledger.store, "size", lambda: 9)  # stale: refused after slice one
        ledger.append_many(_records(make_record, 200, "b"))
    assert any(name.startswith("mohtasib-seal") for name in threads)  # one was sealing
    assert not [t for t in threading.enumerate() if t.name.startswith("mohtasib-seal")]
    receipts = ledger.append_many(_records(make_record, 200, "c"))
    assert [r.index for r in receipts] == list(range(10, 210))
    assert audit_log(ledger.store, [(210, ledger.root())]).ok
    ledger.store.close()


def test_the_environment_turns_the_c_loop_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _native.available()
    for value in ("0", "false", "No", " off "):
        monkeypatch.setenv(_native.ENV, value)
        assert not _native.available()
        with _native.borrow() as thread:
            assert thread is None
    monkeypatch.setenv(_native.ENV, "1")
    assert _native.available()
    assert set(_native.versions() or {}) == {"libsodium", "openssl"}


def _python_parents(nodes: list[bytes]) -> list[bytes]:
    pairs = iter(nodes)
    return [hashlib.sha256(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=48), max_size=33))
def test_c_pair_hashes_match_python(nodes: list[bytes]) -> None:
    assert _native.hash_pairs(nodes) == _python_parents(nodes)


def test_c_pair_hashes_refuse_a_node_that_is_not_bytes() -> None:
    with pytest.raises(TypeError, match="node 1 is str; want bytes"):
        _native.hash_pairs([b"a", "b"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        _native.hash_pairs(7)  # type: ignore[arg-type]


@pytest.mark.parametrize("native", ["1", "0"])
def test_tree_of_the_rfc6962_reference_leaves_both_ways(
    monkeypatch: pytest.MonkeyPatch, native: str
) -> None:
    """The 8-leaf reference tree's roots at every size (RFC 6962 / transparency-dev vectors)."""
    monkeypatch.setenv(_native.ENV, native)
    vectors = json.loads((VECTORS / "rfc6962-reference.json").read_text())
    leaves = [leaf_hash(bytes.fromhex(leaf)) for leaf in vectors["leaves"]]
    for size, root in vectors["roots"].items():
        nodes = MemoryNodes()
        for at in range(0, int(size), 3):  # appended in batches: unaligned starts
            nodes.append(leaves[at : min(at + 3, int(size))])
        assert nodes.root().hex() == root
        if int(size) in (1, 2, 4, 8):
            assert perfect_hash(leaves[: int(size)]).hex() == root


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 70), st.integers(1, 70))
def test_nodes_for_append_agree_with_and_without_c(size: int, count: int) -> None:
    leaves = [hashlib.sha256(b"%d" % i).digest() for i in range(size + count)]
    nodes = MemoryNodes()
    nodes.append(leaves[:size])
    with_c = nodes_for_append(size, leaves[size:], nodes)
    os.environ[_native.ENV] = "0"
    try:
        without = nodes_for_append(size, leaves[size:], nodes)
    finally:
        del os.environ[_native.ENV]
    assert with_c == without


def test_a_sealing_thread_that_cannot_start_costs_only_speed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    """At interpreter shutdown (or out of threads) every slice is sealed in the caller."""
    _fixed_randomness(monkeypatch)
    _build(tmp_path / "a.db", oversight_key, make_record, sealing_process=False)
    monkeypatch.setattr(_sealhelper, "usable_cpus", lambda: 2)

    def refuse(*args: object, **kwargs: object) -> object:
        raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    monkeypatch.setattr(_native._futures_thread.ThreadPoolExecutor, "submit", refuse)
    threads = _count_thread_slices(monkeypatch)
    _fixed_randomness(monkeypatch)
    _build(tmp_path / "b.db", oversight_key, make_record, sealing_process=None)
    assert threads and set(threads) == {threading.current_thread().name}
    assert _dump(tmp_path / "b.db") == _dump(tmp_path / "a.db")


def test_a_build_of_other_source_is_not_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stale = types.SimpleNamespace(API_VERSION=_native.API_VERSION - 1, __file__="/x/_fast.so")
    monkeypatch.setattr(_native.importlib, "import_module", lambda name: stale)
    with caplog.at_level(logging.WARNING, logger="mohtasib.ledger"):
        assert _native._load() is None
    assert "built from other source" in caplog.text and "make dev" in caplog.text
    monkeypatch.undo()
    assert _native._load() is not None


def test_nodes_that_are_not_bytes_are_hashed_in_python() -> None:
    """A store's reader may hand back bytearray nodes; the tree is the same."""
    leaves = [hashlib.sha256(b"%d" % i).digest() for i in range(11)]
    assert nodes_for_append(0, [bytearray(leaf) for leaf in leaves], MemoryNodes()) == (
        nodes_for_append(0, leaves, MemoryNodes())
    )
