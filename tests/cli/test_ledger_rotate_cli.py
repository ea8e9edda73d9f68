"""``mohtasib ledger rotate-key``, and verify, audit and witness across a rotation."""

from __future__ import annotations

import base64
import json

from nacl.public import PrivateKey

from mohtasib.ledger import Keyring, load_keys
from tests.cli.test_ledger_cli import Cli, _append, _record, run  # noqa: F401  (fixture)


def _rotate_signer(run: Cli) -> tuple[str, str]:  # noqa: F811
    """Rotate; return the handover note's file and the retired verifier key's file."""
    out = run("ledger", "rotate-key", "--db", run.db, "--keys", str(run.keys), "--which", "signer")
    assert "PRIVATE" not in out.output
    old_id = Keyring.load(run.keys).retired("signer")[0].key_id
    assert "old signer key: " in out.stdout and f"(key ID {old_id}, retired)" in out.stdout
    assert "destroy it once the witnesses have cosigned" in out.stderr
    handover = out.stdout.split("signed by both keys):\n", 1)[1]
    return run.write("handover.note", handover), str(run.keys / "retired" / f"log-{old_id}.vkey")


def test_verify_and_audit_across_a_signer_rotation(run: Cli) -> None:  # noqa: F811
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(4)))
    before = run.checkpoint("before.note")
    handover, retired = _rotate_signer(run)
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(4, 7)))
    after = run.checkpoint("after.note")
    proof = run.write(
        "proof.json",
        run("ledger", "prove", "--db", run.db, "--index", "1", "--size", "4").stdout,
    )
    # the old checkpoint verifies with the retired key given next to the current one
    ok = run(
        "ledger", "verify", proof, "--checkpoint", before, "--vkey", run.vkey, "--vkey", retired
    )
    assert ok.stdout.startswith("OK: entry 1 is in the log of size 4")
    refused = run("ledger", "verify", proof, "--checkpoint", before, "--vkey", run.vkey, ok=False)
    assert refused.exit_code == 8 and "not signed by any known key" in refused.output
    # a verifiers file (one key per line), as the portal publishes it
    listing = run.write("verifiers.txt", "\n".join(Keyring.load(run.keys).verifier_keys()) + "\n")
    notes = ("--checkpoints", before, "--checkpoints", handover, "--checkpoints", after)
    audit = run("ledger", "audit", "--db", run.db, *notes, "--vkey", listing)
    assert audit.stdout.startswith("OK: 7 entries, 3 checkpoint(s)")
    partial = run("ledger", "audit", "--db", run.db, *notes, "--vkey", run.vkey, ok=False)
    assert partial.exit_code == 8 and "checkpoint 0" in partial.output


def test_witness_moves_to_the_new_key_through_the_handover(run: Cli) -> None:  # noqa: F811
    key = str(run.root / "witness.key")
    state = str(run.root / "witness.json")
    run("ledger", "witness-key", "--name", "witness.example.org", "--key", key)
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(3)))
    old_vkey = run.write("old.vkey", (run.keys / "log.vkey").read_text())
    before = run.checkpoint("before.note")
    base = ("ledger", "witness", "--state", state, "--key", key)
    run(*base, "--log-vkey", old_vkey, "--checkpoint", before, "--trust-first")
    _append(run, json.dumps(_record(3)))
    handover, _retired = _rotate_signer(run)
    proof = run.write(
        "proof.json", run("ledger", "prove", "--db", run.db, "--from", "3", "--to", "4").stdout
    )
    cosigned = run(*base, "--log-vkey", run.vkey, "--checkpoint", handover, "--proof", proof)
    assert cosigned.stdout.count("\n— ") == 3  # old key, new key, witness
    _append(run, json.dumps(_record(4)))
    after = run.checkpoint("after.note")
    proof = run.write(
        "proof2.json", run("ledger", "prove", "--db", run.db, "--from", "4", "--to", "5").stdout
    )
    run(*base, "--log-vkey", run.vkey, "--checkpoint", after, "--proof", proof)
    # the retired key is refused from now on
    stale = run(*base, "--log-vkey", old_vkey, "--checkpoint", before, ok=False)
    assert stale.exit_code == 8


def test_rotate_the_oversight_key_from_a_public_key_file(run: Cli) -> None:  # noqa: F811
    _append(run, json.dumps(_record(0)))
    pair = PrivateKey.generate()
    public = run.write("new.pub", base64.b64encode(bytes(pair.public_key)).decode() + "\n")
    args = ("ledger", "rotate-key", "--db", run.db, "--keys", str(run.keys))
    out = run(*args, "--which", "oversight", "--public-key", public)
    ring = Keyring.load(run.keys)
    assert ring.current("oversight").key_id in out.stdout
    assert "retired at log size 1" in out.stdout
    assert load_keys(run.keys).oversight_public_key == bytes(pair.public_key)
    again = run(*args, "--which", "oversight", "--public-key", public, ok=False)
    assert again.exit_code == 3 and "the oversight key in use" in again.output
    bad = run.write("bad.pub", "c2hvcnQ=\n")
    short = run(*args, "--which", "oversight", "--public-key", bad, ok=False)
    assert short.exit_code == 3 and "column 'public_key'" in short.output
    assert "Traceback" not in short.output


def test_rotate_key_option_mistakes_are_config_errors(run: Cli) -> None:  # noqa: F811
    args = ("ledger", "rotate-key", "--db", run.db, "--keys", str(run.keys))
    neither = run(*args, "--which", "oversight", ok=False)
    assert neither.exit_code == 4 and "--public-key FILE or --generate" in neither.output
    mixed = run(*args, "--which", "signer", "--generate", ok=False)
    assert mixed.exit_code == 4
    generated = run(*args, "--which", "oversight", "--generate")
    assert "PRIVATE" not in generated.output
    private = load_keys(run.keys).oversight_private_key
    assert private is not None
    assert base64.b64encode(private).decode() not in generated.output


def test_verify_honours_the_published_bound_of_a_retired_key(run: Cli) -> None:  # noqa: F811
    from pathlib import Path

    from mohtasib.ledger import parse_note, sign_note

    _append(run, "\n".join(json.dumps(_record(i)) for i in range(4)))
    old = load_keys(run.keys).require_signer()
    before = run.checkpoint("before.note")
    _rotate_signer(run)
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(4, 7)))
    after = run.checkpoint("after.note")
    # the retired secret, still in retired/, signs the real tree head after the rotation
    leaked = run.write("leaked.note", sign_note(parse_note(Path(after).read_text()).text, [old]))
    proof = run.write(
        "proof.json", run("ledger", "prove", "--db", run.db, "--from", "4", "--to", "7").stdout
    )
    published = Keyring.load(run.keys).verifiers_text()
    assert f"# retired: {old.name}+{old.key_id.hex()} up to size 4\n" in published
    listing = run.write("verifiers.txt", published)
    checkpoints = ("--checkpoint", before, "--checkpoint", after)
    ok = run("ledger", "verify", proof, *checkpoints, "--vkey", listing)
    assert ok.stdout.startswith("OK: the log of size 7 extends the log of size 4")
    refused = run(
        "ledger", "verify", proof, "--checkpoint", before, "--checkpoint", leaked,
        "--vkey", listing, ok=False,
    )  # fmt: skip
    assert refused.exit_code == 8
    assert f"{old.name}+{old.key_id.hex()} (retired at size 4)" in refused.output
    assert "size 7" in refused.output
    # the audit reports it as a forged checkpoint
    notes = ("--checkpoints", before, "--checkpoints", leaked)
    audit = run("ledger", "audit", "--db", run.db, *notes, "--vkey", listing, ok=False)
    assert audit.exit_code == 8 and "retired at size 4" in audit.output
    # a bare listing (no bounds) keeps its earlier meaning
    bare = run.write("bare.txt", "\n".join(Keyring.load(run.keys).verifier_keys()) + "\n")
    run("ledger", "verify", proof, "--checkpoint", before, "--checkpoint", leaked, "--vkey", bare)
    # the same key given bare and bounded keeps the bound (the tightest)
    retired = str(run.keys / "retired" / f"log-{old.key_id.hex()}.vkey")
    both = ("--vkey", retired, "--vkey", listing)
    tight = run(
        "ledger", "verify", proof, *checkpoints[:2], "--checkpoint", leaked, *both, ok=False
    )
    assert "retired at size 4" in tight.output


def test_a_key_given_twice_counts_once(run: Cli) -> None:  # noqa: F811
    from pathlib import Path

    _append(run, "\n".join(json.dumps(_record(i)) for i in range(3)))
    note = run.checkpoint("cp.note")
    proof = run.write(
        "proof.json", run("ledger", "prove", "--db", run.db, "--index", "0", "--size", "3").stdout
    )
    _rotate_signer(run)
    listing = run.write("verifiers.txt", Keyring.load(run.keys).verifiers_text())
    log_vkey = str(run.keys / "log.vkey")
    for vkeys in (("--vkey", log_vkey, "--vkey", listing), ("--vkey", listing, "--vkey", listing)):
        ok = run("ledger", "verify", proof, "--checkpoint", note, *vkeys)
        assert ok.stdout.startswith("OK: entry 0 is in the log of size 3")
    bad = run.write(
        "bad.txt", "# retired: x+0011aabb up to size four\n" + Path(log_vkey).read_text()
    )
    refused = run("ledger", "verify", proof, "--checkpoint", note, "--vkey", bad, ok=False)
    assert "line 1" in refused.output and "bad.txt" in refused.output
