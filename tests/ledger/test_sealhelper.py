"""The sealing helper process gives the same entries as sealing in-process, or steps aside.

Large batches on SQLite may have their slices sealed, committed to and leaf-hashed in
a child process (``mohtasib.ledger._sealhelper`` running ``_sealworker.py``). With the
randomness fixed, a log built through the helper must be byte for byte the log built
in-process; a helper that dies, answers with an error or cannot start must cost
nothing but speed; an abandoned batch must not leave answers in the pipe for the
next one; and the child must not outlive the process that started it.

The helper process seals where the ledger's C extension is not built; these tests
turn the extension off (``MOHTASIB_NATIVE=0``) so that they exercise it
wherever they run (``test_native.py`` tests the C loop).
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey

from mohtasib.errors import StorageError, StoreConflict
from mohtasib.ledger import _native, _sealhelper, _sealworker
from mohtasib.ledger._audit import audit_log
from mohtasib.ledger._log import Ledger, Receipt, _cut_slices
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._sealing import ACCESS_PREFIX, BodySealer
from mohtasib.ledger._sqlite import SqliteLedgerStore
from tests.ledger.conftest import PSEUDONYM_KEY
from tests.ledger.test_throughput_pipeline import POLICY, _dump, _fixed_randomness, _records

MakeRecord = Callable[..., AccessRecord]
BATCHES = [300, 7, 520, 251]  # pipelined (above 40 rows) and not, unaligned starts


@pytest.fixture(autouse=True)
def _python_sealing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seal in Python, so that large batches go through the helper process."""
    monkeypatch.setenv(_native.ENV, "0")


@pytest.fixture
def helper() -> Iterator[_sealhelper.SealHelper]:
    """A fresh, ready helper for this process; stopped afterwards."""
    if _sealhelper.usable_cpus() < 2:
        pytest.skip("the sealing helper is used only with two or more CPUs")
    _sealhelper.shutdown()
    started = _sealhelper.start()
    assert started is not None and started.wait_ready(), "the sealing helper did not start"
    yield started
    _sealhelper.shutdown()


def _ledger(path: Path, key: PrivateKey, *, sealing_process: bool | None) -> Ledger:
    ledger = Ledger(
        SqliteLedgerStore(path),
        policy=POLICY,
        oversight_public_key=bytes(key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
        sealing_process=sealing_process,
    )
    ledger.pipeline_rows = 40
    return ledger


def _build(
    path: Path, key: PrivateKey, make_record: MakeRecord, *, sealing_process: bool | None
) -> list[list[Receipt]]:
    ledger = _ledger(path, key, sealing_process=sealing_process)
    receipts = [
        ledger.append_many(_records(make_record, n, f"b{i}")) for i, n in enumerate(BATCHES)
    ]
    ledger.store.close()
    return receipts


def test_log_sealed_by_the_helper_is_byte_identical(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    helper: _sealhelper.SealHelper,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    _fixed_randomness(monkeypatch)
    here = _build(tmp_path / "here.db", oversight_key, make_record, sealing_process=False)
    assert helper.answered == 0
    _fixed_randomness(monkeypatch)
    there = _build(tmp_path / "there.db", oversight_key, make_record, sealing_process=None)
    # every slice of the three pipelined batches went through the helper
    assert helper.answered == sum(
        len(_cut_slices([make_record()] * n, 40)) for n in BATCHES if n > 40
    )
    assert there == here
    assert _dump(tmp_path / "there.db") == _dump(tmp_path / "here.db")
    store = SqliteLedgerStore(tmp_path / "there.db")
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    size = ledger.size()
    assert size == sum(BATCHES)
    assert audit_log(store, [(size, ledger.root())]).ok
    assert ledger.read_record(size - 1, oversight_key).outcome == f"b3-{BATCHES[-1] - 1}"
    store.close()


def _build_both_with_trouble(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    key: PrivateKey,
    make_record: MakeRecord,
    trouble: Callable[[_sealhelper.SealHelper, int], None],
) -> None:
    """Build the log in-process and through a helper that ``trouble`` hits before each
    collect (given the call number); the two logs must be byte for byte the same."""
    _fixed_randomness(monkeypatch)
    _build(tmp_path / "here.db", key, make_record, sealing_process=False)
    original = _sealhelper.SealHelper.collect
    calls = 0

    def troubled(self: _sealhelper.SealHelper, *args: object) -> object:
        nonlocal calls
        calls += 1
        trouble(self, calls)
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_sealhelper.SealHelper, "collect", troubled)
    _fixed_randomness(monkeypatch)
    _build(tmp_path / "there.db", key, make_record, sealing_process=None)
    assert _dump(tmp_path / "there.db") == _dump(tmp_path / "here.db")


def test_a_helper_that_dies_mid_batch_costs_only_speed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    helper: _sealhelper.SealHelper,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def dying(helper: _sealhelper.SealHelper, call: int) -> None:
        if call == 3:  # slices in flight: sealed in-process instead
            helper._process.kill()
            helper._process.wait()

    with caplog.at_level(logging.WARNING, logger="mohtasib.ledger"):
        _build_both_with_trouble(tmp_path, monkeypatch, oversight_key, make_record, dying)
    # answers already in the pipe when it died may still be read; none after that
    total = sum(len(_cut_slices([make_record()] * n, 40)) for n in BATCHES if n > 40)
    assert helper.failed and 2 <= helper.answered <= 3 < total
    assert "sealing helper process failed" in caplog.text
    with _sealhelper.borrow() as again:  # a failed helper is not used again ...
        assert again is None
    _sealhelper.shutdown()  # ... until it is stopped and a new one started
    fresh = _sealhelper.start()
    assert fresh is not None and fresh is not helper and fresh.wait_ready()


def test_a_store_failure_mid_batch_leaves_the_helper_in_step(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    helper: _sealhelper.SealHelper,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    counts = {"sent": 0, "used": 0}
    submit, collect = _sealhelper.SealHelper.submit, Ledger._collect

    def counting_submit(self: _sealhelper.SealHelper, *args: object) -> int:
        counts["sent"] += 1
        return submit(self, *args)  # type: ignore[arg-type]

    def counting_collect(self: Ledger, *args: object) -> object:
        counts["used"] += 1
        time.sleep(0.02)  # the writer thread fails while later slices are on their way
        return collect(self, *args)  # type: ignore[arg-type]

    def build(path: Path, sealing_process: bool | None) -> None:
        counts.update(sent=0, used=0)
        ledger = _ledger(path, oversight_key, sealing_process=sealing_process)
        store = ledger.store
        assert isinstance(store, SqliteLedgerStore)
        with store._guard() as db:  # refuses a row of the fourth slice (rows 112-151)
            db.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON entries WHEN NEW.idx = 150 "
                "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
            )
        with pytest.raises(StorageError, match="refused by test"):
            ledger.append_many(_records(make_record, 400, "x"))
        if sealing_process is None:
            assert counts["sent"] > counts["used"]  # answers were still on their way ...
            assert helper.answered == helper._sent  # ... and were read and dropped
        assert ledger.size() == 0
        with store._guard() as db:
            db.execute("DROP TRIGGER refuse")
        # the failed batch drew randomness for as many slices as it prepared (one more
        # with the helper, which works a slice ahead): start the next one from the same
        _fixed_randomness(monkeypatch)
        ledger.append_many(_records(make_record, 400, "y"))
        store.close()

    monkeypatch.setattr(_sealhelper.SealHelper, "submit", counting_submit)
    monkeypatch.setattr(Ledger, "_collect", counting_collect)
    build(tmp_path / "here.db", sealing_process=False)
    build(tmp_path / "there.db", sealing_process=None)
    assert not helper.failed and helper.answered == helper._sent > 10
    assert _dump(tmp_path / "there.db") == _dump(tmp_path / "here.db")


def test_a_conflict_after_the_first_slice_leaves_the_helper_in_step(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    helper: _sealhelper.SealHelper,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
) -> None:
    ledger = _ledger(tmp_path / "ledger.db", oversight_key, sealing_process=None)
    store = ledger.store
    assert isinstance(store, SqliteLedgerStore)
    ledger.append_many(_records(make_record, 10, "a"))
    # The size read before the batch is stale (another writer appended meanwhile): the
    # store refuses the batch when it opens its transaction, after the first slice was
    # prepared and the second sent to the helper. (The answer still in flight is read
    # and dropped by the slices' own ``finally``; on CPython that ran at once even before
    # the generator was closed explicitly.)
    with monkeypatch.context() as patch, pytest.raises(StoreConflict):
        patch.setattr(store, "size", lambda: 9)
        ledger.append_many(_records(make_record, 200, "b"))
    assert helper._sent >= 2 and helper.answered == helper._sent  # answers read and dropped
    assert not helper.failed
    with _sealhelper.borrow() as again:
        assert again is helper
    before = helper.answered
    receipts = ledger.append_many(_records(make_record, 200, "c"))
    assert [r.index for r in receipts] == list(range(10, 210))
    assert helper.answered > before and not helper.failed
    assert audit_log(store, [(210, ledger.root())]).ok
    store.close()


def test_a_request_the_helper_cannot_read_is_answered_with_the_reason(
    helper: _sealhelper.SealHelper,
) -> None:
    sealer = BodySealer(PrivateKey.generate().public_key)
    sequence = helper.submit(
        sealer.shared_key, sealer.prefix, ACCESS_PREFIX, b"", [b"{}"], [b"\n"], [5]
    )
    with pytest.raises(_sealhelper.HelperFailed, match="names a decision line"):
        helper.collect(sequence, [1], [1])
    assert helper.failed
    assert helper._process.wait(timeout=10) is not None  # the helper exited


def test_the_helper_answers_what_the_sealer_computes(helper: _sealhelper.SealHelper) -> None:
    sealer = BodySealer(PrivateKey.generate().public_key)
    documents = [b'{"a":1}', '{"b":"\u0627\u0631\u062f\u0648"}'.encode(), b""]
    tails, index = [b"\nallowed\n", b"\ndenied x\n"], [1, 0, 1]
    fresh = sealer.draw(len(documents))
    digests, bodies = sealer.seal_many(documents, fresh)
    leaves, hashes = _sealworker.leaves_and_hashes(ACCESS_PREFIX, digests, tails, index)
    sequence = helper.submit(
        sealer.shared_key, sealer.prefix, ACCESS_PREFIX, fresh, documents, tails, index
    )
    got = helper.collect(sequence, [len(leaf) for leaf in leaves], [len(body) for body in bodies])
    assert got == (hashes, leaves, bodies)


def test_one_cpu_starts_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    _sealhelper.shutdown()
    monkeypatch.setattr(_sealhelper, "usable_cpus", lambda: 1)
    assert not _sealhelper.enabled()
    with _sealhelper.borrow() as helper:
        assert helper is None
    assert _sealhelper.start() is None and _sealhelper.running() is None


def test_sealing_process_false_never_starts_one(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    _sealhelper.shutdown()
    ledger = _ledger(tmp_path / "ledger.db", oversight_key, sealing_process=False)
    ledger.append_many(_records(make_record, 300, "x"))
    assert _sealhelper.running() is None
    ledger.store.close()


def test_the_helper_exits_when_its_input_closes(helper: _sealhelper.SealHelper) -> None:
    process = helper._process
    _sealhelper.shutdown()
    assert process.wait(timeout=10) == 0


CHILD = """
import sys
from mohtasib.ledger import _sealhelper
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._store import open_store

helper = _sealhelper.start()
assert helper is not None and helper.wait_ready()
print(helper._process.pid, flush=True)
ledger = Ledger(open_store(sys.argv[1]), oversight_public_key=bytes.fromhex(sys.argv[2]),
                pseudonym_key=b"k" * 32)
record = AccessRecord.from_json(sys.argv[3])
while True:
    ledger.append_many([record] * 600)
    print("ack", flush=True)
"""


def test_the_helper_does_not_outlive_a_killed_parent(
    tmp_path: Path, oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    if _sealhelper.usable_cpus() < 2 or not Path("/proc/self/stat").exists():
        pytest.skip("needs two or more CPUs (the helper) and /proc (to see it exit)")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "ledger.db"),
         bytes(oversight_key.public_key).hex(), make_record().canonical_json().decode()],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONWARNINGS": "error"},
    )  # fmt: skip
    assert child.stdout is not None
    pid = int(child.stdout.readline())
    assert child.stdout.readline().strip() == "ack"
    assert child.stdout.readline().strip() == "ack"  # the helper is in use
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the sealing helper outlived its parent"
    db = sqlite3.connect(tmp_path / "ledger.db")
    assert db.execute("SELECT size FROM meta").fetchone()[0] % 600 == 0  # whole batches only
    db.close()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie reparented to init is reaped quickly)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_an_answer_to_another_slice_is_refused(helper: _sealhelper.SealHelper) -> None:
    sealer = BodySealer(PrivateKey.generate().public_key)
    documents, tails, index = [b"{}"], [b"\nallowed\n"], [0]
    fresh = sealer.draw(1)
    digests, bodies = sealer.seal_many(documents, fresh)
    leaves, _ = _sealworker.leaves_and_hashes(ACCESS_PREFIX, digests, tails, index)
    args = (sealer.shared_key, sealer.prefix, ACCESS_PREFIX, fresh, documents, tails, index)
    first, second = helper.submit(*args), helper.submit(*args)
    # as if the first answer had been skipped: the next one read is still the first's
    with pytest.raises(_sealhelper.HelperFailed, match="answer to slice 0 where slice 1 was due"):
        helper.collect(second, [len(leaves[0])], [len(bodies[0])])
    assert (first, second) == (0, 1) and helper.failed


def test_an_interrupt_half_way_kills_the_helper(
    monkeypatch: pytest.MonkeyPatch, helper: _sealhelper.SealHelper
) -> None:
    def interrupted(self: _sealhelper.SealHelper, size: int, timeout: float | None = None) -> bytes:
        raise KeyboardInterrupt

    sealer = BodySealer(PrivateKey.generate().public_key)
    sequence = helper.submit(
        sealer.shared_key, sealer.prefix, ACCESS_PREFIX, sealer.draw(1), [b"{}"],
        [b"\nallowed\n"], [0],
    )  # fmt: skip
    monkeypatch.setattr(_sealhelper.SealHelper, "_read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        helper.collect(sequence, [1], [1])
    assert helper.failed  # its answer is still in the pipe: the helper is not used again
    assert helper._process.wait(timeout=10) is not None


def test_a_stuck_helper_is_killed_and_the_batch_sealed_here(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    helper: _sealhelper.SealHelper,
    oversight_key: PrivateKey,
    make_record: MakeRecord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_sealhelper, "ANSWER_TIMEOUT", 0.5)

    def stopping(helper: _sealhelper.SealHelper, call: int) -> None:
        if call == 2:  # alive, but stopped: it will never answer
            os.kill(helper._process.pid, signal.SIGSTOP)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="mohtasib.ledger"):
        _build_both_with_trouble(tmp_path, monkeypatch, oversight_key, make_record, stopping)
    assert time.monotonic() - started < 20
    assert helper.failed and "the helper is stuck" in caplog.text
    assert helper._process.wait(timeout=10) == -signal.SIGKILL


def test_a_helper_stuck_at_start_is_killed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if not _sealhelper.enabled():
        pytest.skip("the sealing helper is not enabled here")
    _sealhelper.shutdown()
    stuck = tmp_path / "stuck.py"
    stuck.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(_sealhelper, "_WORKER", stuck)
    monkeypatch.setattr(_sealhelper, "START_TIMEOUT", 0.5)
    started = time.monotonic()
    helper = _sealhelper.start()
    assert helper is not None and not helper.wait_ready(timeout=10)
    assert helper.failed and helper._process.wait(timeout=10) == -signal.SIGKILL
    _sealhelper.shutdown()
    assert time.monotonic() - started < 10


def test_a_failed_helper_is_replaced_after_a_while(
    monkeypatch: pytest.MonkeyPatch, helper: _sealhelper.SealHelper
) -> None:
    with pytest.raises(_sealhelper.HelperFailed):
        helper._fail("test")
    assert _sealhelper.start() is helper  # within RESTART_AFTER: the failed one, unused
    with _sealhelper.borrow() as lent:
        assert lent is None
    monkeypatch.setattr(_sealhelper, "RESTART_AFTER", 0.0)
    fresh = _sealhelper.start()
    assert fresh is not None and fresh is not helper and fresh.wait_ready()
    assert helper._process.poll() is not None  # the old one was stopped


@pytest.mark.parametrize(
    ("env", "executable", "frozen"),
    [("0", None, False), ("off", None, False), ("", "/usr/bin/uwsgi", False), ("", None, True)],
)
def test_where_no_helper_is_started(
    monkeypatch: pytest.MonkeyPatch, env: str, executable: str | None, frozen: bool
) -> None:
    _sealhelper.shutdown()
    monkeypatch.setenv(_sealhelper.ENV, env)
    if executable is not None:
        monkeypatch.setattr(sys, "executable", executable)
    if frozen:
        monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not _sealhelper.enabled()
    with _sealhelper.borrow() as helper:
        assert helper is None
    assert _sealhelper.running() is None


def test_a_forked_child_leaves_the_parents_helper_alone(helper: _sealhelper.SealHelper) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    pid = os.fork()
    if pid == 0:  # the child: a new state, the parent's pipes closed here
        ok = _sealhelper.running() is None and _sealhelper._State.inherited == [helper]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    started = time.monotonic()
    process = helper._process
    _sealhelper.shutdown()  # the child's copies of the pipes are closed: it exits at once
    assert process.returncode == 0 and time.monotonic() - started < 4


def test_a_helper_that_cannot_start_is_not_tried_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if _sealhelper.usable_cpus() < 2:
        pytest.skip("the sealing helper is used only with two or more CPUs")
    _sealhelper.shutdown()
    monkeypatch.setattr(_sealhelper._State, "cannot_start", False)  # restored afterwards
    calls = 0

    def refuse(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        raise OSError("no processes left (test)")

    monkeypatch.setattr(_sealhelper.subprocess, "Popen", refuse)
    with caplog.at_level(logging.WARNING, logger="mohtasib.ledger"):
        for _ in range(3):
            with _sealhelper.borrow() as helper:
                assert helper is None
    assert calls == 1 and "no processes left (test)" in caplog.text


def test_a_helper_that_exits_before_it_is_ready_is_not_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if _sealhelper.usable_cpus() < 2:
        pytest.skip("the sealing helper is used only with two or more CPUs")
    _sealhelper.shutdown()
    monkeypatch.setattr(_sealhelper, "_WORKER", Path(os.devnull))  # runs nothing, exits at once
    with caplog.at_level(logging.WARNING, logger="mohtasib.ledger"):
        started = _sealhelper.start()
        assert started is not None and not started.wait_ready(timeout=10)
    assert started.failed and "sealing helper process failed" in caplog.text
    with _sealhelper.borrow() as helper:
        assert helper is None
    _sealhelper.shutdown()


def test_a_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(CryptoError, match="shared key is 31 bytes; want 32"):
        _sealworker.seal_documents(b"k" * 31, b"p", b"f" * 56, [b"{}"])
