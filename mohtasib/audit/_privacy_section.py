"""Runner of the privacy section: scan, anonymity check and DP release, each optional."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mohtasib import privacy
from mohtasib.audit._config import PRIVACY_BUDGET_FILE, PRIVACY_PART_KEYS
from mohtasib.audit._sections import config_path
from mohtasib.io import sha256_file

__all__ = ["run_privacy"]


def _names(value: Any, key: str) -> list[str]:
    """A column name or a list of them."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        raise ValueError(f"{key}: got {value!r}; want a column name or a list of them")
    return [str(v) for v in value]


def _input(path: Path, role: str) -> dict[str, Any]:
    return {
        "source": str(path),
        "role": role,
        "sha256": sha256_file(path) if path.is_file() else None,
    }


def _privacy_scan(body: Mapping[str, Any], base: Path) -> privacy.PiiScan:
    corpus = privacy.read_corpus(config_path(base, body, "data"), column=body.get("column"))
    return privacy.scan_corpus(corpus, language=str(body.get("language", "auto")))


def _privacy_anonymity(body: Mapping[str, Any], base: Path) -> privacy.AnonymityReport:
    path = config_path(base, body, "data")
    l_target, t_target = body.get("l", 2), body.get("t", 0.2)
    return privacy.check_anonymity(
        path,
        quasi_identifiers=_names(body["quasi_identifiers"], "quasi_identifiers"),
        sensitive=None if body.get("sensitive") is None else str(body["sensitive"]),
        k=int(body.get("k", 5)),
        l=None if l_target is None else int(l_target),
        t=None if t_target is None else float(t_target),
        source=str(path),
    )


def _privacy_budget(body: Mapping[str, Any], base: Path, out_dir: Path) -> tuple[Path, str]:
    """The budget file to charge: the configured file, or a fresh one in the output folder."""
    if "budget" in body:
        return config_path(base, body, "budget"), "file"
    totals = body["budget_per_run"]
    if (
        not isinstance(totals, dict)
        or set(totals) - {"epsilon", "delta"}
        or "epsilon" not in totals
    ):
        raise ValueError(
            f"budget_per_run: got {totals!r}; want a mapping with epsilon (and optional delta)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PRIVACY_BUDGET_FILE
    # A per-run budget is new each run: an earlier run's file in this folder is replaced.
    privacy.PrivacyBudget(float(totals["epsilon"]), float(totals.get("delta", 0.0))).save(path)
    return path, "per_run"


def _privacy_release(
    body: Mapping[str, Any], base: Path, engine: str | None, out_dir: Path
) -> tuple[privacy.DpRelease, Path, str, list[dict[str, Any]]]:
    data = config_path(base, body, "data")
    inputs = [_input(data, "dp_release_data")]
    keys: Path | Any
    if "keys" in body:
        keys = config_path(base, body, "keys")
        inputs.append(_input(keys, "dp_release_keys"))
    else:
        product = body["keys_from_product"]
        if not isinstance(product, dict):
            raise ValueError(
                f"keys_from_product: got {product!r}; want a mapping of column to value list"
            )
        keys = privacy.keys_from_product({str(k): list(v) for k, v in product.items()})
    budget, mode = _privacy_budget(body, base, out_dir)
    delta = body.get("delta")
    release = privacy.release_counts(
        data,
        by=_names(body["by"], "by"),
        epsilon=float(body["epsilon"]),
        budget=budget,
        delta=None if delta is None else float(delta),
        keys=keys,
        mechanism=str(body.get("mechanism", "laplace")),
        max_contributions=int(body.get("max_contributions", 1)),
        month_from=body.get("month_from"),
        description=body.get("description"),
        engine=engine,
    )
    return release, budget, mode, inputs


def run_privacy(
    body: Mapping[str, Any], base: Path, engine: str | None, *, out_dir: Path
) -> privacy.PrivacySection:
    """``scan``, ``anonymity`` and ``release``, each optional; paths relative to ``base``."""
    inputs: list[dict[str, Any]] = []
    scan = anonymity = release = None
    budget: Path | None = None
    mode = None
    if "scan" in body:
        inputs.append(_input(config_path(base, body["scan"], "data"), "pii_scan"))
        scan = _privacy_scan(body["scan"], base)
    if "anonymity" in body:
        inputs.append(_input(config_path(base, body["anonymity"], "data"), "anonymity_data"))
        anonymity = _privacy_anonymity(body["anonymity"], base)
    if "release" in body:
        release, budget, mode, more = _privacy_release(body["release"], base, engine, out_dir)
        inputs.extend(more)
    return privacy.PrivacySection(
        scan=scan,
        anonymity=anonymity,
        release=release,
        budget_mode=mode,
        budget_file=None if budget is None else str(budget),
        inputs=tuple(inputs),
        parameters={p: dict(body[p]) for p in PRIVACY_PART_KEYS if p in body},
    )
