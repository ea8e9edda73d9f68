"""``mohtasib ledger``: the verifiable access ledger from the command line.

Each command parses its input, calls the ledger library and prints the result.
Secrets (keys) have no defaults and are never printed; only public keys are.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from mohtasib import ledger as lib
from mohtasib.cli._options import CONTEXT_SETTINGS, emit, format_options
from mohtasib.errors import ConfigError, InputError, VerificationError
from mohtasib.ledger._bounds import parse_verifier_lines
from mohtasib.ledger._bundles import (
    ConsistencyBundle,
    InclusionBundle,
    load_bundle,
    publish_checkpoint,
    verify_bundle,
)
from mohtasib.ledger._keys import LedgerKeys, create_keys, load_keys, read_secret, write_secret

__all__ = ["ledger"]

_FILE = click.Path(dir_okay=False, path_type=Path)
_IN = click.Path(exists=True, dir_okay=False, path_type=Path)


def _db_option(func: Any) -> Any:
    return click.option(
        "--db",
        envvar="MOHTASIB_DATABASE_URL",
        required=True,
        help="SQLite file or postgresql:// URL. Default: $MOHTASIB_DATABASE_URL.",
    )(func)


def _keys_option(func: Any) -> Any:
    return click.option(
        "--keys",
        envvar="MOHTASIB_LEDGER_KEYS",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Key directory written by `ledger init`. Default: $MOHTASIB_LEDGER_KEYS.",
    )(func)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True))


def _open_ledger(db: str, keys: LedgerKeys, policies: tuple[Path, ...] = ()) -> lib.Ledger:
    loaded = [lib.load_policy(path) for path in policies]
    return lib.Ledger(
        lib.open_store(db),
        policy=loaded or None,
        oversight_public_key=keys.oversight_public_key,
        pseudonym_key=keys.pseudonym_key,
    )


@click.group(context_settings=CONTEXT_SETTINGS)
def ledger() -> None:
    """Verifiable access ledger: record, check and prove every search of surveillance data."""


@ledger.command("init")
@_db_option
@_keys_option
@click.option("--origin", required=True, help="The log's name, e.g. oversight.example.pk/ledger.")
def init_command(db: str, keys: Path, origin: str) -> None:
    """Create the ledger's database and key directory; print the public keys.

    The key directory gets the log's signer key, the oversight body's X25519 key
    pair and the pseudonym key, secrets with mode 0600. Move oversight.key to the
    oversight body: appending needs only oversight.pub.
    """
    if origin.count("\n") or "+" in origin or " " in origin:
        raise ConfigError(f"got {origin!r} for --origin; want a name without spaces or '+'")
    created = create_keys(keys, origin=origin)
    lib.open_store(db).close()
    click.echo(f"log verifier key: {created.verifier_key}")
    public = (keys / "oversight.pub").read_text(encoding="utf-8").strip()
    click.echo(f"oversight public key (X25519, base64): {public}")
    click.echo(f"secret keys written to {keys} (mode 0600); never share them", err=True)


def _records(text: str, source: str) -> list[lib.AccessRecord]:
    stripped = text.strip()
    if not stripped:
        raise InputError("no access record given", source=source)
    try:
        whole = json.loads(stripped)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        return [lib.AccessRecord.from_dict(whole)]
    out = []
    for row, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(lib.AccessRecord.from_json(line))
        except InputError as exc:
            raise InputError(exc.message, source=source, row=row, column=exc.column) from None
    return out


def receipt_json(receipt: lib.Receipt) -> dict[str, Any]:
    """A receipt as printed: index, hex leaf hash, ``allowed``/``denied``, rule and reason."""
    decision = receipt.decision
    return {
        "index": receipt.index,
        "leaf_hash": receipt.leaf_hash.hex(),
        "decision": "allowed" if decision.allowed else "denied",
        "rule": decision.rule,
        "reason": decision.reason,
    }


@ledger.command("append")
@click.argument("records", type=click.File("r", encoding="utf-8"), default="-")
@_db_option
@_keys_option
@click.option("--policy", "policies", multiple=True, type=_IN, help="Policy YAML (repeat).")
def append_command(records: Any, db: str, keys: Path, policies: tuple[Path, ...]) -> None:
    """Append access records; print one receipt (JSON) per record.

    RECORDS is a file (default: standard input) holding one JSON access record or
    JSON Lines, one record per line (appended in one transaction). An access that
    breaks the policy is appended too, marked denied with the rule it broke.
    """
    parsed = _records(records.read(), getattr(records, "name", "<stdin>"))
    log = _open_ledger(db, load_keys(keys), policies)
    try:
        for receipt in log.append_many(parsed):
            _echo_json(receipt_json(receipt))
    finally:
        log.store.close()


@ledger.command("checkpoint")
@_db_option
@_keys_option
@click.option("--out", type=_FILE, default=None, help="Also write the note to this file.")
def checkpoint_command(db: str, keys: Path, out: Path | None) -> None:
    """Sign a C2SP checkpoint note for the log's current size, store it and print it."""
    signer = load_keys(keys).require_signer()
    store = lib.open_store(db)
    try:
        note = publish_checkpoint(store, signer)
    finally:
        store.close()
    if out is not None:
        out.write_text(note, encoding="utf-8")
    click.echo(note, nl=False)


@ledger.command("prove")
@_db_option
@click.option("--index", type=int, default=None, help="Inclusion proof of this entry.")
@click.option("--size", type=int, default=None, help="Tree size of the inclusion proof.")
@click.option("--from", "size1", type=int, default=None, help="Consistency proof from size N1.")
@click.option("--to", "size2", type=int, default=None, help="... to size N2 (default: now).")
def prove_command(
    db: str, index: int | None, size: int | None, size1: int | None, size2: int | None
) -> None:
    """Print an inclusion or consistency proof as JSON (hashes in base64)."""
    if (index is None) == (size1 is None):
        raise ConfigError("give either --index (inclusion) or --from (consistency)")
    store = lib.open_store(db)
    try:
        bundle: InclusionBundle | ConsistencyBundle
        if index is not None:
            bundle = InclusionBundle.from_store(store, index, size)
        else:
            assert size1 is not None
            bundle = ConsistencyBundle.from_store(store, size1, size2)
    finally:
        store.close()
    _echo_json(bundle.to_dict())


def _verifier(vkey: str) -> lib.NoteVerifier:
    path = Path(vkey)
    text = _read(path).strip() if path.is_file() else vkey
    return lib.NoteVerifier.from_vkey(text)


def _bound_of(verifier: lib.NoteVerifier) -> int | None:
    bound: int | None = getattr(verifier, "max_size", None)
    return bound


def _verifiers(vkeys: tuple[str, ...]) -> list[lib.NoteVerifier]:
    """Every ``--vkey``: a key, or a file of keys one per line (a log's current and retired).

    A file may bound a retired key (``# retired: <name>+<key ID> up to size N`` before
    it, as ``/ledger/verifiers.txt`` does). A key given twice counts once, with the
    tightest bound given for it (a bare key has none).
    """
    found: dict[tuple[str, bytes], lib.NoteVerifier] = {}
    for vkey in vkeys:
        path = Path(vkey)
        if path.is_file():
            parsed = parse_verifier_lines(_read(path).splitlines(), str(path))
        else:
            parsed = [lib.NoteVerifier.from_vkey(vkey.strip())]
        for verifier in parsed:
            slot = (verifier.name, verifier.key_id)
            bound = _bound_of(verifier)
            if bound is None:
                found.setdefault(slot, verifier)
                continue
            earlier = _bound_of(found[slot]) if slot in found else None
            if earlier is None or bound < earlier:
                found[slot] = verifier
    return list(found.values())


@ledger.command("verify")
@click.argument("proof", type=_IN)
@click.option(
    "--checkpoint", "notes", multiple=True, required=True, type=_IN, help="Note file (repeat)."
)
@click.option(
    "--vkey",
    "vkeys",
    multiple=True,
    required=True,
    help="The log's verifier key, or a file of keys one per line (repeat: retired keys too).",
)
def verify_command(proof: Path, notes: tuple[Path, ...], vkeys: tuple[str, ...]) -> None:
    """Verify a proof (from `ledger prove`) against signed checkpoints; trusts no server.

    An inclusion proof needs the checkpoint of its tree size; a consistency proof
    the checkpoints of both sizes. Each checkpoint may be signed by any given key
    (after a key rotation, give the retired verifier keys too).
    """
    verifiers = _verifiers(vkeys)
    checkpoints = [lib.open_checkpoint_any(_read(path), verifiers) for path in notes]
    bundle = load_bundle(_read(proof))
    verify_bundle(bundle, checkpoints)
    if isinstance(bundle, InclusionBundle):
        click.echo(f"OK: entry {bundle.index} is in the log of size {bundle.tree_size}")
    else:
        click.echo(f"OK: the log of size {bundle.size2} extends the log of size {bundle.size1}")


def _finding_line(finding: lib.AuditFinding) -> str:
    where = [f"entry {finding.index}"] if finding.index is not None else []
    where += [f"checkpoint {finding.checkpoint}"] if finding.checkpoint is not None else []
    return f"{finding.kind} ({', '.join(where) or 'log'}): {finding.message}"


@ledger.command("audit")
@_db_option
@click.option("--checkpoints", "notes", multiple=True, required=True, type=_IN, help="Repeat.")
@click.option(
    "--vkey",
    "vkeys",
    multiple=True,
    required=True,
    help="The log's verifier key, or a file of keys one per line (repeat: retired keys too).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def audit_command(db: str, notes: tuple[Path, ...], vkeys: tuple[str, ...], as_json: bool) -> None:
    """Outside audit: recompute every leaf and the tree; compare with each checkpoint.

    Exits with status 8 and lists every finding (which entry, which checkpoint)
    when an entry was modified, deleted, inserted or reordered, or a checkpoint is
    forged, forked or rolled back. After a key rotation give every verifier key.
    """
    store = lib.open_store(db)
    try:
        result = lib.audit_log(store, [_read(path) for path in notes], verifiers=_verifiers(vkeys))
    finally:
        store.close()
    if as_json:
        _echo_json(result.to_dict())
    else:
        for finding in result.findings:
            click.echo(_finding_line(finding))
    if not result.ok:
        first = result.findings[0]
        raise VerificationError(
            f"audit found {len(result.findings)} problem(s); first: {_finding_line(first)}"
        )
    if not as_json:
        click.echo(
            f"OK: {result.size} entries, {result.checkpoints_checked} checkpoint(s), "
            f"root {result.root.hex()}"
        )


@ledger.command("rotate-key")
@_db_option
@_keys_option
@click.option(
    "--which",
    type=click.Choice(["signer", "oversight"]),
    required=True,
    help="signer: the log's checkpoint key; oversight: the key record bodies are sealed to.",
)
@click.option(
    "--public-key",
    "public_file",
    type=_IN,
    default=None,
    help="oversight: file holding the oversight body's new X25519 public key (base64).",
)
@click.option(
    "--generate",
    is_flag=True,
    help="oversight, DEMO ONLY: make the new key pair here (its private key stays here).",
)
@click.option("--out", type=_FILE, default=None, help="signer: also write the handover note here.")
def rotate_key_command(
    db: str, keys: Path, which: str, public_file: Path | None, generate: bool, out: Path | None
) -> None:
    """Replace the log's signer key or the oversight public key; print fingerprints only.

    signer: a new Ed25519 key for the same origin (a new key ID); the handover
    checkpoint, signed by the old and the new key, is stored and printed; the old
    key moves to KEYS/retired/. oversight: new record bodies are sealed to the
    given public key; earlier ones stay sealed to the old key. Both are recorded in
    KEYS/keyring.json. Restart a running portal afterwards (or rotate from its
    /admin/keys page). Secrets are never printed.
    """
    if which == "signer":
        if public_file is not None or generate:
            raise ConfigError("--public-key and --generate are for --which oversight")
        store = lib.open_store(db)
        try:
            done = lib.rotate_signer(keys, store)
        finally:
            store.close()
        if out is not None:
            out.write_text(done.handover, encoding="utf-8")
        click.echo(f"old signer key: {done.old_vkey} (key ID {done.old_key_id}, retired)")
        click.echo(f"new signer key: {done.new_vkey} (key ID {done.new_key_id})")
        click.echo(f"handover checkpoint (size {done.size}, signed by both keys):")
        click.echo(done.handover, nl=False)
        click.echo(
            f"the old secret key is in {done.retired_secret} (mode 0600): destroy it once the "
            "witnesses have cosigned the handover",
            err=True,
        )
        return
    if (public_file is None) == (not generate):
        raise ConfigError("give either --public-key FILE or --generate for --which oversight")
    private: bytes | None = None
    if generate:
        from nacl.public import PrivateKey

        pair = PrivateKey.generate()
        private, public = bytes(pair), bytes(pair.public_key)
    else:
        assert public_file is not None
        public = lib.parse_oversight_public_key(_read(public_file))
    store = lib.open_store(db)
    try:
        size = store.size()
    finally:
        store.close()
    rotated = lib.rotate_oversight(keys, public, log_size=size, private_key=private)
    click.echo(f"old oversight key: {rotated.old_fingerprint} (retired at log size {size})")
    click.echo(f"new oversight key: {rotated.new_fingerprint} {rotated.new_public}")
    if rotated.old_private_kept:
        click.echo(f"the old private key moved to {keys}/retired/ (mode 0600)", err=True)


@ledger.command("witness-key")
@click.option("--name", required=True, help="The witness's key name, e.g. witness.example.org.")
@click.option("--key", "key_file", required=True, type=_FILE, help="Write the key here (0600).")
def witness_key_command(name: str, key_file: Path) -> None:
    """Create a witness's cosigning key; print its public verifier key."""
    signer = lib.CosignatureSigner.generate(name)
    write_secret(key_file, signer.skey + "\n")
    click.echo(f"witness verifier key: {signer.verifier().vkey}")


@ledger.command("witness")
@click.option("--state", required=True, type=_FILE, help="The witness's state file.")
@click.option("--key", "key_file", required=True, type=_IN, help="From `ledger witness-key`.")
@click.option("--log-vkey", required=True, help="The log's verifier key, or a file holding it.")
@click.option("--checkpoint", "note", required=True, type=_IN, help="The new checkpoint note.")
@click.option("--proof", type=_IN, default=None, help="Consistency proof JSON from the last one.")
@click.option("--trust-first", is_flag=True, help="Accept a first checkpoint on trust.")
@click.option("--out", type=_FILE, default=None, help="Also write the cosigned note here.")
def witness_command(
    state: Path,
    key_file: Path,
    log_vkey: str,
    note: Path,
    proof: Path | None,
    trust_first: bool,
    out: Path | None,
) -> None:
    """Cosign a checkpoint only if it is consistent with the last one this witness saw.

    Fails loudly (exit 8, both checkpoints shown) on a fork or a rollback.
    """
    signer = lib.CosignatureSigner.from_skey(read_secret(key_file))
    hashes: tuple[bytes, ...] = ()
    if proof is not None:
        bundle = load_bundle(_read(proof))
        if not isinstance(bundle, ConsistencyBundle):
            raise InputError("want a consistency proof", source=str(proof))
        hashes = bundle.proof
    witness = lib.Witness(signer, state)
    cosigned = witness.cosign(
        _read(note), list(hashes), log=_verifier(log_vkey), trust_first=trust_first
    )
    if out is not None:
        out.write_text(cosigned, encoding="utf-8")
    click.echo(cosigned, nl=False)


def _periods(values: tuple[str, ...]) -> dict[str, dt.timedelta]:
    out = {}
    for item in ",".join(values).split(","):
        name, sep, days = item.strip().partition("=")
        if not sep or not name or not days.strip().isdigit():
            raise ConfigError(f"got {item!r} for --periods; want CLASS=DAYS[,CLASS=DAYS…]")
        out[name] = dt.timedelta(days=int(days))
    return out


@ledger.command("retention-sweep")
@_db_option
@_keys_option
@click.option("--periods", multiple=True, required=True, help="CLASS=DAYS,… (e.g. standard=365).")
@click.option("--now", default=None, help="ISO 8601 time with zone (default: the clock).")
def retention_command(db: str, keys: Path, periods: tuple[str, ...], now: str | None) -> None:
    """Tombstone every record past its retention period and delete its sealed body."""
    when = dt.datetime.now(dt.UTC) if now is None else _time(now)
    log = _open_ledger(db, load_keys(keys))
    try:
        result = lib.retention_sweep(log, now=when, periods=_periods(periods))
    finally:
        log.store.close()
    _echo_json(result.to_dict())


def _time(text: str, option: str = "--now") -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"got {text!r} for {option}; want an ISO 8601 time") from None
    if value.utcoffset() is None:
        raise ConfigError(f"got {text!r} for {option}; want a time zone")
    return value


_EPOCH = "1970-01-01T00:00:00+00:00"


@ledger.command("stats")
@_db_option
@click.option("--from", "start", default=_EPOCH, help="Period start, ISO 8601 with zone.")
@click.option("--to", "end", default=None, help="Period end (excluded). Default: now.")
@click.option(
    "--keys",
    "keys_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Key directory: opens the bodies (counts by action, system, authority).",
)
@click.option("--checkpoint", type=_IN, default=None, help="Signed checkpoint to audit against.")
@click.option("--vkey", default=None, help="The log's verifier key, or a file holding it.")
@click.option("--periods", multiple=True, help="Retention CLASS=DAYS,… to judge retention.")
@click.option(
    "--retention-grace-days",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Days after a period's end within which a deletion is not late.",
)
@format_options
def stats_command(
    db: str,
    start: str,
    end: str | None,
    keys_dir: Path | None,
    checkpoint: Path | None,
    vkey: str | None,
    periods: tuple[str, ...],
    retention_grace_days: float,
    fmt: str,
    out: Path | None,
) -> None:
    """Ledger statistics for a period: accesses by action, system, authority; denials by rule.

    Also retention compliance (with --periods) and the outside audit against a
    signed checkpoint (with --checkpoint and --vkey or --keys). Aggregates only.
    """
    until = dt.datetime.now(dt.UTC) if end is None else _time(end, "--to")
    stats = lib.period_statistics(
        db,
        start=_time(start, "--from"),
        end=until,
        keys=keys_dir,
        checkpoint=checkpoint,
        vkey=vkey,
        retention_days=None
        if not periods
        else {k: v / dt.timedelta(days=1) for k, v in _periods(periods).items()},
        retention_grace_days=retention_grace_days,
    )
    emit(
        stats,
        fmt=fmt,
        out=out,
        title="Access ledger statistics",
        data_note=f"Access ledger {stats.inputs[0]['source']}: counts only, no requester, "
        "target or record.",
    )
