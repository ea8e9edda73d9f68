"""The main job: an audit configuration in, a report (HTML + JSON) out.

A configuration is a YAML file::

    title: Risk-score audit, Broward County (COMPAS)
    deployment: {system: COMPAS, agency: ..., jurisdiction: ...}
    engine: duckdb            # or spark; MOHTASIB_ENGINE overrides when absent
    sections:
      fairness:               # mohtasib.fairness.audit
        data: compas.csv      # relative to the configuration file
        data_note: Real data ...
        label: two_year_recid
        score: decile_score
        threshold: 5
        attributes: [race, sex, age_cat]
      stops:                  # mohtasib.fairness.audit_stops
        data: stops.csv
        group: race
        searched: searched
        found: [weapon_found, contraband_found]
      biometrics:             # mohtasib.biometrics.audit_comparisons
        comparisons: comparisons.csv.gz
        subjects: subjects.csv
        group_by: [age_band, sex]
        threshold: 0.6
        higher_is_similar: false
      ledger:                 # mohtasib.ledger.period_statistics
        db: ledger.db         # or postgresql://...; keys, checkpoint, vkey...
        start: "2025-01-01T00:00:00+05:00"
        end: "2025-04-01T00:00:00+05:00"

Every key is checked; an unknown or mistyped key is a ConfigError naming it.
The full list of keys is in ``docs/reference/audit-config.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mohtasib import biometrics, fairness, ledger
from mohtasib.biometrics import BiometricAudit
from mohtasib.engine import ENGINES
from mohtasib.errors import ConfigError, MohtasibError
from mohtasib.fairness import DisparityAudit
from mohtasib.io import sha256_file
from mohtasib.ledger import LedgerStatistics
from mohtasib.report import AuditReport, ReportSection, SectionResult, write_report

__all__ = ["SECTION_KEYS", "TOP_LEVEL_KEYS", "AuditRun", "load_config", "run_audit", "run_demo"]

#: Keys allowed at the top level of an audit configuration (``sections`` is required).
TOP_LEVEL_KEYS = ("title", "deployment", "engine", "sections")

_COMMON = ("data_note", "title", "min_denominator", "confidence")

#: Allowed keys per section, and which are required.
SECTION_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "fairness": {
        "required": ("data", "label", "attributes"),
        "optional": (
            *_COMMON,
            "score",
            "threshold",
            "prediction",
            "intersections",
            "reference",
            "score_range",
        ),
    },
    "stops": {
        "required": ("data", "group", "searched", "found"),
        "optional": (
            *_COMMON,
            "date",
            "time",
            "lat",
            "lon",
            "location",
            "timezone",
            "reference",
            "veil_group",
        ),
    },
    "biometrics": {
        "required": ("comparisons", "subjects", "group_by", "threshold"),
        "optional": (
            # min_denominator does not apply: rates are never suppressed here; small
            # counts are flagged by the rule of 30 and the rule of three instead.
            *(k for k in _COMMON if k != "min_denominator"),
            "higher_is_similar",
            "symmetric",
            "matrix",
            "sentinel",
            "samples",
            "fmr_target",
            "policy",
            "alpha",
            "n_bootstrap",
            "random_state",
            "det_points",
        ),
    },
    "ledger": {
        "required": ("db", "start", "end"),
        "optional": (
            "data_note",
            "title",
            "keys",
            "private_key",
            "checkpoint",
            "vkey",
            "retention_periods",
        ),
    },
}

_DEFAULT_TITLES = {
    "fairness": "Bias audit of decisions",
    "stops": "Stop-and-search audit",
    "biometrics": "Face recognition: error rates by group",
    "ledger": "Access ledger: recorded accesses in the audit period",
}
_DEFAULT_NOTE = "The data's provenance was not stated in the audit configuration."


@dataclass(frozen=True)
class AuditRun:
    """What an audit produced: the report object and the files written."""

    report: AuditReport
    html_path: Path
    json_path: Path
    report_sha256: str


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check an audit configuration; raise ConfigError naming the bad key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("configuration file not found", path=source) from None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=source) from None
    if not isinstance(config, dict):
        raise ConfigError("want a mapping at the top level", path=source)
    _check_keys(config, TOP_LEVEL_KEYS, ("sections",), source, "")
    if config.get("engine") is not None and config["engine"] not in ENGINES:
        raise ConfigError(
            f"got {config['engine']!r}; want one of {', '.join(ENGINES)}", path=source, key="engine"
        )
    sections = config["sections"]
    if not isinstance(sections, dict) or not sections:
        raise ConfigError("want a mapping of at least one section", path=source, key="sections")
    for name, body in sections.items():
        if name not in SECTION_KEYS:
            raise ConfigError(
                f"unknown section; want one of {', '.join(SECTION_KEYS)}",
                path=source,
                key=f"sections.{name}",
            )
        if not isinstance(body, dict):
            raise ConfigError("want a mapping", path=source, key=f"sections.{name}")
        spec = SECTION_KEYS[name]
        allowed = (*spec["required"], *spec["optional"])
        _check_keys(body, allowed, spec["required"], source, f"sections.{name}.")
    return config


def _check_keys(
    body: Mapping[str, Any],
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    source: str,
    prefix: str,
) -> None:
    for key in body:
        if key not in allowed:
            raise ConfigError(
                f"unknown key; allowed here: {', '.join(allowed)}", path=source, key=prefix + key
            )
    for key in required:
        if key not in body:
            raise ConfigError("required key is missing", path=source, key=prefix + key)


def _path(base: Path, body: Mapping[str, Any], key: str) -> Path:
    """A file named by ``key``, relative to the configuration's folder."""
    return base / str(body[key])


def _flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{key}: got {value!r}; want true or false")
    return value


def _run_fairness(body: Mapping[str, Any], base: Path, engine: str | None) -> DisparityAudit:
    score_range = body.get("score_range")
    return fairness.audit(
        _path(base, body, "data"),
        label=body["label"],
        attributes=list(body["attributes"]),
        score=body.get("score"),
        threshold=body.get("threshold"),
        prediction=body.get("prediction"),
        intersections=bool(body.get("intersections", False)),
        reference={str(k): str(v) for k, v in (body.get("reference") or {}).items()},
        min_denominator=int(body.get("min_denominator", 30)),
        confidence=float(body.get("confidence", 0.95)),
        score_range=tuple(score_range) if score_range else None,
        engine=engine,
    )


def _run_stops(body: Mapping[str, Any], base: Path, engine: str | None) -> DisparityAudit:
    found = body["found"]
    location = body.get("location")
    return fairness.audit_stops(
        _path(base, body, "data"),
        group=body["group"],
        searched=body["searched"],
        found=[found] if isinstance(found, str) else list(found),
        date=body.get("date"),
        time=body.get("time"),
        lat=body.get("lat"),
        lon=body.get("lon"),
        location=(float(location[0]), float(location[1])) if location else None,
        timezone=body.get("timezone"),
        reference=body.get("reference"),
        veil_group=body.get("veil_group"),
        min_denominator=int(body.get("min_denominator", 30)),
        confidence=float(body.get("confidence", 0.95)),
        engine=engine,
    )


def _policy(body: Mapping[str, Any], base: Path) -> Path | dict[str, Any] | None:
    """``policy``: a YAML file (relative to the configuration) or the safeguards inline."""
    policy = body.get("policy")
    if policy is None:
        return None
    if isinstance(policy, str):
        return base / policy
    if not isinstance(policy, dict):
        raise ValueError(f"policy: got {policy!r}; want a file name or a mapping of safeguards")
    for key in policy:
        if key not in biometrics.SAFEGUARDS:
            raise ValueError(
                f"policy.{key}: unknown safeguard; want one of {', '.join(biometrics.SAFEGUARDS)}"
            )
    return dict(policy)


def _run_biometrics(body: Mapping[str, Any], base: Path, engine: str | None) -> BiometricAudit:
    # engine is unused: score sweeps are NumPy kernels, not Ibis aggregations (DESIGN.md).
    del engine
    group_by = body["group_by"]
    higher = _flag(body, "higher_is_similar", True)
    source = _path(base, body, "comparisons")
    comparisons: Path | biometrics.Comparisons = source
    if _flag(body, "matrix", False):
        sentinel = body.get("sentinel")
        comparisons = biometrics.read_score_matrix(
            source,
            higher_is_similar=higher,
            sentinel=None if sentinel is None else float(sentinel),
        )
    elif "sentinel" in body:
        raise ValueError("sentinel: applies only with matrix: true")
    fmr_target = body.get("fmr_target")
    random_state = body.get("random_state", 0)
    return biometrics.audit_comparisons(
        comparisons,
        _path(base, body, "subjects"),
        group_by=[group_by] if isinstance(group_by, str) else [str(g) for g in group_by],
        threshold=float(body["threshold"]),
        higher_is_similar=higher,
        symmetric=_flag(body, "symmetric", False),
        fmr_target=None if fmr_target is None else float(fmr_target),
        samples=_path(base, body, "samples") if body.get("samples") else None,
        policy=_policy(body, base),
        alpha=float(body.get("alpha", 0.5)),
        confidence=float(body.get("confidence", 0.95)),
        n_bootstrap=int(body.get("n_bootstrap", 1000)),
        random_state=None if random_state is None else int(random_state),
        det_points=int(body.get("det_points", 200)),
    )


def _when(body: Mapping[str, Any], key: str) -> dt.datetime:
    """``start``/``end``: an ISO 8601 time with its zone, or a date (midnight UTC)."""
    value = body[key]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    if value.utcoffset() is None:
        raise ValueError(f"{key}: got {value.isoformat()}; want a time with its zone (+05:00)")
    return value


def _run_ledger(body: Mapping[str, Any], base: Path, engine: str | None) -> LedgerStatistics:
    del engine  # the ledger is read from its own store, not through a tabular engine
    db = str(body["db"])
    days = body.get("retention_periods")
    if days is not None and not isinstance(days, dict):
        raise ValueError(f"retention_periods: got {days!r}; want a mapping of class to days")
    file = {
        k: base / str(body[k]) if k in body else None for k in ("keys", "private_key", "checkpoint")
    }
    vkey = body.get("vkey")
    return ledger.period_statistics(
        db if db.startswith(("postgresql://", "postgres://")) else base / db,
        start=_when(body, "start"),
        end=_when(body, "end"),
        vkey=base / str(vkey) if vkey and (base / str(vkey)).is_file() else vkey,
        retention_days=None if days is None else {str(k): float(v) for k, v in days.items()},
        keys=file["keys"], private_key=file["private_key"],
        checkpoint=base / str(body["checkpoint"]) if "checkpoint" in body else None,
    )  # fmt: skip


_RUNNERS: dict[str, Callable[[Mapping[str, Any], Path, str | None], SectionResult]] = {
    "fairness": _run_fairness,
    "stops": _run_stops,
    "biometrics": _run_biometrics,
    "ledger": _run_ledger,
}


def run_audit(
    config_path: str | Path,
    *,
    out_dir: str | Path,
    engine: str | None = None,
    config_name: str | None = None,
) -> AuditRun:
    """Run every section of an audit configuration and write the report.

    Data paths in the configuration are relative to the configuration file;
    each section's runner resolves its own (``data``, or ``comparisons``,
    ``subjects``, ``samples`` and ``policy``).
    ``engine`` overrides the configuration's ``engine`` key. ``config_name``
    is how the report names the configuration (default: the path as given).
    """
    config = load_config(config_path)
    base = Path(config_path).resolve().parent
    engine = engine or config.get("engine")
    sections = []
    for name, body in config["sections"].items():
        try:
            result = _RUNNERS[name](body, base, engine)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"invalid value: {exc}", path=str(config_path), key=f"sections.{name}"
            ) from None
        except MohtasibError:
            raise
        sections.append(
            ReportSection(
                key=name,
                title=str(body.get("title", _DEFAULT_TITLES[name])),
                result=result,
                data_note=str(body.get("data_note", _DEFAULT_NOTE)),
            )
        )
    report = AuditReport(
        title=str(config.get("title", "mohtasib audit")),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        sections=tuple(sections),
        deployment=dict(config.get("deployment") or {}),
        config=config,
        config_source=config_name or str(config_path),
        config_sha256=sha256_file(config_path),
    )
    html_path, json_path = write_report(report, out_dir)
    return AuditRun(report, html_path, json_path, sha256_file(json_path))


def run_demo(*, out_dir: str | Path, engine: str | None = None) -> AuditRun:
    """Run the bundled demo audit (real public data shipped in the package)."""
    config = resources.files("mohtasib") / "data" / "demo" / "audit.yaml"
    with resources.as_file(config) as path:
        return run_audit(
            path,
            out_dir=out_dir,
            engine=engine,
            config_name="bundled demo (mohtasib/data/demo/audit.yaml)",
        )
