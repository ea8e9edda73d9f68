"""Access policy per system, evaluated when an access is appended.

A policy file (YAML) describes one system of the transparency register::

    system: psca-lahore-anpr          # the register's system id
    warrant_max_days: 60              # optional; default 60
    purposes: [investigation, missing_person]   # from the system card
    two_person_actions: [face_match_action]     # optional; this is the default
    actions:                          # action -> legal authorities that permit it
      plate_search: [fir, warrant, court_order]
      face_search: [warrant, court_order]
      face_match_action: [warrant, court_order]

Rules, checked in this order; the first broken one is the decision's ``rule``:
``unknown_system``, ``action_not_permitted``, ``authority_missing``,
``authority_type``, ``warrant_too_long`` (window longer than the cap: the
Investigation for Fair Trial Act 2013 limits a warrant to 60 days),
``warrant_window`` (access outside the warrant's dates), ``two_person_rule``
(an approver other than the requester is required), ``purpose_not_allowed``.
A denied access is still appended, marked denied with its rule — never dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from mohtasib.errors import ConfigError
from mohtasib.ledger._records import ACTIONS, AccessRecord, Warrant

__all__ = ["Decision", "Policy", "evaluate", "load_policy"]

#: Default cap on a warrant's validity window (Investigation for Fair Trial Act 2013).
WARRANT_MAX_DAYS = 60
_AUTHORITY_KINDS = frozenset({"fir", "warrant", "court_order"})
_KEYS = {"system", "warrant_max_days", "purposes", "two_person_actions", "actions"}


@dataclasses.dataclass(frozen=True)
class Decision:
    """Outcome of evaluating an access: ``rule`` names the broken rule when denied."""

    allowed: bool
    rule: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The decision as a plain dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Policy:
    """The access policy of one system (see the module docstring for the YAML form)."""

    system: str
    actions: Mapping[str, frozenset[str]]
    purposes: frozenset[str]
    warrant_max_days: int = WARRANT_MAX_DAYS
    two_person_actions: frozenset[str] = frozenset({"face_match_action"})

    @classmethod
    def from_dict(cls, data: object, *, path: str | None = None) -> Policy:
        """Validate a parsed policy; ConfigError names the offending key."""
        if not isinstance(data, Mapping):
            raise ConfigError("policy must be a mapping", path=path)
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise ConfigError(
                f"unknown key; want one of {sorted(_KEYS)}", path=path, key=unknown[0]
            )
        system = data.get("system")
        if not isinstance(system, str) or not system:
            raise ConfigError(f"got {system!r}; want a system id", path=path, key="system")
        days = data.get("warrant_max_days", WARRANT_MAX_DAYS)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ConfigError(
                f"got {days!r}; want a positive number of days", path=path, key="warrant_max_days"
            )
        return cls(
            system=system,
            actions=_actions(data.get("actions"), path),
            purposes=_names(data.get("purposes"), "purposes", path, None),
            warrant_max_days=days,
            two_person_actions=_names(
                data.get("two_person_actions", ["face_match_action"]),
                "two_person_actions",
                path,
                ACTIONS,
            ),
        )


def _names(
    value: object, key: str, path: str | None, allowed: Iterable[str] | None
) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"got {value!r}; want a list of names", path=path, key=key)
    if allowed is not None:
        bad = sorted(set(value) - set(allowed))
        if bad:
            raise ConfigError(f"got {bad[0]!r}; want one of {sorted(allowed)}", path=path, key=key)
    return frozenset(value)


def _actions(value: object, path: str | None) -> dict[str, frozenset[str]]:
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(f"got {value!r}; want action -> authorities", path=path, key="actions")
    out = {}
    for action, kinds in value.items():
        if action not in ACTIONS:
            raise ConfigError(
                f"unknown action; want one of {sorted(ACTIONS)}", path=path, key=f"actions.{action}"
            )
        out[action] = _names(kinds, f"actions.{action}", path, _AUTHORITY_KINDS)
    return out


def load_policy(path: str | Path) -> Policy:
    """Read and validate a YAML policy file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise ConfigError(f"cannot read policy: {exc.strerror}", path=str(path)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=str(path)) from None
    return Policy.from_dict(data, path=str(path))


#: The decision of every access that meets its policy (immutable, so shared).
_ALLOWED = Decision(True, None, "every rule of the policy is met")


def _deny(rule: str, reason: str) -> Decision:
    return Decision(False, rule, reason)


def _check_warrant(warrant: Warrant, time: dt.datetime, cap: int) -> Decision | None:
    days = (warrant.valid_until - warrant.valid_from).days
    if days > cap:
        return _deny(
            "warrant_too_long",
            f"warrant {warrant.reference} runs {days} days; the cap is {cap} days",
        )
    on = time.date()
    if not warrant.valid_from <= on <= warrant.valid_until:
        return _deny(
            "warrant_window",
            f"access on {on} is outside warrant {warrant.reference} "
            f"({warrant.valid_from} to {warrant.valid_until})",
        )
    return None


def _check_authority(record: AccessRecord, policy: Policy) -> Decision | None:
    permitted = policy.actions.get(record.action)
    if permitted is None:
        return _deny("action_not_permitted", f"{record.action} is not permitted on {policy.system}")
    authority = record.legal_authority
    if authority is None:
        return _deny("authority_missing", f"{record.action} needs one of {sorted(permitted)}")
    if authority.kind not in permitted:
        return _deny(
            "authority_type",
            f"{record.action} needs one of {sorted(permitted)}; got {authority.kind}",
        )
    if isinstance(authority, Warrant):
        return _check_warrant(authority, record.time, policy.warrant_max_days)
    return None


def evaluate(record: AccessRecord, policy: Policy) -> Decision:
    """Check one access against its system's policy (rules in the module docstring).

    Parameters
    ----------
    record
        The access.
    policy
        The policy of ``record.system``; another system's policy denies with
        ``unknown_system``.
    """
    if record.system != policy.system:
        return _deny("unknown_system", f"no policy for system {record.system!r}")
    denied = _check_authority(record, policy)
    if denied is not None:
        return denied
    if record.action in policy.two_person_actions and (
        record.approver is None or record.approver == record.requester
    ):
        return _deny(
            "two_person_rule",
            f"{record.action} needs an approver other than the requester {record.requester}",
        )
    if record.purpose not in policy.purposes:
        return _deny(
            "purpose_not_allowed",
            f"purpose {record.purpose!r} is not among {sorted(policy.purposes)}",
        )
    return _ALLOWED
