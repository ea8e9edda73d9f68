"""Build the SYNTHETIC access ledger that examples/ledger/audit.yaml reports on.

Every access is fictional: the officers (DEMO-OFFICER-nn), the FIRs, warrants, plates and
face-probe ids are generated from a seeded random stream, and the targets are pseudonymised
before they reach the ledger. The keys are generated fresh by each build, are DEMO-ONLY and
are never committed: do not use them for anything.

Usage (writes ledger.db, keys/ and checkpoint.note next to this file, or into OUT)::

    python examples/ledger/build.py [OUT] [--seed 2025]

What is planted (seed 2025): 240 accesses from 2025-01-01 to 2025-03-31 (Asia/Karachi
time) on three fictional systems; 107 break the access policy and are recorded as denied
under their rule, most (61) under ``authority_type``: an FIR offered for an action that the
policy reserves for a warrant; a retention sweep run on 2025-02-15 with ``standard`` = 30 days,
so that by the end of the audit period (2025-04-01) some ``standard`` bodies are past their
period but still stored, which the report shows as a retention finding.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

from mohtasib import ledger as lib

PKT = dt.timezone(dt.timedelta(hours=5))
ORIGIN = "demo.mohtasib.invalid/ledger-SYNTHETIC"
SYSTEMS = ("psca-lahore-anpr", "psca-lahore-cameras", "psca-lahore-face")
POLICIES = [
    lib.Policy.from_dict(
        {
            "system": "psca-lahore-anpr",
            "purposes": ["investigation", "stolen_vehicle"],
            "actions": {"plate_search": ["fir", "warrant", "court_order"], "export": ["warrant"]},
        }
    ),
    lib.Policy.from_dict(
        {
            "system": "psca-lahore-cameras",
            "purposes": ["investigation", "missing_person"],
            "actions": {"camera_footage_view": ["fir", "warrant"], "export": ["warrant"]},
        }
    ),
    lib.Policy.from_dict(
        {
            "system": "psca-lahore-face",
            "purposes": ["investigation"],
            "actions": {"face_search": ["warrant"], "face_match_action": ["warrant"]},
        }
    ),
]
ACTIONS = {
    "psca-lahore-anpr": ("plate_search", "plate_search", "plate_search", "export"),
    "psca-lahore-cameras": ("camera_footage_view", "camera_footage_view", "export"),
    "psca-lahore-face": ("face_search", "face_search", "face_match_action"),
}


def _authority(rng: random.Random, when: dt.datetime) -> lib.LegalAuthority | None:
    roll = rng.random()
    if roll < 0.05:
        return None  # planted: no legal authority
    if roll < 0.5:
        return lib.Fir(f"{rng.randint(1, 900)}/2025", "DEMO Police Station", "Lahore")
    start = when.date() - dt.timedelta(days=rng.randint(0, 20))
    days = 75 if roll > 0.97 else rng.randint(25, 55)  # planted: a few over the 60-day cap
    if roll > 0.94 and days <= 60:
        start = when.date() + dt.timedelta(days=2)  # planted: access before the warrant starts
    return lib.Warrant(f"W-{rng.randint(1, 99)}/2025", "DEMO Sessions Court", "DEMO Judge",
                       start, start + dt.timedelta(days=days))  # fmt: skip


def _record(rng: random.Random, log: lib.Ledger, when: dt.datetime) -> lib.AccessRecord:
    system = rng.choice(SYSTEMS)
    action = rng.choice(ACTIONS[system])
    requester = f"DEMO-OFFICER-{rng.randint(1, 12):02d}"
    approver = None
    if action == "face_match_action":
        approver = requester if rng.random() < 0.3 else f"DEMO-SUPERVISOR-{rng.randint(1, 3)}"
    purpose = "investigation" if rng.random() < 0.93 else "curiosity"  # planted: bad purpose
    return lib.AccessRecord(
        requester=requester,
        role="investigating_officer",
        time=when,
        system=system,
        action=action,
        target=log.pseudonymise(f"DEMO-TARGET-{rng.randint(1, 5000)}"),
        legal_authority=_authority(rng, when),
        purpose=purpose,
        approver=approver,
        outcome=rng.choice(("no_match", "match", "footage_viewed")),
        retention_class="standard" if rng.random() < 0.7 else "case_file",
    )


def build(out: Path, *, seed: int = 2025, n: int = 240) -> None:
    """Write ``ledger.db``, ``keys/`` (DEMO-ONLY) and ``checkpoint.note`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm", "checkpoint.note"):
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / "keys", ignore_errors=True)
    keys = lib.create_keys(out / "keys", origin=ORIGIN)
    rng = random.Random(seed)
    log = lib.Ledger(lib.open_store(out / "ledger.db"), policy=POLICIES,
                     oversight_public_key=keys.oversight_public_key,
                     pseudonym_key=keys.pseudonym_key)  # fmt: skip
    first = dt.datetime(2025, 1, 1, tzinfo=PKT)
    times = sorted(first + dt.timedelta(minutes=rng.randint(0, 89 * 24 * 60)) for _ in range(n))
    try:
        log.append_many(_record(rng, log, when) for when in times)
        sweep_at = dt.datetime(2025, 2, 15, tzinfo=PKT)
        lib.retention_sweep(log, now=sweep_at, periods={"standard": dt.timedelta(days=30)})
        note = lib.publish_checkpoint(log.store, keys.require_signer())
    finally:
        log.store.close()
    (out / "checkpoint.note").write_text(note, encoding="utf-8")


def main() -> None:
    """Command line: ``build.py [OUT] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    build(args.out, seed=args.seed)
    print(f"SYNTHETIC ledger written to {args.out} (keys are DEMO-ONLY)")


if __name__ == "__main__":
    main()
