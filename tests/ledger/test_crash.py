"""Crash safety: SIGKILL a process in the middle of a stream of appends, reopen, check everything.

Every index the process printed as acknowledged must be in the reopened log, and
the log must be consistent with the last checkpoint it printed before the kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable

import pytest
from nacl.public import PrivateKey

from mohtasib.ledger._audit import audit_log
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._store import open_store
from mohtasib.ledger.verify import verify_consistency
from tests.ledger.conftest import PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]
ACKS_BEFORE_KILL = 150

CHILD = """
import sys
from mohtasib.ledger._log import Ledger
from mohtasib.ledger._records import AccessRecord
from mohtasib.ledger._store import open_store

store = open_store(sys.argv[1])
ledger = Ledger(store, oversight_public_key=bytes.fromhex(sys.argv[2]), pseudonym_key=b"k" * 32)
record = AccessRecord.from_json(sys.argv[3])
batch, next_checkpoint = 1, 20
while True:
    for receipt in ledger.append_many([record] * batch):
        print("ack", receipt.index, flush=True)
    batch = batch % 7 + 1
    size = ledger.size()
    if size >= next_checkpoint:
        root = ledger.root(size)
        store.save_checkpoint(size, root.hex())
        print("checkpoint", size, root.hex(), flush=True)
        next_checkpoint = size + 20
"""


@pytest.mark.parametrize("store_target", ["sqlite", "postgres"], indirect=True)
def test_acknowledged_appends_survive_sigkill(
    store_target: tuple[str, str], oversight_key: PrivateKey, make_record: MakeRecord
) -> None:
    _, target = store_target
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            target,
            bytes(oversight_key.public_key).hex(),
            make_record().canonical_json().decode(),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    acked: list[int] = []
    checkpoints: list[tuple[int, bytes]] = []
    assert child.stdout is not None
    for line in child.stdout:
        word, *rest = line.split()
        if word == "ack":
            acked.append(int(rest[0]))
        else:
            checkpoints.append((int(rest[0]), bytes.fromhex(rest[1])))
        if len(acked) >= ACKS_BEFORE_KILL:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert acked == list(range(len(acked)))
    store = open_store(target)
    ledger = Ledger(
        store, oversight_public_key=bytes(oversight_key.public_key), pseudonym_key=PSEUDONYM_KEY
    )
    size = ledger.size()
    assert size >= len(acked)
    assert [row.index for row in store.entries(0, size)] == list(range(size))
    last_size, last_root = checkpoints[-1]
    assert ledger.root(last_size) == last_root
    verify_consistency(
        ledger.prove_consistency(last_size, size),
        size1=last_size,
        size2=size,
        root1=last_root,
        root2=ledger.root(),
    )
    assert audit_log(store, checkpoints).ok
    assert ledger.read_record(acked[-1], oversight_key) == make_record()
    store.close()
