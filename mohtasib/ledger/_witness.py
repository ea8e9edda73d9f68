"""A witness: cosigns a log's checkpoints only while the log stays append-only.

The witness keeps, per log origin, the last checkpoint it cosigned. Given a new
signed checkpoint and a consistency proof from the stored one, it

1. verifies the log's signature on the note (C2SP signed-note);
2. parses the checkpoint (C2SP tlog-checkpoint) and checks its origin;
3. refuses a rollback (smaller tree) or a fork (same size, other root) with
   :class:`~mohtasib.errors.InconsistentTreeHead`, naming both checkpoints;
4. verifies the consistency proof (RFC 9162 §2.1.4.2) with
   :func:`mohtasib.ledger.verify.verify_consistency`;
5. stores the new checkpoint (atomically: temporary file, fsync, ``os.replace``)
   and only then returns the note with its ``cosignature/v1`` line added
   (https://c2sp.org/tlog-cosignature).

This follows the checks of C2SP ``tlog-witness`` (https://c2sp.org/tlog-witness)
without its HTTP layer. The first checkpoint of a log has nothing to be
consistent with; it is accepted only with ``trust_first=True`` (trust on first
use, an explicit decision by the operator).

Key rotation (:mod:`mohtasib.ledger._keyring`): the witness remembers, per origin,
the log key it trusts. A checkpoint signed by another key of the same name is
accepted only through a *handover*: the new checkpoint, or the last one the witness
stored, must also carry a valid signature by the trusted key. The new key then
becomes the trusted one and the old key is remembered as retired; a retired key is
never trusted again, so a leaked old key cannot take the log back.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mohtasib.errors import InconsistentTreeHead, InputError, VerificationError
from mohtasib.ledger._checkpoint import Checkpoint
from mohtasib.ledger._cosignature import CosignatureSigner
from mohtasib.ledger._note import NoteVerifier, append_signatures, open_note
from mohtasib.ledger.verify import EMPTY_ROOT, verify_consistency

__all__ = ["Witness"]

_FORMAT = "mohtasib-witness-state/1"


def _show(checkpoint: Checkpoint) -> str:
    return "".join(f"    {line}\n" for line in checkpoint.to_text().splitlines())


def _write_atomically(path: Path, data: str) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Witness:
    """Cosigns checkpoints of logs it has seen grow consistently.

    Parameters
    ----------
    signer
        The witness's own key (signature type 0x04, C2SP tlog-cosignature).
    state_path
        JSON file holding the last cosigned checkpoint per origin; created on
        the first accepted checkpoint. Written atomically.

    Notes
    -----
    One ``Witness`` object serialises its own calls; two processes must not
    share one state file.
    """

    def __init__(self, signer: CosignatureSigner, state_path: str | os.PathLike[str]) -> None:
        self.signer = signer
        self.state_path = Path(state_path)
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.state_path.exists():
            return {}
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"witness state is unreadable: {exc}", source=str(self.state_path)
            ) from exc
        if not isinstance(state, dict) or state.get("format") != _FORMAT or "logs" not in state:
            raise InputError(f"not a {_FORMAT} file", source=str(self.state_path))
        logs: dict[str, dict[str, Any]] = state["logs"]
        return logs

    def _save(self, logs: dict[str, dict[str, Any]]) -> None:
        state = {"format": _FORMAT, "witness": self.signer.name, "logs": logs}
        _write_atomically(self.state_path, json.dumps(state, indent=2, sort_keys=True) + "\n")

    def latest(self, origin: str) -> Checkpoint | None:
        """The last checkpoint cosigned for ``origin``, or None if it was never seen."""
        entry = self._load().get(origin)
        return None if entry is None else Checkpoint.from_text(entry["checkpoint"])

    def cosign(
        self,
        note: str,
        proof: Sequence[bytes],
        *,
        log: NoteVerifier,
        origin: str | None = None,
        trust_first: bool = False,
    ) -> str:
        """Check a signed checkpoint against the stored one and cosign it.

        Parameters
        ----------
        note
            The checkpoint as a signed note, signed by ``log``.
        proof
            Consistency proof from the stored checkpoint's size to the new one
            (empty when the sizes are equal, or for a first checkpoint).
        log
            The log's public key. When it is not the key this witness trusts for the
            origin, the note is accepted only as a handover (module docstring).
        origin
            The origin line the checkpoint must carry; defaults to ``log.name``.
        trust_first
            Accept the first checkpoint seen for this origin without a proof.

        Returns
        -------
        str
            ``note`` with the witness's cosignature line appended.

        Raises
        ------
        InconsistentTreeHead
            On a rollback or a fork; the message shows both checkpoints.
        VerificationError
            On a bad log signature, a malformed checkpoint, another origin, an
            unknown log without ``trust_first``, a new log key without a handover
            (or a retired one), or a consistency proof that does not verify
            (RootMismatch when it leads to another root).
        """
        with self._lock:
            text, _ = open_note(note, [log])
            new = Checkpoint.from_text(text)
            want = log.name if origin is None else origin
            if new.origin != want:
                raise VerificationError(f"checkpoint origin is {new.origin!r}; want {want!r}")
            if new.size == 0 and new.root_hash != EMPTY_ROOT:
                raise VerificationError("checkpoint of size 0 does not carry the empty-tree root")
            logs = self._load()
            entry = logs.get(new.origin)
            retired: list[str] = []
            if entry is None:
                self._check_first(new, proof, trust_first=trust_first)
            else:
                retired = self._check_key(entry, note, log)
                self._check_consistent(Checkpoint.from_text(entry["checkpoint"]), new, proof)
            cosigned = append_signatures(note, [self.signer])
            logs[new.origin] = {
                "checkpoint": new.to_text(),
                "note": note,
                "vkey": log.vkey,
                "retired_vkeys": retired,
            }
            self._save(logs)
            return cosigned

    @staticmethod
    def _check_key(entry: dict[str, Any], note: str, log: NoteVerifier) -> list[str]:
        """The retired keys after accepting ``note`` from ``log`` (module docstring).

        A state written before keys were remembered records no key: the key given is
        taken only when the last checkpoint it cosigned verifies with that key (else a
        new key could be pinned without any handover).
        """
        if "vkey" not in entry:
            try:
                open_note(str(entry.get("note", "")), [log])
            except VerificationError as exc:
                raise VerificationError(
                    f"witness state from an earlier version records no key for log "
                    f"{log.name!r}, and the last checkpoint it cosigned does not verify with "
                    f"key {log.name}+{log.key_id.hex()} ({exc}); give the key that signed it"
                ) from exc
        trusted_vkey = entry.get("vkey", log.vkey)
        retired = list(entry.get("retired_vkeys", []))
        if log.vkey == trusted_vkey:
            return retired
        if log.vkey in retired:
            raise VerificationError(
                f"checkpoint is signed by key {log.name}+{log.key_id.hex()}, which this "
                "witness saw retired; a retired key is never trusted again"
            )
        trusted = NoteVerifier.from_vkey(trusted_vkey)
        for signed in (note, entry["note"]):
            try:
                open_note(signed, [trusted])
                open_note(signed, [log])
            except VerificationError:
                continue
            return [*retired, trusted_vkey]
        raise VerificationError(
            f"checkpoint is signed by key {log.name}+{log.key_id.hex()}; this witness trusts "
            f"{trusted.name}+{trusted.key_id.hex()} for this log, and takes a new key only "
            "from a handover checkpoint signed by both"
        )

    @staticmethod
    def _check_first(new: Checkpoint, proof: Sequence[bytes], *, trust_first: bool) -> None:
        if not trust_first:
            raise VerificationError(
                f"no checkpoint of log {new.origin!r} was seen before; pass trust_first=True "
                "to accept this one on trust (first use)"
            )
        if proof:
            raise VerificationError("a first checkpoint comes with an empty consistency proof")

    @staticmethod
    def _check_consistent(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
        both = f"stored checkpoint:\n{_show(old)}new checkpoint:\n{_show(new)}"
        if new.size < old.size:
            raise InconsistentTreeHead(
                f"ROLLBACK: log {new.origin!r} presents size {new.size} after the witness "
                f"cosigned size {old.size}\n{both}"
            )
        if new.size == old.size and new.root_hash != old.root_hash:
            raise InconsistentTreeHead(
                f"FORK: log {new.origin!r} signed two different roots for size {new.size}\n{both}"
            )
        if old.size in (0, new.size):
            if proof:
                raise VerificationError(
                    f"consistency proof from size {old.size} to {new.size} must be empty"
                )
            return
        try:
            verify_consistency(
                list(proof),
                size1=old.size,
                size2=new.size,
                root1=old.root_hash,
                root2=new.root_hash,
            )
        except VerificationError as exc:
            exc.add_note(both)
            raise
