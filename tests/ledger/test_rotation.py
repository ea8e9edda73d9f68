"""Key rotation: signer handover, oversight key change, keyring reading, witness and audit."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import ConfigError, InputError, VerificationError
from mohtasib.ledger import (
    AccessRecord,
    CosignatureSigner,
    Keyring,
    KeyringOpener,
    Ledger,
    NoteVerifier,
    Witness,
    audit_log,
    create_keys,
    load_keys,
    open_checkpoint,
    open_checkpoint_any,
    open_note,
    oversight_fingerprint,
    parse_leaf,
    parse_note,
    publish_checkpoint,
    rotate_oversight,
    rotate_signer,
)
from mohtasib.ledger._keyring import _rotation_lock
from mohtasib.ledger._proofs import consistency_proof
from mohtasib.ledger._retention import retention_sweep
from mohtasib.ledger._store import LedgerStore

ORIGIN = "oversight.example.pk/ledger-SYNTHETIC"
MakeRecord = Callable[..., AccessRecord]


def _ledger(store: LedgerStore, keys_dir: Path) -> Ledger:
    keys = load_keys(keys_dir)
    return Ledger(
        store,
        oversight_public_key=keys.oversight_public_key,
        pseudonym_key=keys.pseudonym_key,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    create_keys(tmp_path / "keys", origin=ORIGIN)
    return tmp_path / "keys"


def test_new_key_directory_starts_its_history(keys_dir: Path) -> None:
    ring = Keyring.load(keys_dir)
    signer, oversight = ring.current("signer"), ring.current("oversight")
    assert signer.public == load_keys(keys_dir).verifier_key
    assert oversight.key_id == oversight_fingerprint(load_keys(keys_dir).oversight_public_key)
    assert signer.created is not None and oversight.created is not None
    assert ring.retired("signer") == [] and ring.verifier_keys() == [signer.public]
    assert _mode(keys_dir / "keyring.json") == 0o644
    assert "PRIVATE" not in (keys_dir / "keyring.json").read_text()


def test_signer_rotation_hands_over_with_both_signatures(
    keys_dir: Path, store: LedgerStore, make_record: MakeRecord
) -> None:
    ledger = _ledger(store, keys_dir)
    ledger.append_many([make_record() for _ in range(5)])
    old = load_keys(keys_dir).require_signer()
    before = publish_checkpoint(store, old)

    done = rotate_signer(keys_dir, store)

    new = load_keys(keys_dir).require_signer()
    assert new.name == old.name == ORIGIN and new.key_id != old.key_id
    assert (done.old_key_id, done.new_key_id) == (old.key_id.hex(), new.key_id.hex())
    assert (keys_dir / "log.vkey").read_text().strip() == new.verifier().vkey == done.new_vkey
    # the handover is one note, signed by both keys, for the size at the rotation
    signatures = parse_note(done.handover).signatures
    assert [(s.name, s.key_id) for s in signatures] == [(ORIGIN, old.key_id), (ORIGIN, new.key_id)]
    assert open_checkpoint(done.handover, old.verifier()).size == 5
    assert open_checkpoint(done.handover, new.verifier()).size == 5
    assert store.checkpoints()[-1] == (5, done.handover)
    # before: old key only; after: new key only
    ledger.append(make_record())
    after = publish_checkpoint(store, new)
    assert open_checkpoint(before, old.verifier()).size == 5
    with pytest.raises(VerificationError, match="not signed by any known key"):
        open_checkpoint(before, new.verifier())
    assert open_checkpoint(after, new.verifier()).size == 6
    with pytest.raises(VerificationError, match="not signed by any known key"):
        open_checkpoint(after, old.verifier())
    both = [new.verifier(), old.verifier()]
    assert [open_checkpoint_any(n, both).size for n in (before, done.handover, after)] == [5, 5, 6]


def test_signer_rotation_files_history_and_modes(keys_dir: Path, memory_store: LedgerStore) -> None:
    old_skey = (keys_dir / "log.skey").read_text()
    done = rotate_signer(keys_dir, memory_store, now="2026-11-27T10:00:00+00:00")
    retired = keys_dir / "retired"
    assert _mode(retired) == 0o700
    assert done.retired_secret == retired / f"log-{done.old_key_id}.skey"
    assert done.retired_secret.read_text() == old_skey  # moved aside, not lost
    assert _mode(done.retired_secret) == 0o600
    assert _mode(keys_dir / "log.skey") == 0o600
    assert (retired / f"log-{done.old_key_id}.vkey").read_text().strip() == done.old_vkey
    assert not (keys_dir / "log.skey.new").exists()
    assert not [p for p in keys_dir.rglob("*.tmp")]
    history = json.loads((keys_dir / "keyring.json").read_text())["keys"]
    signers = [k for k in history if k["kind"] == "signer"]
    assert signers[0]["key_id"] == done.old_key_id
    assert signers[0]["retired"] == "2026-11-27T10:00:00+00:00"
    assert signers[0]["handover"] == done.handover and signers[0]["log_size"] == 0
    assert signers[1]["key_id"] == done.new_key_id and signers[1]["retired"] is None
    ring = Keyring.load(keys_dir)
    assert ring.verifier_keys() == [done.new_vkey, done.old_vkey]
    assert ring.retired_secrets == (done.old_key_id,)
    assert "PRIVATE" not in json.dumps(done.to_dict())


def test_two_rotations_keep_every_verifier(keys_dir: Path, memory_store: LedgerStore) -> None:
    first = rotate_signer(keys_dir, memory_store)
    second = rotate_signer(keys_dir, memory_store)
    assert second.old_key_id == first.new_key_id
    ring = Keyring.load(keys_dir)
    assert ring.verifier_keys() == [second.new_vkey, first.new_vkey, first.old_vkey]
    assert [r.key_id for r in ring.retired("signer")] == [first.new_key_id, first.old_key_id]


def test_interrupted_rotation_is_reported_not_guessed(keys_dir: Path) -> None:
    (keys_dir / "log.skey.new").write_text("x")
    with pytest.raises(ConfigError, match=r"stopped half-way.*log\.skey\.new"):
        load_keys(keys_dir)
    (keys_dir / "log.skey.new").unlink()
    other = create_keys(keys_dir.parent / "other", origin=ORIGIN)
    (keys_dir / "log.vkey").write_text(other.verifier_key + "\n")
    with pytest.raises(ConfigError, match=r"log\.vkey does not match log\.skey"):
        load_keys(keys_dir)


def test_a_second_rotation_at_the_same_time_is_refused(
    keys_dir: Path, memory_store: LedgerStore
) -> None:
    before = (keys_dir / "log.skey").read_text()
    with _rotation_lock(keys_dir), pytest.raises(ConfigError, match="another key rotation"):
        rotate_signer(keys_dir, memory_store)
    assert (keys_dir / "log.skey").read_text() == before
    assert memory_store.checkpoints() == []


def test_rotation_without_a_signer_is_refused(keys_dir: Path, memory_store: LedgerStore) -> None:
    (keys_dir / "log.skey").unlink()
    with pytest.raises(ConfigError, match="no log signer key"):
        rotate_signer(keys_dir, memory_store)


# witness


def _witness(tmp_path: Path) -> Witness:
    return Witness(CosignatureSigner.generate("witness.example.org"), tmp_path / "witness.json")


def test_witness_follows_the_handover_then_the_new_key(
    keys_dir: Path, memory_store: LedgerStore, make_record: MakeRecord, tmp_path: Path
) -> None:
    ledger = _ledger(memory_store, keys_dir)
    ledger.append_many([make_record() for _ in range(3)])
    old = load_keys(keys_dir).require_signer()
    witness = _witness(tmp_path)
    witness.cosign(publish_checkpoint(memory_store, old), [], log=old.verifier(), trust_first=True)
    ledger.append_many([make_record() for _ in range(4)])
    done = rotate_signer(keys_dir, memory_store)
    new = load_keys(keys_dir).require_signer()
    # the handover, presented with the new key, is accepted: the old key signed it too
    cosigned = witness.cosign(
        done.handover, consistency_proof(3, 7, memory_store), log=new.verifier()
    )
    assert len(parse_note(cosigned).signatures) == 3  # both log keys and the witness
    ledger.append_many([make_record() for _ in range(2)])
    after = publish_checkpoint(memory_store, new)
    witness.cosign(after, consistency_proof(7, 9, memory_store), log=new.verifier())
    assert witness.latest(ORIGIN).size == 9  # type: ignore[union-attr]
    state = json.loads(witness.state_path.read_text())["logs"][ORIGIN]
    assert state["vkey"] == new.verifier().vkey
    assert state["retired_vkeys"] == [old.verifier().vkey]


def test_witness_takes_the_new_key_from_a_handover_seen_under_the_old_one(
    keys_dir: Path, memory_store: LedgerStore, make_record: MakeRecord, tmp_path: Path
) -> None:
    ledger = _ledger(memory_store, keys_dir)
    ledger.append_many([make_record() for _ in range(2)])
    old = load_keys(keys_dir).require_signer()
    witness = _witness(tmp_path)
    witness.cosign(publish_checkpoint(memory_store, old), [], log=old.verifier(), trust_first=True)
    done = rotate_signer(keys_dir, memory_store)
    witness.cosign(done.handover, [], log=old.verifier())  # the witness still names the old key
    new = load_keys(keys_dir).require_signer()
    ledger.append(make_record())
    after = publish_checkpoint(memory_store, new)
    witness.cosign(after, consistency_proof(2, 3, memory_store), log=new.verifier())
    assert witness.latest(ORIGIN).size == 3  # type: ignore[union-attr]


def test_witness_refuses_a_new_key_without_handover_and_a_retired_key(
    keys_dir: Path, memory_store: LedgerStore, make_record: MakeRecord, tmp_path: Path
) -> None:
    ledger = _ledger(memory_store, keys_dir)
    ledger.append(make_record())
    old = load_keys(keys_dir).require_signer()
    witness = _witness(tmp_path)
    witness.cosign(publish_checkpoint(memory_store, old), [], log=old.verifier(), trust_first=True)
    # an impostor key of the same name, never handed over
    stranger = create_keys(tmp_path / "stranger", origin=ORIGIN).require_signer()
    ledger.append(make_record())
    forged = publish_checkpoint(memory_store, stranger)
    with pytest.raises(VerificationError, match="only from a handover checkpoint signed by both"):
        witness.cosign(forged, consistency_proof(1, 2, memory_store), log=stranger.verifier())
    assert witness.latest(ORIGIN).size == 1  # type: ignore[union-attr]
    # a real handover, then a checkpoint signed by the retired key is refused
    done = rotate_signer(keys_dir, memory_store)
    new = load_keys(keys_dir).require_signer()
    witness.cosign(done.handover, consistency_proof(1, 2, memory_store), log=new.verifier())
    ledger.append(make_record())
    stale = publish_checkpoint(memory_store, old)
    with pytest.raises(VerificationError, match="saw retired"):
        witness.cosign(stale, consistency_proof(2, 3, memory_store), log=old.verifier())


# oversight key


def test_oversight_rotation_seals_new_records_to_the_new_key(
    keys_dir: Path, memory_store: LedgerStore, make_record: MakeRecord
) -> None:
    old_private = load_keys(keys_dir).oversight_private_key
    assert old_private is not None
    ledger = _ledger(memory_store, keys_dir)
    ledger.append_many([make_record(purpose="investigation") for _ in range(3)])
    pair = PrivateKey.generate()
    public = base64.b64encode(bytes(pair.public_key)).decode()
    done = rotate_oversight(keys_dir, public, log_size=ledger.size())
    ledger.set_oversight_public_key(load_keys(keys_dir).oversight_public_key)
    ledger.append(make_record(requester="INSP-5678"))
    ledger.append_many([make_record(requester="INSP-5678")])

    assert done.old_fingerprint == oversight_fingerprint(bytes(PrivateKey(old_private).public_key))
    assert done.new_fingerprint == oversight_fingerprint(bytes(pair.public_key))
    assert done.old_private_kept and not done.new_private_here
    assert not (keys_dir / "oversight.key").exists()  # the server never held the new private key
    retired_key = keys_dir / "retired" / f"oversight-{done.old_fingerprint}.key"
    assert _mode(retired_key) == 0o600
    # each key opens its own records, and only those
    assert ledger.read_record(0, old_private).requester == "INSP-1234"
    assert ledger.read_record(3, pair).requester == "INSP-5678"
    assert ledger.read_record(4, pair).requester == "INSP-5678"
    with pytest.raises(VerificationError, match="does not open"):
        ledger.read_record(3, old_private)
    with pytest.raises(VerificationError, match="does not open"):
        ledger.read_record(0, pair)
    # a keyring of both reads everything
    both = KeyringOpener([bytes(pair), old_private])
    assert [both.read_record(memory_store, i).requester for i in range(5)] == [
        "INSP-1234",
        "INSP-1234",
        "INSP-1234",
        "INSP-5678",
        "INSP-5678",
    ]
    # the server's keyring (the retired key only) names what it tried
    ring = Keyring.load(keys_dir)
    assert list(ring.private_keys) == [done.old_fingerprint]
    opener = ring.opener()
    assert opener is not None and opener.read_record(memory_store, 1).requester == "INSP-1234"
    with pytest.raises(VerificationError, match=f"tried {done.old_fingerprint}"):
        opener.read_record(memory_store, 3)
    assert ring.current("oversight").key_id == done.new_fingerprint
    assert [r.key_id for r in ring.retired("oversight")] == [done.old_fingerprint]
    assert ring.retired("oversight")[0].log_size == 3


def test_keyring_opener_reports_a_body_that_does_not_match_and_a_tombstone(
    keys_dir: Path, memory_store: LedgerStore, make_record: MakeRecord
) -> None:
    ledger = _ledger(memory_store, keys_dir)
    ledger.append_many([make_record(), make_record()])
    ring = Keyring.load(keys_dir)
    opener = ring.opener()
    assert opener is not None
    sealed_other = memory_store.entry(1).body
    assert sealed_other is not None
    leaf0 = memory_store.entry(0).leaf_data
    commitment = parse_leaf(leaf0).commitment
    assert commitment is not None
    with pytest.raises(VerificationError, match="does not match the leaf's commitment"):
        opener.open(sealed_other, commitment)
    retention_sweep(
        ledger,
        now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        periods={"standard": dt.timedelta(days=1)},
    )
    with pytest.raises(InputError, match="has no record body"):
        opener.read_record(memory_store, 0)


def test_generated_oversight_key_stays_here_for_a_demo(keys_dir: Path) -> None:
    pair = PrivateKey.generate()
    done = rotate_oversight(keys_dir, bytes(pair.public_key), log_size=0, private_key=bytes(pair))
    assert done.new_private_here
    assert load_keys(keys_dir).oversight_private_key == bytes(pair)
    assert _mode(keys_dir / "oversight.key") == 0o600
    ring = Keyring.load(keys_dir)
    assert set(ring.private_keys) == {done.old_fingerprint, done.new_fingerprint}
    opener = ring.opener()
    assert opener is not None and opener.fingerprints[0] == done.new_fingerprint


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64!", "not standard base64"),
        (base64.b64encode(b"x" * 31).decode(), "decodes to 31 bytes; want 32"),
        (base64.b64encode(bytes(32)).decode(), "all zero bytes"),
        ("", "give the new public key"),
    ],
)
def test_bad_oversight_public_keys_are_refused(keys_dir: Path, value: str, message: str) -> None:
    before = (keys_dir / "oversight.pub").read_text()
    with pytest.raises(InputError, match=message):
        rotate_oversight(keys_dir, value, log_size=0)
    assert (keys_dir / "oversight.pub").read_text() == before
    assert not (keys_dir / "retired").exists()


def test_current_or_retired_oversight_key_is_refused(keys_dir: Path) -> None:
    current = (keys_dir / "oversight.pub").read_text().strip()
    with pytest.raises(InputError, match="the oversight key in use"):
        rotate_oversight(keys_dir, current, log_size=0)
    rotate_oversight(keys_dir, bytes(PrivateKey.generate().public_key), log_size=0)
    with pytest.raises(InputError, match="used before and retired"):
        rotate_oversight(keys_dir, current, log_size=0)
    pair, other = PrivateKey.generate(), PrivateKey.generate()
    with pytest.raises(InputError, match="does not match"):
        rotate_oversight(keys_dir, bytes(pair.public_key), log_size=0, private_key=bytes(other))


def test_a_history_that_disagrees_with_the_files_changes_nothing(
    keys_dir: Path, memory_store: LedgerStore, tmp_path: Path
) -> None:
    other = create_keys(tmp_path / "other", origin=ORIGIN)
    (keys_dir / "oversight.pub").write_text(
        base64.b64encode(other.oversight_public_key).decode() + "\n"
    )  # with its private half: a mismatched pair is refused by load_keys itself
    (keys_dir / "oversight.key").write_bytes((tmp_path / "other" / "oversight.key").read_bytes())
    before = {p.name: p.read_bytes() for p in keys_dir.iterdir() if p.is_file()}
    with pytest.raises(ConfigError, match=r"no oversight key .* in use"):
        rotate_oversight(keys_dir, bytes(PrivateKey.generate().public_key), log_size=0)
    for name in ("log.skey", "log.vkey"):
        (keys_dir / name).write_bytes((tmp_path / "other" / name).read_bytes())
    with pytest.raises(ConfigError, match=r"no signer key .* in use"):
        rotate_signer(keys_dir, memory_store)
    after = {p.name: p.read_bytes() for p in keys_dir.iterdir() if p.is_file()}
    assert after.pop("rotation.lock") == b""  # the lock file, empty
    assert {k: v for k, v in after.items() if not k.startswith("log.")} == {
        k: v for k, v in before.items() if not k.startswith("log.")
    }
    assert memory_store.checkpoints() == []
    assert not (keys_dir / "log.skey.new").exists()


def test_keyring_opener_needs_a_key() -> None:
    with pytest.raises(ConfigError, match="at least one"):
        KeyringOpener([])


# outside audit


def test_audit_passes_across_a_signer_rotation_with_every_verifier(
    keys_dir: Path, store: LedgerStore, make_record: MakeRecord
) -> None:
    ledger = _ledger(store, keys_dir)
    ledger.append_many([make_record() for _ in range(4)])
    old = load_keys(keys_dir).require_signer()
    notes = [publish_checkpoint(store, old)]
    notes.append(rotate_signer(keys_dir, store).handover)
    ledger.append_many([make_record() for _ in range(3)])
    new = load_keys(keys_dir).require_signer()
    notes.append(publish_checkpoint(store, new))
    verifiers = Keyring.load(keys_dir).verifiers()
    result = audit_log(store, notes, verifiers=verifiers)
    assert result.ok, result.findings
    assert result.checkpoints_checked == 3 and result.size == 7
    # with the new key only, the checkpoint signed by the old key alone is not accepted
    partial = audit_log(store, notes, verifiers=[NoteVerifier.from_vkey(new.verifier().vkey)])
    assert not partial.ok
    assert [f.checkpoint for f in partial.findings] == [0]
    _text, names = open_note(notes[1], verifiers)
    assert names == [ORIGIN]
