"""The demo portal (``mohtasib serve --demo``): a fresh database with illustrative content.

:func:`build_demo` writes, into a new directory: a ledger key directory (DEMO-ONLY
keys, generated each time), one access policy per example system, a SQLite ledger
holding SYNTHETIC accesses (fictional officers ``DEMO-OFFICER-nn``, fictional FIRs,
targets pseudonymised from made-up plates; some denied by the policy), three demo
accounts with random passwords, and, when given, the demo audit report
(published). The register is the illustrative example cards shipped in the
package (:func:`demo_register_dir`, ``mohtasib/server/demo/register``: byte for byte
the documented examples of ``examples/register``; each card says it is not a real
deployment), so the demo runs from an installed package in any directory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.resources
import random
import secrets
from pathlib import Path

import yaml

from mohtasib.errors import ConfigError
from mohtasib.ledger import AccessRecord, Ledger, create_keys, load_policy, open_store
from mohtasib.server._settings import ServerSettings

__all__ = [
    "DEMO_POLICIES",
    "DemoPortal",
    "build_demo",
    "demo_register_dir",
    "load_demo_content",
]

ORIGIN = "demo.mohtasib.invalid/portal-SYNTHETIC"
_PKT = dt.timezone(dt.timedelta(hours=5))
#: Access policies of the example systems (illustrative, like the cards).
DEMO_POLICIES: dict[str, dict[str, object]] = {
    "islamabad-safe-city-anpr": {
        "purposes": ["investigation", "stolen_vehicle"],
        "actions": {"plate_search": ["fir", "warrant", "court_order"], "export": ["warrant"]},
    },
    "karachi-video-analytics": {
        "purposes": ["investigation", "missing_person"],
        "actions": {"camera_footage_view": ["fir", "warrant"], "export": ["warrant"]},
    },
    "lahore-safe-city-face-search": {
        "purposes": ["investigation"],
        "actions": {"face_search": ["warrant", "court_order"], "face_match_action": ["warrant"]},
    },
    "peshawar-risk-scoring": {
        "purposes": ["investigation"],
        "actions": {"record_view": ["fir", "warrant", "court_order"]},
    },
    "quetta-safe-city-cameras": {
        "purposes": ["investigation", "missing_person"],
        "actions": {"camera_footage_view": ["fir", "warrant"]},
    },
}
_ACTION = {
    "islamabad-safe-city-anpr": "plate_search",
    "karachi-video-analytics": "camera_footage_view",
    "lahore-safe-city-face-search": "face_search",
    "peshawar-risk-scoring": "record_view",
    "quetta-safe-city-cameras": "camera_footage_view",
}


@dataclasses.dataclass(frozen=True)
class DemoPortal:
    """What :func:`build_demo` made: the settings to serve and the demo accounts."""

    settings: ServerSettings
    passwords: dict[str, str]
    directory: Path


def demo_register_dir() -> Path:
    """The directory of the illustrative system cards shipped in the package (package data).

    Raises ConfigError when the package is installed in a form whose data files are
    not a directory on disk (for example a zip), or was built without them.
    """
    found = importlib.resources.files("mohtasib.server") / "demo" / "register"
    path = Path(str(found))
    if not path.is_dir() or not any(path.glob("*.yaml")):
        raise ConfigError(
            "the demo register is not installed with the package; give --register-dir",
            path=str(path),
        )
    return path


def _allowed_authorities(system: str) -> list[str]:
    """The legal-authority kinds the demo policy of ``system`` accepts for its action."""
    actions = DEMO_POLICIES[system]["actions"]
    assert isinstance(actions, dict)
    return list(actions[_ACTION[system]])


def _authority(kind: str, rng: random.Random, when: dt.datetime) -> dict[str, str]:
    """A SYNTHETIC legal authority of ``kind``, valid at ``when``."""
    ref = rng.randint(1, 999)
    if kind == "fir":
        return {
            "kind": "fir",
            "number": f"SYN-{ref}/2025",
            "police_station": "Demo Station (SYNTHETIC)",
            "district": "Demo District",
        }
    if kind == "warrant":
        return {
            "kind": "warrant",
            "reference": f"SYN-W-{ref}",
            "court": "Demo Sessions Court (SYNTHETIC)",
            "judge": "Demo Judge (SYNTHETIC)",
            "valid_from": (when.date() - dt.timedelta(days=1)).isoformat(),
            "valid_until": (when.date() + dt.timedelta(days=30)).isoformat(),
        }
    return {"kind": "court_order", "reference": f"SYN-CO-{ref}", "court": "Demo High Court"}


def _synthetic_accesses(ledger: Ledger, count: int, seed: int) -> None:
    """Append ``count`` SYNTHETIC accesses; about a quarter break the policy.

    Each access carries a legal authority its system's policy accepts, except the
    denied ones: no authority (``authority_missing``), a purpose the policy does not
    list (``purpose_not_allowed``) or, for a system that does not accept an FIR, an
    FIR (``authority_type``).
    """
    rng = random.Random(seed)
    # Every 7 hours, the first half older than the example cards' 30-day retention period and
    # never swept, so the scorecards show that finding next to accesses still within it.
    start = (
        dt.datetime.now(_PKT) - dt.timedelta(days=30) - dt.timedelta(hours=7 * count / 2)
    ).replace(minute=0, second=0, microsecond=0)
    records = []
    for i in range(count):
        system = rng.choice(sorted(_ACTION))
        kind = rng.random()
        when = start + dt.timedelta(hours=7 * i)
        allowed = _allowed_authorities(system)
        authority: dict[str, str] | None = _authority(rng.choice(allowed), rng, when)
        purpose = "investigation"
        if kind < 0.15:
            authority = None  # denied: authority_missing
        elif kind < 0.25:
            purpose = "curiosity"  # denied: purpose_not_allowed
        elif kind < 0.3 and "fir" not in allowed:
            authority = _authority("fir", rng, when)  # denied: authority_type
        records.append(
            AccessRecord.from_dict(
                {
                    "v": 1,
                    "requester": f"DEMO-OFFICER-{rng.randint(1, 12):02d}",
                    "role": "investigating_officer",
                    "time": when.isoformat(),
                    "system": system,
                    "action": _ACTION[system],
                    "target": ledger.pseudonymise(f"SYN-{rng.randint(1000, 9999)}"),
                    "legal_authority": authority,
                    "purpose": purpose,
                    "approver": None,
                    "outcome": rng.choice(["no_match", "match_reviewed"]),
                    "retention_class": "standard",
                }
            )
        )
    ledger.append_many(records)


def build_demo(
    directory: str | Path,
    *,
    register_dir: str | Path | None = None,
    passwords: dict[str, str] | None = None,
    accesses: int = 60,
    seed: int = 2025,
) -> DemoPortal:
    """Write a demo portal into ``directory`` (must be empty or absent); return its settings.

    ``passwords`` maps the demo accounts (``demo-admin``, ``demo-auditor``,
    ``DEMO-OFFICER-01``) to passwords; missing ones are random. The accounts are
    created when the app starts (:func:`load_demo_content`). ``register_dir`` holds
    the system cards to publish (None: the packaged ones, :func:`demo_register_dir`).
    """
    root = Path(directory)
    if root.exists() and any(root.iterdir()):
        raise ConfigError("the demo directory is not empty", path=str(root))
    root.mkdir(parents=True, exist_ok=True)
    keys = create_keys(root / "keys", origin=ORIGIN)
    policy_paths = []
    for system, body in DEMO_POLICIES.items():
        path = root / f"policy-{system}.yaml"
        path.write_text(yaml.safe_dump({"system": system, **body}), encoding="utf-8")
        policy_paths.append(path)
    database = root / "portal.db"
    ledger = Ledger(
        open_store(database),
        policy=[load_policy(p) for p in policy_paths],
        oversight_public_key=keys.oversight_public_key,
        pseudonym_key=keys.pseudonym_key,
    )
    try:
        _synthetic_accesses(ledger, accesses, seed)
    finally:
        ledger.store.close()
    accounts = {"demo-admin": "admin", "demo-auditor": "auditor", "DEMO-OFFICER-01": "officer"}
    given = passwords or {}
    chosen = {name: given.get(name) or secrets.token_urlsafe(12) for name in accounts}
    settings = ServerSettings(
        database_url=str(database),
        keys_dir=root / "keys",
        policies=tuple(policy_paths),
        register_dir=demo_register_dir() if register_dir is None else Path(register_dir),
        cookie_secure=False,
    )
    return DemoPortal(settings, chosen, root)


def load_demo_content(
    app_portal: object, demo: DemoPortal, report_html: Path | None = None
) -> None:
    """Create the demo accounts and publish the demo report in an opened portal."""
    from mohtasib.server._pages import store_report
    from mohtasib.server._portal import Portal

    assert isinstance(app_portal, Portal)
    roles = {"demo-admin": "admin", "demo-auditor": "auditor", "DEMO-OFFICER-01": "officer"}
    for name, password in demo.passwords.items():
        if app_portal.db.user(name) is None:
            app_portal.accounts.create_user(name, roles[name], password)
    if report_html is not None:
        store_report(
            app_portal,
            report_html.read_bytes(),
            title="Demo audit report (bundled public data and SYNTHETIC data)",
            uploaded_by="demo-auditor",
            publish=True,
        )
