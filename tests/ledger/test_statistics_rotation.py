"""Period statistics across key rotations: every key held here opens its records."""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import ConfigError, VerificationError
from mohtasib.ledger import (
    AccessRecord,
    BodyMismatch,
    BodyNotOpened,
    Keyring,
    Ledger,
    create_keys,
    load_keys,
    open_store,
    parse_leaf,
    period_statistics,
    publish_checkpoint,
    rotate_oversight,
    rotate_signer,
)

ORIGIN = "oversight.example.pk/ledger-SYNTHETIC"
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)


def _rotated_log(
    tmp_path: Path, make_record: Callable[..., AccessRecord], *, keep_new_private: bool
) -> tuple[Path, Path, Path]:
    """3 records, a checkpoint, signer and oversight rotations, 2 more records."""
    keys_dir, db = tmp_path / "keys", tmp_path / "ledger.db"
    create_keys(keys_dir, origin=ORIGIN)
    store = open_store(db)
    try:
        keys = load_keys(keys_dir)
        ledger = Ledger(
            store, oversight_public_key=keys.oversight_public_key, pseudonym_key=keys.pseudonym_key
        )
        ledger.append_many([make_record() for _ in range(3)])
        old_note = publish_checkpoint(store, keys.require_signer())
        rotate_signer(keys_dir, store)
        pair = PrivateKey.generate()
        rotate_oversight(
            keys_dir,
            base64.b64encode(bytes(pair.public_key)).decode(),
            log_size=ledger.size(),
            private_key=bytes(pair) if keep_new_private else None,
        )
        ledger.set_oversight_public_key(load_keys(keys_dir).oversight_public_key)
        ledger.append_many([make_record(action="face_search") for _ in range(2)])
    finally:
        store.close()
    note = tmp_path / "old.checkpoint"
    note.write_text(old_note, encoding="utf-8")
    return keys_dir, db, note


def test_every_body_opens_with_the_keys_held_and_an_old_checkpoint_verifies(
    tmp_path: Path, make_record: Callable[..., AccessRecord]
) -> None:
    keys_dir, db, note = _rotated_log(tmp_path, make_record, keep_new_private=True)
    stats = period_statistics(db, start=START, end=END, keys=keys_dir, checkpoint=note)
    assert stats.accesses == 5 and stats.not_opened == 0 and stats.body_mismatches == 0
    assert stats.by_action == {"face_search": 2, "plate_search": 3}
    # the checkpoint was signed by the retired signer key; the keyring still verifies it
    assert stats.checkpoint is not None and stats.checkpoint.consistent
    assert stats.checkpoint.size == 3 and stats.checkpoint.entries_after == 2


def test_bodies_sealed_to_a_key_not_held_here_are_not_opened_not_findings(
    tmp_path: Path, make_record: Callable[..., AccessRecord]
) -> None:
    keys_dir, db, _ = _rotated_log(tmp_path, make_record, keep_new_private=False)
    ring = Keyring.load(keys_dir)
    assert [ring.sealing_key_at(i) == ring.current("oversight").key_id for i in range(5)] == [
        False,
        False,
        False,
        True,
        True,
    ]
    stats = period_statistics(db, start=START, end=END, keys=keys_dir)
    assert stats.accesses == 5 and stats.not_opened == 2 and stats.body_mismatches == 0
    assert stats.by_action == {"plate_search": 3}


def test_a_damaged_body_is_still_a_finding_with_a_keyring(
    tmp_path: Path, make_record: Callable[..., AccessRecord]
) -> None:
    keys_dir, db, _ = _rotated_log(tmp_path, make_record, keep_new_private=True)
    with sqlite3.connect(db) as con:  # flip one byte of entry 1's sealed body
        (body,) = con.execute("SELECT body FROM entries WHERE idx = 1").fetchone()
        damaged = bytes(body[:-1]) + bytes([body[-1] ^ 1])
        con.execute("UPDATE entries SET body = ? WHERE idx = 1", (damaged,))
    stats = period_statistics(db, start=START, end=END, keys=keys_dir)
    assert stats.body_mismatches == 1 and stats.not_opened == 1


def test_a_key_directory_without_any_oversight_private_key_is_refused(
    tmp_path: Path, make_record: Callable[..., AccessRecord]
) -> None:
    keys_dir, db, _ = _rotated_log(tmp_path, make_record, keep_new_private=False)
    for retired in (keys_dir / "retired").glob("oversight-*.key"):
        retired.unlink()
    with pytest.raises(ConfigError, match="no oversight private key"):
        period_statistics(db, start=START, end=END, keys=keys_dir)


def test_not_opening_and_not_matching_are_told_apart_by_type(
    tmp_path: Path, make_record: Callable[..., AccessRecord]
) -> None:
    keys_dir, db, _ = _rotated_log(tmp_path, make_record, keep_new_private=False)
    store = open_store(db)
    try:
        opener = Keyring.load(keys_dir).opener()
        assert opener is not None
        first, other = store.entry(0), store.entry(1)
        assert first.body is not None and other.body is not None
        commitment = parse_leaf(first.leaf_data).commitment
        assert commitment is not None
        # entry 1's body opens with the retired key, but entry 0's leaf commits to another record
        with pytest.raises(BodyMismatch, match="does not match"):
            opener.open(other.body, commitment)
        # entry 3 was sealed to the new key, which this server does not hold
        late = store.entry(3)
        assert late.body is not None
        with pytest.raises(BodyNotOpened, match="tried"):
            opener.read_record(store, 3)
        assert opener.holds_key_for(3) is False and opener.holds_key_for(0) is True
        assert issubclass(BodyMismatch, VerificationError)
        assert issubclass(BodyNotOpened, VerificationError)
    finally:
        store.close()
