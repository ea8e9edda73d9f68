"""Verifiable access ledger: every use of surveillance data in an RFC 9162 Merkle log.

Appends are checked against an access policy (denied accesses are recorded, never dropped);
record bodies are sealed to the oversight body and leaves reveal nothing about people;
checkpoints are C2SP signed notes that witnesses cosign only when consistent; retention deletes
bodies and appends tombstones without breaking earlier proofs. :mod:`mohtasib.ledger.verify` is
the standalone verifier (standard library only) that an outside auditor runs.
"""

from __future__ import annotations

from mohtasib.ledger._audit import (
    AuditFinding,
    LogAuditResult,
    audit_log,
)
from mohtasib.ledger._bundles import (
    ConsistencyBundle,
    InclusionBundle,
    load_bundle,
    open_checkpoint,
    publish_checkpoint,
    verify_bundle,
)
from mohtasib.ledger._checkpoint import (
    Checkpoint,
)
from mohtasib.ledger._cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
)
from mohtasib.ledger._keyring import (
    KeyRecord,
    Keyring,
    KeyringOpener,
    OversightRotation,
    SignerRotation,
    open_checkpoint_any,
    oversight_fingerprint,
    parse_oversight_public_key,
    rotate_oversight,
    rotate_signer,
)
from mohtasib.ledger._keys import (
    LedgerKeys,
    create_keys,
    load_keys,
)
from mohtasib.ledger._log import (
    Ledger,
    Receipt,
)
from mohtasib.ledger._memory import (
    MemoryLedgerStore,
)
from mohtasib.ledger._note import (
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    ParsedNote,
    Verifier,
    append_signatures,
    open_note,
    parse_note,
    sign_note,
)
from mohtasib.ledger._policy import (
    Decision,
    Policy,
    evaluate,
    load_policy,
)
from mohtasib.ledger._postgres import (
    PostgresLedgerStore,
)
from mohtasib.ledger._proofs import (
    consistency_proof,
    inclusion_proof,
)
from mohtasib.ledger._records import (
    ACTIONS,
    AccessRecord,
    CourtOrder,
    Fir,
    LegalAuthority,
    Warrant,
    pseudonymise,
)
from mohtasib.ledger._retention import (
    RetentionSweep,
    retention_sweep,
)
from mohtasib.ledger._sealing import (
    BodyMismatch,
    BodyNotOpened,
    LeafView,
    parse_leaf,
)
from mohtasib.ledger._sources import (
    period_statistics,
)
from mohtasib.ledger._sqlite import (
    SqliteLedgerStore,
)
from mohtasib.ledger._statistics import (
    CheckpointCheck,
    LedgerStatistics,
    RetentionCompliance,
    ledger_statistics,
)
from mohtasib.ledger._store import (
    LedgerStore,
    StorageError,
    StoreConflict,
    StoredEntry,
    open_store,
)
from mohtasib.ledger._tree import (
    MemoryNodes,
    NodeReader,
    nodes_for_append,
    root_hash,
)
from mohtasib.ledger._witness import (
    Witness,
)
from mohtasib.ledger.verify import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "ACTIONS",
    "EMPTY_ROOT",
    "AccessRecord",
    "AuditFinding",
    "BodyMismatch",
    "BodyNotOpened",
    "Checkpoint",
    "CheckpointCheck",
    "ConsistencyBundle",
    "CosignatureSigner",
    "CosignatureVerifier",
    "CourtOrder",
    "Decision",
    "Fir",
    "InclusionBundle",
    "KeyRecord",
    "Keyring",
    "KeyringOpener",
    "LeafView",
    "Ledger",
    "LedgerKeys",
    "LedgerStatistics",
    "LedgerStore",
    "LegalAuthority",
    "LogAuditResult",
    "MemoryLedgerStore",
    "MemoryNodes",
    "NodeReader",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "OversightRotation",
    "ParsedNote",
    "Policy",
    "PostgresLedgerStore",
    "Receipt",
    "RetentionCompliance",
    "RetentionSweep",
    "SignerRotation",
    "SqliteLedgerStore",
    "StorageError",
    "StoreConflict",
    "StoredEntry",
    "Verifier",
    "Warrant",
    "Witness",
    "append_signatures",
    "audit_log",
    "consistency_proof",
    "cosigned_message",
    "create_keys",
    "evaluate",
    "inclusion_proof",
    "leaf_hash",
    "ledger_statistics",
    "load_bundle",
    "load_keys",
    "load_policy",
    "node_hash",
    "nodes_for_append",
    "open_checkpoint",
    "open_checkpoint_any",
    "open_note",
    "open_store",
    "oversight_fingerprint",
    "parse_leaf",
    "parse_note",
    "parse_oversight_public_key",
    "period_statistics",
    "pseudonymise",
    "publish_checkpoint",
    "retention_sweep",
    "root_hash",
    "rotate_oversight",
    "rotate_signer",
    "sign_note",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
]
