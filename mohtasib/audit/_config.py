"""Audit configurations: the allowed keys and the checks that name a bad one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mohtasib.engine import ENGINES
from mohtasib.errors import ConfigError

__all__ = [
    "PRIVACY_BUDGET_FILE",
    "PRIVACY_PART_KEYS",
    "SECTION_KEYS",
    "TOP_LEVEL_KEYS",
    "load_config",
]

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
            "retention_grace_days",
        ),
    },
    "forecast": {
        "required": ("data", "test_start"),
        "optional": (
            "data_note",
            "title",
            "time_col",
            "lon_col",
            "lat_col",
            "tz",
            "cell_size",
            "models",
            "train_days",
            "test_days",
            "horizon_days",
            "coverages",
            "n_boot",
            "block_length",
            "random_state",
            "study_area",
            "refit_every",
            "offsets",
        ),
    },
    "attention": {
        "required": ("areas", "population_columns"),
        "optional": (
            "data_note",
            "title",
            "confidence",
            "predictions",
            "count_property",
            "prediction_count_column",
            "date_column",
            "block_length",
            "crime",
            "crime_count_column",
            "areas_crs",
            "points_crs",
            "total_column",
            "reference",
            "income_column",
            "income_per",
            "income_bands",
            "n_boot",
            "random_state",
        ),
    },
    "privacy": {
        # At least one of scan, anonymity, release; each is a mapping (PRIVACY_PART_KEYS).
        "required": (),
        "optional": ("data_note", "title", "scan", "anonymity", "release"),
    },
}

#: Allowed keys inside each part of the ``privacy`` section, and which are required.
PRIVACY_PART_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "scan": {"required": ("data",), "optional": ("column", "language")},
    "anonymity": {
        "required": ("data", "quasi_identifiers"),
        "optional": ("sensitive", "k", "l", "t"),
    },
    "release": {
        "required": ("data", "by", "epsilon"),
        "optional": (
            "delta",
            "mechanism",
            "max_contributions",
            "month_from",
            "keys",
            "keys_from_product",
            "budget",
            "budget_per_run",
            "description",
        ),
    },
}

#: The budget file a ``budget_per_run`` release writes into the output folder (replaced each run).
PRIVACY_BUDGET_FILE = "privacy-budget.json"


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
        if name == "privacy":
            _check_privacy(body, source)
    return config


def _check_privacy(body: Mapping[str, Any], source: str) -> None:
    parts = [p for p in PRIVACY_PART_KEYS if p in body]
    if not parts:
        raise ConfigError(
            f"want at least one of {', '.join(PRIVACY_PART_KEYS)}",
            path=source,
            key="sections.privacy",
        )
    for part in parts:
        spec = PRIVACY_PART_KEYS[part]
        prefix = f"sections.privacy.{part}"
        if not isinstance(body[part], dict):
            raise ConfigError("want a mapping", path=source, key=prefix)
        allowed = (*spec["required"], *spec["optional"])
        _check_keys(body[part], allowed, spec["required"], source, prefix + ".")
    release = body.get("release") or {}
    for one, other in (("keys", "keys_from_product"), ("budget", "budget_per_run")):
        if one in release and other in release:
            raise ConfigError(
                f"give {one} or {other}, not both",
                path=source,
                key=f"sections.privacy.release.{one}",
            )
        if "release" in body and one not in release and other not in release:
            raise ConfigError(
                f"want {one} or {other}", path=source, key=f"sections.privacy.release.{one}"
            )


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
