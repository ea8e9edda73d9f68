"""Key rotations that stop half-way, histories out of step with the key files, racing appends.

Each stop is simulated by making the k-th file step of a rotation (write, move, store the
handover) raise; afterwards the key directory either loads with the history and the key
files agreeing (and a retry succeeds), or is refused with a repair message that, once
followed, gives the same. Never a state that loads but disagrees with itself.
"""

from __future__ import annotations

import base64
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import ConfigError
from mohtasib.ledger import (
    AccessRecord,
    Keyring,
    KeyringOpener,
    Ledger,
    NoteSigner,
    _keyring,
    create_keys,
    load_keys,
    oversight_fingerprint,
    rotate_oversight,
    rotate_signer,
)
from mohtasib.ledger._keys import read_secret
from mohtasib.ledger._memory import MemoryLedgerStore

ORIGIN = "oversight.example.pk/ledger-SYNTHETIC"
MakeRecord = Callable[..., AccessRecord]


class _Stop(Exception):
    """The simulated stop (a crash or a full disk) at one step of a rotation."""


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    create_keys(tmp_path / "keys", origin=ORIGIN)
    return tmp_path / "keys"


def _stop_at(monkeypatch: pytest.MonkeyPatch, step: int, store: MemoryLedgerStore) -> list[str]:
    """Make the ``step``-th file step of the next rotation raise; return the steps seen."""
    seen: list[str] = []

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def stepped(*args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            if len(seen) == step:
                raise _Stop(name)
            return function(*args, **kwargs)

        return stepped

    for name in ("write_secret", "_write_public", "_move_secret"):
        monkeypatch.setattr(_keyring, name, wrap(name, getattr(_keyring, name)))
    monkeypatch.setattr(store, "save_checkpoint", wrap("save_checkpoint", store.save_checkpoint))
    return seen


def _assert_consistent(keys_dir: Path) -> Keyring:
    """The directory loads, and the history's keys in use are the key files'."""
    keys = load_keys(keys_dir)
    ring = Keyring.load(keys_dir)
    assert ring.current("signer").public == keys.verifier_key
    if keys.signer is not None:
        assert keys.signer.verifier().vkey == keys.verifier_key
    assert ring.current("oversight").key_id == oversight_fingerprint(keys.oversight_public_key)
    if keys.oversight_private_key is not None:
        public = bytes(PrivateKey(keys.oversight_private_key).public_key)
        assert public == keys.oversight_public_key
    assert ring.verifier_keys()[0] == keys.verifier_key
    return ring


def _repair(keys_dir: Path, error: ConfigError) -> None:
    """Follow the repair that ``error`` gives (docs/how-to/rotate-ledger-keys.md)."""
    message = str(error)
    pending, skey = keys_dir / "log.skey.new", keys_dir / "log.skey"
    if "stopped half-way" in message and pending.exists():
        if skey.exists():
            pending.unlink()
        else:
            pending.rename(skey)
            vkey = NoteSigner.from_skey(read_secret(skey)).verifier().vkey
            (keys_dir / "log.vkey").write_text(vkey + "\n")
    elif "log.vkey does not match log.skey" in message:
        assert "write log.skey's verifier key to log.vkey" in message
        vkey = NoteSigner.from_skey(read_secret(skey)).verifier().vkey
        (keys_dir / "log.vkey").write_text(vkey + "\n")
    elif "oversight.key is not the private half of oversight.pub" in message:
        assert "delete it and rotate again" in message
        (keys_dir / "oversight.key").unlink()
    else:
        raise AssertionError(f"no repair for {message!r}")


# the reviewer's case: the history written before the rotation


def test_a_signer_rotation_without_its_history_is_rolled_forward(
    keys_dir: Path, memory_store: MemoryLedgerStore
) -> None:
    before = (keys_dir / "keyring.json").read_bytes()
    done = rotate_signer(keys_dir, memory_store)
    (keys_dir / "keyring.json").write_bytes(before)  # as if the last write never happened

    ring = _assert_consistent(keys_dir)
    assert ring.current("signer").key_id == done.new_key_id
    assert ring.verifier_keys() == [done.new_vkey, done.old_vkey]
    (old,) = ring.retired("signer")
    assert old.key_id == done.old_key_id and old.retired is not None
    assert old.log_size is None and old.handover is None  # not known: never recorded
    again = rotate_signer(keys_dir, memory_store)  # the next rotation works and records all
    ring = _assert_consistent(keys_dir)
    assert ring.verifier_keys() == [again.new_vkey, done.new_vkey, done.old_vkey]
    assert (keys_dir / "keyring.json").read_text().count('"kind": "signer"') == 3


def test_an_oversight_rotation_without_its_history_is_rolled_forward(
    keys_dir: Path,
) -> None:
    before = (keys_dir / "keyring.json").read_bytes()
    pair = PrivateKey.generate()
    done = rotate_oversight(keys_dir, bytes(pair.public_key), log_size=7)
    (keys_dir / "keyring.json").write_bytes(before)

    ring = _assert_consistent(keys_dir)
    assert ring.current("oversight").key_id == done.new_fingerprint
    (old,) = ring.retired("oversight")
    assert old.key_id == done.old_fingerprint and old.log_size is None
    assert ring.sealing_key_at(3) is None  # the boundary is unknown: not guessed
    third = PrivateKey.generate()
    rotate_oversight(keys_dir, bytes(third.public_key), log_size=9)
    ring = _assert_consistent(keys_dir)
    assert [r.key_id for r in ring.retired("oversight")] == [
        done.new_fingerprint,
        done.old_fingerprint,
    ]


def test_a_history_that_cannot_be_rolled_forward_is_refused_with_the_repair(
    keys_dir: Path, memory_store: MemoryLedgerStore
) -> None:
    before = (keys_dir / "keyring.json").read_bytes()
    done = rotate_signer(keys_dir, memory_store)
    (keys_dir / "keyring.json").write_bytes(before)
    retired_vkey = keys_dir / "retired" / f"log-{done.old_key_id}.vkey"
    retired_vkey.unlink()  # nothing shows the rotation completed: ambiguous
    with pytest.raises(ConfigError, match=r"restore keyring\.json") as caught:
        Keyring.load(keys_dir)
    assert caught.value.path == str(keys_dir / "keyring.json")
    assert f"no signer key {done.new_key_id} in use" in str(caught.value)
    with pytest.raises(ConfigError, match=r"restore keyring\.json"):
        rotate_signer(keys_dir, memory_store)
    # the old pair put back while the history (rewritten) says the new key is in use
    retired_vkey.write_text(done.old_vkey + "\n")
    Keyring.load(keys_dir)
    rotate_signer(keys_dir, memory_store)  # records the rolled-forward key, retires it
    shutil.copy(retired_vkey, keys_dir / "log.vkey")
    shutil.copy(keys_dir / "retired" / f"log-{done.old_key_id}.skey", keys_dir / "log.skey")
    with pytest.raises(ConfigError, match="records that key as retired"):
        Keyring.load(keys_dir)


# a stop at each step


SIGNER_STEPS = [
    "write_secret",  # log.skey.new
    "save_checkpoint",  # the handover
    "_write_public",  # retired/log-<old>.vkey
    "_move_secret",  # log.skey -> retired/
    "_move_secret",  # log.skey.new -> log.skey
    "_write_public",  # log.vkey
    "_write_public",  # keyring.json
]


@pytest.mark.parametrize("step", range(1, len(SIGNER_STEPS) + 1))
def test_a_signer_rotation_stopped_at_any_step_recovers(
    keys_dir: Path, memory_store: MemoryLedgerStore, monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    old = load_keys(keys_dir).verifier_key
    with monkeypatch.context() as patch:
        seen = _stop_at(patch, step, memory_store)
        with pytest.raises(_Stop):
            rotate_signer(keys_dir, memory_store)
    assert seen == SIGNER_STEPS[:step]
    try:
        ring = _assert_consistent(keys_dir)
    except ConfigError as exc:  # refused, with a repair that works
        assert step in (2, 3, 4, 5, 6), exc
        _repair(keys_dir, exc)
        ring = _assert_consistent(keys_dir)
    else:
        assert step in (1, 7)
    in_use = ring.current("signer").public
    assert in_use == (old if step <= 4 else load_keys(keys_dir).verifier_key)
    done = rotate_signer(keys_dir, memory_store)  # a retry succeeds
    ring = _assert_consistent(keys_dir)
    assert done.old_vkey == in_use
    assert old in ring.verifier_keys() and in_use in ring.verifier_keys()


OVERSIGHT_STEPS = [
    "_write_public",  # retired/oversight-<old>.pub
    "_move_secret",  # oversight.key -> retired/
    "write_secret",  # the new oversight.key (--generate)
    "_write_public",  # oversight.pub
    "_write_public",  # keyring.json
]


@pytest.mark.parametrize("step", range(1, len(OVERSIGHT_STEPS) + 1))
def test_an_oversight_rotation_stopped_at_any_step_recovers(
    keys_dir: Path, memory_store: MemoryLedgerStore, monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    old = load_keys(keys_dir).oversight_public_key
    pair = PrivateKey.generate()
    with monkeypatch.context() as patch:
        seen = _stop_at(patch, step, memory_store)
        with pytest.raises(_Stop):
            rotate_oversight(keys_dir, bytes(pair.public_key), log_size=4, private_key=bytes(pair))
    assert seen == OVERSIGHT_STEPS[:step]
    try:
        ring = _assert_consistent(keys_dir)
    except ConfigError as exc:
        assert step == 4, exc
        assert str(keys_dir / "oversight.key") in str(exc.path)
        assert str(keys_dir / "oversight.pub") in str(exc.path)
        _repair(keys_dir, exc)
        ring = _assert_consistent(keys_dir)
    expected = bytes(pair.public_key) if step == 5 else old
    assert ring.current("oversight").key_id == oversight_fingerprint(expected)
    assert oversight_fingerprint(old) in ring.private_keys  # the old private key is kept
    retry = PrivateKey.generate() if step == 5 else pair
    done = rotate_oversight(keys_dir, bytes(retry.public_key), log_size=6, private_key=bytes(retry))
    ring = _assert_consistent(keys_dir)
    assert done.old_fingerprint == oversight_fingerprint(expected)
    assert ring.current("oversight").key_id == oversight_fingerprint(bytes(retry.public_key))
    assert set(ring.private_keys) >= {oversight_fingerprint(old), done.new_fingerprint}


def test_a_retired_oversight_file_that_differs_is_still_refused(keys_dir: Path) -> None:
    fingerprint = oversight_fingerprint(load_keys(keys_dir).oversight_public_key)
    retired = keys_dir / "retired"
    retired.mkdir(mode=0o700)
    other = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    (retired / f"oversight-{fingerprint}.pub").write_text(other + "\n")
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        rotate_oversight(keys_dir, bytes(PrivateKey.generate().public_key), log_size=0)


def test_an_oversight_private_key_that_does_not_match_the_public_one_is_refused(
    keys_dir: Path,
) -> None:
    stray = base64.b64encode(bytes(PrivateKey.generate())).decode()
    (keys_dir / "oversight.key").unlink()
    (keys_dir / "oversight.key").write_text(stray + "\n")
    (keys_dir / "oversight.key").chmod(0o600)
    with pytest.raises(ConfigError, match=r"not the private half of oversight\.pub") as caught:
        load_keys(keys_dir)
    assert caught.value.path is not None and "oversight.key" in caught.value.path
    assert "oversight.pub" in caught.value.path


# appends racing an oversight rotation


def test_appends_racing_a_paused_rotation_are_sealed_to_the_recorded_key(
    keys_dir: Path, memory_store: MemoryLedgerStore, make_record: MakeRecord
) -> None:
    keys = load_keys(keys_dir)
    old_private = keys.oversight_private_key
    assert old_private is not None
    ledger = Ledger(
        memory_store,
        oversight_public_key=keys.oversight_public_key,
        pseudonym_key=keys.pseudonym_key,
    )
    stop = threading.Event()
    errors: list[BaseException] = []

    def append(many: bool) -> None:
        try:
            while not stop.is_set():
                if many:
                    ledger.append_many([make_record() for _ in range(3)])
                else:
                    ledger.append(make_record())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i % 2 == 0,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        while ledger.size() < 40:
            stop.wait(0.001)
        pair = PrivateKey.generate()
        with ledger.paused():
            at = ledger.size()
            rotate_oversight(keys_dir, bytes(pair.public_key), log_size=at)
            ledger.set_oversight_public_key(bytes(pair.public_key))
        while ledger.size() < at + 40:
            stop.wait(0.001)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    ring = Keyring.load(keys_dir)
    openers = {
        oversight_fingerprint(keys.oversight_public_key): KeyringOpener([old_private]),
        oversight_fingerprint(bytes(pair.public_key)): KeyringOpener([bytes(pair)]),
    }
    assert ring.retired("oversight")[0].log_size == at
    for index in range(ledger.size()):
        fingerprint = ring.sealing_key_at(index)
        assert fingerprint is not None
        assert openers[fingerprint].read_record(memory_store, index).requester == "INSP-1234"
