"""The witness cosigns only consistent checkpoints and reports a fork or rollback loudly."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mohtasib.errors import InconsistentTreeHead, InputError, RootMismatch, VerificationError
from mohtasib.ledger._checkpoint import Checkpoint
from mohtasib.ledger._cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
)
from mohtasib.ledger._note import NoteSigner, open_note, parse_note, sign_note
from mohtasib.ledger._proofs import consistency_proof
from mohtasib.ledger._tree import MemoryNodes
from mohtasib.ledger._witness import Witness
from mohtasib.ledger.verify import leaf_hash

ORIGIN = "oversight.example.pk/ledger"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


class Log:
    """A tiny honest log: leaves in memory, checkpoints signed by its key."""

    def __init__(self, seed: int = 1) -> None:
        self.signer = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))
        self.tree = MemoryNodes()

    def grow(self, n: int, tag: str = "") -> None:
        start = self.tree.size
        self.tree.append(leaf_hash(f"entry {i}{tag}".encode()) for i in range(start, start + n))

    def checkpoint(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        return sign_note(Checkpoint(ORIGIN, size, self.tree.root(size)).to_text(), [self.signer])

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        return consistency_proof(old, self.tree.size if new is None else new, self.tree)


@pytest.fixture
def log() -> Log:
    log = Log()
    log.grow(5)
    return log


@pytest.fixture
def cosigner() -> CosignatureSigner:
    key = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    return CosignatureSigner("witness.example.org", key, clock=lambda: NOW)


@pytest.fixture
def witness(cosigner, tmp_path) -> Witness:
    return Witness(cosigner, tmp_path / "witness.json")


def test_first_checkpoint_is_refused_without_trust_on_first_use(witness, log):
    with pytest.raises(VerificationError, match="trust_first=True"):
        witness.cosign(log.checkpoint(), [], log=log.signer.verifier())
    assert witness.latest(ORIGIN) is None
    assert not witness.state_path.exists()


def test_first_checkpoint_is_accepted_with_trust_first_and_cosigned(witness, log, cosigner):
    cosigned = witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    text, names = open_note(cosigned, [log.signer.verifier(), cosigner.verifier()])
    assert names == [ORIGIN, "witness.example.org"]
    assert witness.latest(ORIGIN) == Checkpoint.from_text(text)


def test_cosignature_verifies_with_the_witness_vkey_and_follows_cosignature_v1(
    witness, log, cosigner
):
    vkey = cosigner.verifier().vkey
    assert base64.b64decode(vkey.split("+")[2])[0] == 0x04
    verifier = CosignatureVerifier.from_vkey(vkey)
    cosigned = witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    text, names = open_note(cosigned, [verifier])
    assert names == ["witness.example.org"]
    sig = parse_note(cosigned).signatures[-1]
    assert sig.key_id == verifier.key_id != log.signer.key_id
    assert len(sig.signature) == 8 + 64
    assert CosignatureVerifier.timestamp(sig.signature) == NOW
    message = b"cosignature/v1\ntime %d\n" % NOW + text.encode()
    assert cosigned_message(text.encode(), NOW) == message
    verifier.public_key.verify(sig.signature[8:], message)  # raises if not exactly this message


def test_cosignature_with_a_changed_timestamp_does_not_verify(witness, log, cosigner):
    cosigned = witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    sig = parse_note(cosigned).signatures[-1]
    moved = (NOW + 1).to_bytes(8, "big") + sig.signature[8:]
    assert not cosigner.verifier().verify(parse_note(cosigned).text.encode(), moved)


def test_consistent_growth_is_cosigned_and_stored(witness, log):
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    log.grow(8)
    witness.cosign(log.checkpoint(), log.proof(5), log=log.signer.verifier())
    assert witness.latest(ORIGIN).size == 13
    assert witness.latest(ORIGIN).root_hash == log.tree.root()


def test_same_checkpoint_again_is_cosigned_with_empty_proof(witness, log):
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier())
    with pytest.raises(VerificationError, match="must be empty"):
        witness.cosign(log.checkpoint(), [log.tree.root()], log=log.signer.verifier())


def test_fork_same_size_other_root_raises_and_shows_both_checkpoints(witness, log):
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    fork = Log()
    fork.grow(5, tag=" rewritten")
    with pytest.raises(InconsistentTreeHead, match="FORK") as caught:
        witness.cosign(fork.checkpoint(), [], log=log.signer.verifier())
    message = str(caught.value)
    assert base64.b64encode(log.tree.root()).decode() in message
    assert base64.b64encode(fork.tree.root()).decode() in message
    assert witness.latest(ORIGIN).root_hash == log.tree.root()


def test_rollback_to_smaller_size_raises_and_shows_both_checkpoints(witness, log):
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    with pytest.raises(InconsistentTreeHead, match="ROLLBACK") as caught:
        witness.cosign(log.checkpoint(3), [], log=log.signer.verifier())
    assert "stored checkpoint:\n    oversight.example.pk/ledger\n    5\n" in str(caught.value)
    assert "new checkpoint:\n    oversight.example.pk/ledger\n    3\n" in str(caught.value)
    assert witness.latest(ORIGIN).size == 5


def test_bad_consistency_proof_is_refused_and_state_unchanged(witness, log):
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    log.grow(3)
    proof = log.proof(5)
    proof[0] = bytes(32)
    with pytest.raises(RootMismatch):
        witness.cosign(log.checkpoint(), proof, log=log.signer.verifier())
    with pytest.raises(VerificationError, match="missing"):
        witness.cosign(log.checkpoint(), log.proof(5)[:-1], log=log.signer.verifier())
    assert witness.latest(ORIGIN).size == 5


def test_history_rewritten_behind_a_larger_checkpoint_is_refused(witness, log):
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    other = Log()
    other.grow(9, tag=" rewritten")
    with pytest.raises(RootMismatch):
        witness.cosign(other.checkpoint(), other.proof(5), log=log.signer.verifier())


def test_bad_log_signature_is_refused(witness, log):
    impostor = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x09" * 32))
    note = sign_note(Checkpoint(ORIGIN, 5, log.tree.root()).to_text(), [impostor])
    with pytest.raises(VerificationError, match="not signed by any known key"):
        witness.cosign(note, [], log=log.signer.verifier(), trust_first=True)
    tampered = log.checkpoint().replace("\n5\n", "\n6\n")
    with pytest.raises(VerificationError, match="does not verify"):
        witness.cosign(tampered, [], log=log.signer.verifier(), trust_first=True)
    assert not witness.state_path.exists()


def test_checkpoint_for_another_origin_is_refused(witness, log):
    note = sign_note(Checkpoint("other.example/log", 5, log.tree.root()).to_text(), [log.signer])
    with pytest.raises(VerificationError, match="origin"):
        witness.cosign(note, [], log=log.signer.verifier(), trust_first=True)


def test_state_persists_across_witness_instances(cosigner, tmp_path, log):
    path = tmp_path / "state.json"
    Witness(cosigner, path).cosign(
        log.checkpoint(), [], log=log.signer.verifier(), trust_first=True
    )
    state = json.loads(path.read_text())
    assert state["format"] == "mohtasib-witness-state/1"
    assert (
        state["logs"][ORIGIN]["checkpoint"]
        == Checkpoint.from_text(parse_note(log.checkpoint()).text).to_text()
    )
    again = Witness(cosigner, path)
    assert again.latest(ORIGIN).size == 5
    with pytest.raises(InconsistentTreeHead):
        again.cosign(log.checkpoint(2), [], log=log.signer.verifier())
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp files left


def test_growth_from_an_empty_tree_needs_no_proof(witness):
    log = Log()
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
    log.grow(4)
    witness.cosign(log.checkpoint(), [], log=log.signer.verifier())
    assert witness.latest(ORIGIN).size == 4


def test_empty_checkpoint_with_a_non_empty_root_is_refused(witness, log):
    note = sign_note(Checkpoint(ORIGIN, 0, log.tree.root()).to_text(), [log.signer])
    with pytest.raises(VerificationError, match="empty-tree root"):
        witness.cosign(note, [], log=log.signer.verifier(), trust_first=True)


def test_corrupt_state_file_is_reported_with_its_path(witness, log):
    witness.state_path.write_text("{not json")
    with pytest.raises(InputError, match=r"witness\.json"):
        witness.cosign(log.checkpoint(), [], log=log.signer.verifier(), trust_first=True)
