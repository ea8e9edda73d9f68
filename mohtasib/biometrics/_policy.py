"""Deployment safeguards: a YAML policy evaluated into a pass/fail table.

A policy file names, for each safeguard, what the deployment does (``value``)
and where that is shown (``evidence``: a document, a clause, a URL)::

    threshold_validated_locally: {value: true, evidence: "local test report 2025-03"}
    worst_group_fmr_target: {value: 0.001}
    candidate_list_cap: {value: 20, evidence: "system configuration export"}
    two_person_blind_verification: {value: true, evidence: "SOP 4.2"}
    ...

A bare ``key: value`` means no evidence was given. Verdicts: ``pass`` (meets the
requirement and evidence is named), ``evidence missing`` (meets it on paper),
``fail`` (absent, false or out of range), ``not estimable`` (the audit data
cannot show it). The worst-group FMR target is checked against the audit's own
measurements, which are its evidence. The items follow the safeguards asked of
police face recognition in the UK College of Policing Authorised Professional
Practice on live facial recognition (2022) and the US GAO-21-518 report; the
numeric limits (retest within 12 months) are mohtasib defaults, not standards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from mohtasib.biometrics._result import SafeguardCheck
from mohtasib.errors import ConfigError

__all__ = ["REQUIRED_LOG_FIELDS", "SAFEGUARDS", "evaluate_policy", "load_policy"]

#: Fields every search log must record (the access-record contract of the ledger).
REQUIRED_LOG_FIELDS = (
    "who",
    "when",
    "what_searched",
    "system",
    "legal_authority",
    "case_number",
    "purpose",
    "approver",
    "outcome",
)

_MAX_RETEST_MONTHS = 12


def _true(v: Any) -> bool:
    return v is True


def _positive_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _log_fields(v: Any) -> bool:
    return isinstance(v, list) and set(REQUIRED_LOG_FIELDS) <= {str(x) for x in v}


def _retest(v: Any) -> bool:
    return _positive_int(v) and int(v) <= _MAX_RETEST_MONTHS


def _rate(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1


#: key -> (requirement, evidence needed, check of the value)
SAFEGUARDS: dict[str, tuple[str, str, Callable[[Any], bool]]] = {
    "threshold_validated_locally": (
        "the operating threshold was validated on local data, per group",
        "a local test report with per-group FMR and FNMR at that threshold",
        _true,
    ),
    "worst_group_fmr_target": (
        "a worst-group FMR target is set and met at the operating threshold",
        "per-group FMR at the operating threshold (this audit)",
        _rate,
    ),
    "candidate_list_cap": (
        "candidate lists returned to operators are capped",
        "the system configuration showing the cap",
        _positive_int,
    ),
    "two_person_blind_verification": (
        "two trained people verify each candidate independently, blind to each other",
        "the standard operating procedure and verification records",
        _true,
    ),
    "match_not_sole_basis_for_arrest": (
        "a match is never the sole basis for arrest or other action",
        "written policy and case-file review",
        _true,
    ),
    "probe_quality_rules": (
        "probe images must meet written quality rules before a search",
        "the quality rules and rejection logs",
        _true,
    ),
    "watchlist_inclusion_criteria": (
        "who may be put on a watchlist is defined in writing, with review",
        "the inclusion criteria and watchlist review records",
        _true,
    ),
    "log_fields": (
        "every search is logged with " + ", ".join(REQUIRED_LOG_FIELDS),
        "a log schema or sample log records",
        _log_fields,
    ),
    "deletion_period_days": (
        "probe images and non-matching results are deleted after a fixed period",
        "the retention schedule and deletion logs",
        _positive_int,
    ),
    "retest_interval_months": (
        f"the system is re-tested for group differences at least every {_MAX_RETEST_MONTHS} months",
        "the testing schedule and the last test report",
        _retest,
    ),
    "public_reporting": (
        "use and error rates are reported to the public",
        "the published report (URL)",
        _true,
    ),
}


def load_policy(path: str | Path) -> dict[str, Any]:
    """Read a policy YAML file; raise ConfigError naming an unknown or malformed key."""
    source = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("policy file not found", path=source) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=source) from None
    if not isinstance(data, dict):
        raise ConfigError("want a mapping of safeguards at the top level", path=source)
    for key, item in data.items():
        if key not in SAFEGUARDS:
            raise ConfigError(
                f"unknown safeguard; want one of {', '.join(SAFEGUARDS)}", path=source, key=str(key)
            )
        if isinstance(item, dict) and not set(item) <= {"value", "evidence"}:
            raise ConfigError("want keys value and evidence", path=source, key=str(key))
    return data


def _verdict(
    key: str, value: Any, evidence: str | None, worst_fmr: float | None
) -> tuple[str, str]:
    requirement_met = value is not None and SAFEGUARDS[key][2](value)
    if key == "worst_group_fmr_target" and requirement_met:
        if worst_fmr is None:
            return "not estimable", "no group has impostor comparisons"
        met = worst_fmr <= float(value)
        return ("pass" if met else "fail"), f"measured worst-group FMR {worst_fmr:.3g}"
    if not requirement_met:
        return "fail", "not stated" if value is None else f"got {value!r}"
    return ("pass", "") if evidence else ("evidence missing", "")


def evaluate_policy(
    policy: Mapping[str, Any], *, worst_group_fmr: float | None
) -> tuple[SafeguardCheck, ...]:
    """One :class:`SafeguardCheck` per known safeguard, in :data:`SAFEGUARDS` order.

    ``worst_group_fmr`` is the audit's largest per-group FMR at the operating threshold.
    """
    out = []
    for key, (requirement, needed, _) in SAFEGUARDS.items():
        item = policy.get(key)
        value, evidence = (
            (item.get("value"), item.get("evidence")) if isinstance(item, dict) else (item, None)
        )
        status, note = _verdict(key, value, evidence, worst_group_fmr)
        if key == "worst_group_fmr_target" and status in {"pass", "fail"}:
            evidence = evidence or "this audit"
        out.append(
            SafeguardCheck(
                key,
                requirement,
                value,
                status,
                needed,
                None if evidence is None else str(evidence),
                note,
            )
        )
    return tuple(out)
