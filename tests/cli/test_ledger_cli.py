"""``mohtasib ledger``: init, append, checkpoint, prove, verify, audit, witness, retention."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mohtasib.cli import cli
from mohtasib.ledger import pseudonymise

ORIGIN = "oversight.example.pk/ledger"
POLICY = """\
system: psca-lahore-anpr
purposes: [investigation]
actions:
  plate_search: [fir, warrant]
  face_search: [warrant]
"""


class Cli:
    """Runs ``mohtasib`` against one ledger in a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = str(root / "ledger.db")
        self.keys = root / "keys"
        self.runner = CliRunner()

    def __call__(self, *args: str, stdin: str | None = None, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, list(args), input=stdin)
        if ok:
            assert result.exit_code == 0, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return result

    def write(self, name: str, text: str) -> str:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def checkpoint(self, name: str) -> str:
        note = self("ledger", "checkpoint", "--db", self.db, "--keys", str(self.keys)).stdout
        return self.write(name, note)

    @property
    def vkey(self) -> str:
        return str(self.keys / "log.vkey")


def _record(i: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "requester": "INSP-1234",
        "role": "investigating_officer",
        "time": "2025-01-05T10:00:00+05:00",
        "system": "psca-lahore-anpr",
        "action": "plate_search",
        "target": pseudonymise(f"LEA-{i}", b"t" * 32),
        "legal_authority": {
            "kind": "fir",
            "number": "123/2025",
            "police_station": "Civil Lines",
            "district": "Lahore",
        },
        "purpose": "investigation",
        "approver": None,
        "outcome": "no_match",
        "retention_class": "standard",
    }
    record.update(overrides)
    return record


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    run = Cli(tmp_path)
    result = run("ledger", "init", "--db", run.db, "--keys", str(run.keys), "--origin", ORIGIN)
    assert result.stdout.startswith(f"log verifier key: {ORIGIN}+")
    return run


def _append(run: Cli, text: str) -> list[dict[str, Any]]:
    policy = run.write("policy.yaml", POLICY)
    args = ("ledger", "append", "--db", run.db, "--keys", str(run.keys), "--policy", policy)
    out = run(*args, stdin=text).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_init_writes_secret_keys_with_mode_0600_and_prints_only_public_keys(run: Cli) -> None:
    for name in ("log.skey", "oversight.key", "pseudonym.key"):
        assert stat.S_IMODE((run.keys / name).stat().st_mode) == 0o600
        secret = (run.keys / name).read_text().strip().rsplit("+", 1)[-1]
        assert secret not in run("ledger", "--help").output
    again = run(
        "ledger", "init", "--db", run.db, "--keys", str(run.keys), "--origin", ORIGIN, ok=False
    )
    assert again.exit_code == 4 and "refusing to overwrite" in again.output


def test_append_records_allowed_and_denied_accesses(run: Cli) -> None:
    allowed = _append(run, json.dumps(_record(0)))
    assert allowed == [
        {
            "index": 0,
            "leaf_hash": allowed[0]["leaf_hash"],
            "decision": "allowed",
            "rule": None,
            "reason": "every rule of the policy is met",
        }
    ]
    lines = "\n".join(json.dumps(_record(i, action="face_search")) for i in range(1, 3))
    denied = _append(run, lines + "\n")
    assert [(r["index"], r["decision"], r["rule"]) for r in denied] == [
        (1, "denied", "authority_type"),
        (2, "denied", "authority_type"),
    ]


def test_append_bad_record_is_a_one_line_error(run: Cli) -> None:
    policy = run.write("policy.yaml", POLICY)
    bad = json.dumps(_record(0, target="LEA-1234"))
    args = ("ledger", "append", "--db", run.db, "--keys", str(run.keys), "--policy", policy)
    result = run(*args, stdin=f"{json.dumps(_record(0))}\n{bad}\n", ok=False)
    assert result.exit_code == 3
    assert "row 2" in result.output and "column 'target'" in result.output
    assert "Traceback" not in result.output


def test_checkpoint_prove_verify_round_trip(run: Cli) -> None:
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(5)))
    first = run.checkpoint("cp5.note")
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(5, 13)))
    second = run.checkpoint("cp13.note")
    assert Path(second).read_text().startswith(f"{ORIGIN}\n13\n")
    inclusion = run("ledger", "prove", "--db", run.db, "--index", "3").stdout
    bundle = json.loads(inclusion)
    assert bundle["type"] == "inclusion" and bundle["tree_size"] == 13
    proof = run.write("inclusion.json", inclusion)
    ok = run("ledger", "verify", proof, "--checkpoint", second, "--vkey", run.vkey)
    assert ok.stdout.startswith("OK: entry 3")
    consistency = run("ledger", "prove", "--db", run.db, "--from", "5", "--to", "13").stdout
    proof2 = run.write("consistency.json", consistency)
    args = ("--checkpoint", first, "--checkpoint", second, "--vkey", run.vkey)
    assert run("ledger", "verify", proof2, *args).stdout.startswith("OK: the log of size 13")
    bundle["leaf_hash"] = json.loads(run("ledger", "prove", "--db", run.db, "--index", "4").stdout)[
        "leaf_hash"
    ]
    forged = run.write("forged.json", json.dumps(bundle))
    bad = run("ledger", "verify", forged, "--checkpoint", second, "--vkey", run.vkey, ok=False)
    assert bad.exit_code == 8 and "root" in bad.output


def test_prove_needs_exactly_one_kind(run: Cli) -> None:
    result = run("ledger", "prove", "--db", run.db, ok=False)
    assert result.exit_code == 4 and "--index" in result.output


def test_audit_passes_then_names_the_tampered_entry(run: Cli) -> None:
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(8)))
    note = run.checkpoint("cp8.note")
    args = ("ledger", "audit", "--db", run.db, "--checkpoints", note, "--vkey", run.vkey)
    assert run(*args).stdout.startswith("OK: 8 entries")
    with sqlite3.connect(run.db) as db:
        db.execute("UPDATE entries SET leaf = leaf || x'00' WHERE idx = 5")
    result = run(*args, ok=False)
    assert result.exit_code == 8
    assert "entry 5" in result.stdout and "leaf_mismatch" in result.stdout
    assert "audit found" in result.stderr and "Traceback" not in result.output


def test_witness_cosigns_then_detects_a_fork(run: Cli, tmp_path: Path) -> None:
    key, state = str(tmp_path / "witness.key"), str(tmp_path / "witness.json")
    made = run("ledger", "witness-key", "--name", "witness.example.org", "--key", key)
    assert made.stdout.startswith("witness verifier key: witness.example.org+")
    assert stat.S_IMODE(Path(key).stat().st_mode) == 0o600
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(4)))
    first = run.checkpoint("cp4.note")
    base = ("ledger", "witness", "--state", state, "--key", key, "--log-vkey", run.vkey)
    refused = run(*base, "--checkpoint", first, ok=False)
    assert refused.exit_code == 8 and "trust" in refused.output
    cosigned = run(*base, "--checkpoint", first, "--trust-first").stdout
    assert "— witness.example.org " in cosigned
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(4, 9)))
    second = run.checkpoint("cp9.note")
    proof = run.write("c.json", run("ledger", "prove", "--db", run.db, "--from", "4").stdout)
    assert "— witness.example.org " in run(*base, "--checkpoint", second, "--proof", proof).stdout
    # The log's operator rewrites history: a different 9-entry tree, signed with the same key.
    fork_db = str(tmp_path / "fork.db")
    args = ("--db", fork_db, "--keys", str(run.keys))
    run("ledger", "append", *args, stdin="\n".join(json.dumps(_record(i + 50)) for i in range(9)))
    fork = run.write("fork.note", run("ledger", "checkpoint", *args).stdout)
    result = run(*base, "--checkpoint", fork, ok=False)
    assert result.exit_code == 8 and "FORK" in result.output
    rollback = run(*base, "--checkpoint", first, ok=False)
    assert rollback.exit_code == 8 and "ROLLBACK" in rollback.output


def test_retention_sweep_tombstones_expired_records(run: Cli) -> None:
    _append(run, "\n".join(json.dumps(_record(i)) for i in range(3)))
    args = ("ledger", "retention-sweep", "--db", run.db, "--keys", str(run.keys))
    swept = json.loads(
        run(*args, "--periods", "standard=30", "--now", "2025-03-01T00:00+05:00").stdout
    )
    assert swept["tombstoned"] == [0, 1, 2] and swept["bodies_deleted"] == [0, 1, 2]
    bad = run(*args, "--periods", "standard", ok=False)
    assert bad.exit_code == 4 and "CLASS=DAYS" in bad.output


def test_missing_database_setting_is_a_config_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["ledger", "prove", "--index", "0"], env={"MOHTASIB_DATABASE_URL": ""}
    )
    assert result.exit_code == 2 and "--db" in result.output


def test_corrupt_database_is_exit_10_without_traceback(run: Cli) -> None:
    bad = run.write("corrupt.db", "not a database at all " * 100)
    result = run("ledger", "prove", "--db", bad, "--index", "0", ok=False)
    assert result.exit_code == 10
    assert "Traceback" not in result.output and "not a database" in result.output


def test_stats_counts_a_period_judges_retention_and_checks_a_checkpoint(run: Cli) -> None:
    _append(
        run,
        "\n".join(
            [
                json.dumps(_record(0)),
                json.dumps(_record(1, time="2025-01-06T10:00:00+05:00")),
                json.dumps(_record(2, legal_authority=None)),  # denied: authority_missing
                json.dumps(_record(3, time="2025-02-10T10:00:00+05:00")),  # outside the period
            ]
        ),
    )
    note = run.checkpoint("cp.note")
    sweep = ("ledger", "retention-sweep", "--db", run.db, "--keys", str(run.keys))
    run(*sweep, "--periods", "standard=20", "--now", "2025-01-30T10:00+05:00")
    args = ("ledger", "stats", "--db", run.db, "--from", "2025-01-01T00:00+05:00")
    period = (*args, "--to", "2025-02-01T00:00+05:00", "--periods", "standard=20")
    public = json.loads(run(*period, "--checkpoint", note, "--vkey", run.vkey).stdout)
    assert (public["accesses"], public["allowed"], public["denied"]) == (3, 2, 1)
    assert public["denied_by_rule"] == {"authority_missing": 1}
    assert public["by_action"] == {} and not public["bodies_opened"]
    assert public["checkpoint"]["consistent"] and public["checkpoint"]["size"] == 4
    retention = public["retention"]
    # Due 25 January 10:00 (and 26 January), deleted by the sweep of 30 January 10:00.
    assert (retention["tombstoned"], retention["deleted_late"]) == (3, 3)
    assert retention["max_delay_days"] == 5 and not retention["compliant"]
    graced = json.loads(run(*period, "--retention-grace-days", "5").stdout)
    assert graced["retention"]["compliant"]

    opened = json.loads(run(*args, "--keys", str(run.keys)).stdout)  # --to: now
    assert opened["bodies_opened"] and opened["accesses"] == 4
    assert opened["by_action"] == {"plate_search": 1}  # the one body the sweep left
    assert opened["not_opened"] == 3  # bodies deleted by the sweep: counted by decision only

    out = run.root / "stats.html"
    run(*period, "--format", "html", "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Access ledger statistics" in html and "authority_missing" in html
    assert "INSP-1234" not in html

    bad = run(*args, "--to", "2025-02-01", ok=False)  # no time zone
    assert bad.exit_code == 4 and "--to" in bad.output
