"""Retired signer keys vouch only up to their retirement size; legacy witness state."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger import (
    AccessRecord,
    CosignatureSigner,
    Keyring,
    NoteSigner,
    NoteVerifier,
    Witness,
    audit_log,
    create_keys,
    ledger_statistics,
    load_keys,
    open_checkpoint_any,
    publish_checkpoint,
    rotate_signer,
)
from mohtasib.ledger._bounds import BoundedVerifier, bound_line, parse_verifier_lines
from mohtasib.ledger._proofs import consistency_proof
from mohtasib.ledger._store import LedgerStore
from tests.ledger.test_rotation import ORIGIN, _ledger

MakeRecord = Callable[..., AccessRecord]


class _Rotated:
    """A log of 4 entries, rotated at size 4, then grown to 6 (SYNTHETIC records)."""

    def __init__(self, keys_dir: Path, store: LedgerStore, make_record: MakeRecord) -> None:
        ledger = _ledger(store, keys_dir)
        ledger.append_many([make_record() for _ in range(4)])
        self.old: NoteSigner = load_keys(keys_dir).require_signer()
        self.before = publish_checkpoint(store, self.old)
        self.handover = rotate_signer(keys_dir, store).handover
        ledger.append_many([make_record() for _ in range(2)])
        self.new: NoteSigner = load_keys(keys_dir).require_signer()
        self.after = publish_checkpoint(store, self.new)
        # the retired secret, still in retired/, signs a checkpoint after the rotation
        self.leaked = publish_checkpoint(store, self.old)
        self.ring = Keyring.load(keys_dir)


@pytest.fixture
def rotated(tmp_path: Path, memory_store: LedgerStore, make_record: MakeRecord) -> _Rotated:
    create_keys(tmp_path / "keys", origin=ORIGIN)
    return _Rotated(tmp_path / "keys", memory_store, make_record)


def test_keyring_verifiers_carry_the_retirement_size(rotated: _Rotated) -> None:
    current, retired = rotated.ring.verifiers()
    assert current.key_id == rotated.new.key_id and not isinstance(current, BoundedVerifier)
    assert isinstance(retired, BoundedVerifier) and retired.max_size == 4
    assert retired.key_id == rotated.old.key_id


def test_a_retired_key_verifies_up_to_the_handover_and_no_further(rotated: _Rotated) -> None:
    verifiers = rotated.ring.verifiers()
    sizes = [open_checkpoint_any(n, verifiers).size for n in (rotated.before, rotated.handover)]
    assert sizes == [4, 4]
    assert open_checkpoint_any(rotated.after, verifiers).size == 6
    old_id = rotated.old.key_id.hex()
    with pytest.raises(
        VerificationError, match=rf"size 6 .*{ORIGIN}\+{old_id} \(retired at size 4\)"
    ):
        open_checkpoint_any(rotated.leaked, verifiers)


def test_max_sizes_bound_bare_verifiers(rotated: _Rotated) -> None:
    bare = [NoteVerifier.from_vkey(v) for v in rotated.ring.verifier_keys()]
    assert open_checkpoint_any(rotated.leaked, bare).size == 6  # no bound: today's meaning
    bound = {rotated.old.key_id.hex(): 4}
    assert open_checkpoint_any(rotated.handover, bare, max_sizes=bound).size == 4
    with pytest.raises(VerificationError, match="retired at size 4"):
        open_checkpoint_any(rotated.leaked, bare, max_sizes=bound)
    # the tighter of a verifier's own bound and the mapping wins
    with pytest.raises(VerificationError, match="retired at size 3"):
        open_checkpoint_any(
            rotated.before, rotated.ring.verifiers(), max_sizes={bound.popitem()[0]: 3}
        )


def test_audit_reports_a_checkpoint_signed_by_a_retired_key_after_its_rotation(
    rotated: _Rotated, memory_store: LedgerStore
) -> None:
    verifiers = rotated.ring.verifiers()
    good = audit_log(
        memory_store, [rotated.before, rotated.handover, rotated.after], verifiers=verifiers
    )
    assert good.ok, good.findings
    bad = audit_log(memory_store, [rotated.handover, rotated.leaked], verifiers=verifiers)
    assert not bad.ok
    assert [(f.kind, f.checkpoint) for f in bad.findings] == [("forged_checkpoint", 1)]
    assert "retired at size 4" in bad.findings[0].message


def test_statistics_refuse_a_checkpoint_signed_by_a_retired_key_after_its_rotation(
    rotated: _Rotated, memory_store: LedgerStore
) -> None:
    start, end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    verifiers = rotated.ring.verifiers()
    ok = ledger_statistics(
        memory_store, start=start, end=end, checkpoint=rotated.handover, verifier=verifiers
    )
    assert ok.checkpoint is not None and ok.checkpoint.consistent and ok.checkpoint.size == 4
    bad = ledger_statistics(
        memory_store, start=start, end=end, checkpoint=rotated.leaked, verifier=verifiers
    )
    assert bad.checkpoint is not None and not bad.checkpoint.consistent
    assert bad.checkpoint.size is None
    assert "retired at size 4" in bad.checkpoint.findings[0].message


def test_verifiers_text_round_trips_with_its_bounds(rotated: _Rotated) -> None:
    text = rotated.ring.verifiers_text()
    old = rotated.old.verifier()
    assert text.splitlines() == [
        rotated.new.verifier().vkey,
        f"# retired: {ORIGIN}+{old.key_id.hex()} up to size 4",
        old.vkey,
    ]
    assert bound_line(old.name, old.key_id, 4) == text.splitlines()[1]
    parsed = parse_verifier_lines(text.splitlines(), "verifiers.txt")
    assert [v.vkey for v in parsed] == rotated.ring.verifier_keys()
    assert [getattr(v, "max_size", None) for v in parsed] == [None, 4]
    # other comments and blank lines are skipped; a bare key keeps no bound
    bare = parse_verifier_lines(["# keys of the log", "", old.vkey], "v.txt")
    assert [getattr(v, "max_size", None) for v in bare] == [None]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["# retired: nothing up to size 4"], r"line 1: .*want '# retired: <key name>"),
        (["# retired: a+0011aabb up to size -1"], r"line 1: .*want"),
        (["# retired: a+0011aabb up to size 4"], r"line 1: bound for key a\+0011aabb, which"),
    ],
)
def test_malformed_bounds_name_the_file_and_line(lines: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_verifier_lines(lines, "verifiers.txt")
    assert "verifiers.txt" in str(caught.value)


def test_legacy_witness_state_pins_only_the_key_that_signed_its_last_checkpoint(
    tmp_path: Path, memory_store: LedgerStore, make_record: MakeRecord
) -> None:
    keys_dir = tmp_path / "keys"
    create_keys(keys_dir, origin=ORIGIN)
    ledger = _ledger(memory_store, keys_dir)
    ledger.append_many([make_record() for _ in range(2)])
    log = load_keys(keys_dir).require_signer()
    witness = Witness(CosignatureSigner.generate("witness.example.org"), tmp_path / "w.json")
    witness.cosign(publish_checkpoint(memory_store, log), [], log=log.verifier(), trust_first=True)
    # make the state look as the previous version wrote it: no key remembered
    state = json.loads(witness.state_path.read_text())
    for entry in state["logs"].values():
        del entry["vkey"], entry["retired_vkeys"]
    witness.state_path.write_text(json.dumps(state))
    legacy = witness.state_path.read_text()
    # a stranger's key of the same name is refused, not pinned
    stranger = create_keys(tmp_path / "stranger", origin=ORIGIN).require_signer()
    ledger.append(make_record())
    forged = publish_checkpoint(memory_store, stranger)
    with pytest.raises(VerificationError, match="earlier version records no key"):
        witness.cosign(forged, consistency_proof(2, 3, memory_store), log=stranger.verifier())
    assert witness.state_path.read_text() == legacy
    # the key that signed the stored checkpoint is taken and pinned
    real = publish_checkpoint(memory_store, log)
    witness.cosign(real, consistency_proof(2, 3, memory_store), log=log.verifier())
    pinned = json.loads(witness.state_path.read_text())["logs"][ORIGIN]
    assert pinned["vkey"] == log.verifier().vkey
