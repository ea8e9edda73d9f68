"""Render an :class:`AuditReport` to one self-contained HTML file and to JSON.

The HTML has inline CSS and inline SVG figures: it loads nothing from any URL,
so it can be archived, e-mailed and hashed into the ledger as one file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from mohtasib.biometrics import BiometricAudit
from mohtasib.fairness import DisparityAudit
from mohtasib.forecast import Backtest
from mohtasib.ledger import LedgerStatistics
from mohtasib.privacy import PrivacySection
from mohtasib.report._attention_findings import attention_context
from mohtasib.report._biometrics_identify import identification_context
from mohtasib.report._feedback_findings import feedback_context
from mohtasib.report._findings import (
    METRIC_LABELS,
    findings,
    fmt_ci,
    fmt_p,
    fmt_rate,
    fmt_rate_ci,
    natural_key,
)
from mohtasib.report._forecast_findings import coverage_label, headline_coverage
from mohtasib.report._model import AuditReport, ReportSection
from mohtasib.report._plots import (
    calibration_svg,
    cross_group_fmr_svg,
    det_curves_svg,
    flagged_cells_svg,
    forest_plot_svg,
    hit_rate_svg,
)
from mohtasib.report._privacy_findings import fmt_eps

__all__ = ["render_html", "render_json", "section_html", "write_report"]

_ENV = Environment(
    loader=PackageLoader("mohtasib.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["ci"] = fmt_ci
_ENV.filters["p"] = fmt_p
_ENV.filters["num"] = lambda v, digits=3: "—" if v is None else f"{v:.{digits}f}"
_ENV.filters["rate"] = fmt_rate
_ENV.filters["rate_ci"] = fmt_rate_ci
_ENV.filters["eps"] = fmt_eps

#: Summaries of a face-recognition audit, in report order, with their labels.
_SUMMARY_LABELS = {
    "fmr_max_min_ratio": "FMR max/min ratio (times worse than the best group)",
    "fnmr_max_min_ratio": "FNMR max/min ratio",
    "inequity_rate": "inequity rate (NIST IR 8429)",
    "garbe": "GARBE (Howard et al. 2022)",
    "fdr": "FDR, fairness discrepancy rate (Pereira & Marcel 2021)",
    "fmr_gini": "Gini coefficient of FMR",
    "fnmr_gini": "Gini coefficient of FNMR",
}


def _disparity_context(section: ReportSection) -> dict[str, Any]:
    result = section.result
    assert isinstance(result, DisparityAudit)
    marginal = [a for a in result.references if " × " not in a]
    plots = {}
    for metric in result.metrics:
        rows = [d for d in result.disparities if d.metric == metric and d.attribute in marginal]
        if rows:
            plots[metric] = forest_plot_svg(
                rows,
                title=f"{METRIC_LABELS[metric]}: ratio to the reference group",
                confidence=float(result.parameters.get("confidence", 0.95)),
            )
    calibration = {}
    for attribute in marginal:
        bins = [c for c in result.calibration if c.attribute == attribute]
        if bins:
            calibration[attribute] = calibration_svg(
                bins, title=f"Observed outcome rate by score, by {attribute}"
            )
    return {
        "section": section,
        "result": result,
        "labels": METRIC_LABELS,
        "marginal": marginal,
        "intersections": [a for a in result.references if " × " in a],
        "plots": plots,
        "calibration": calibration,
        "findings": findings(result),
    }


def _biometrics_context(section: ReportSection) -> dict[str, Any]:
    result = section.result
    assert isinstance(result, BiometricAudit)
    order = sorted((g.group for g in result.groups), key=natural_key)
    rank = {name: i for i, name in enumerate(order)}

    def by_order(items: Sequence[Any]) -> list[Any]:
        return sorted(items, key=lambda x: rank[x.group])

    return {
        "section": section,
        "result": result,
        "groups": by_order(result.groups),
        "summary_labels": _SUMMARY_LABELS,
        "heat_map": cross_group_fmr_svg(
            result.cross_group_fmr,
            groups=order,
            title=f"FMR of probe group against reference group at threshold {result.threshold:g}",
        ),
        "cross_cells": sorted(
            result.cross_group_fmr, key=lambda c: (rank[c.probe_group], rank[c.reference_group])
        ),
        "det": det_curves_svg(by_order(result.det_curves), title="DET curves by group"),
        "advice_rows": by_order(result.threshold_advice.rows) if result.threshold_advice else [],
        "findings": findings(result),
    }


def _ledger_context(section: ReportSection) -> dict[str, Any]:
    result = section.result
    assert isinstance(result, LedgerStatistics)
    breakdowns = {
        "action": result.by_action,
        "system": result.by_system,
        "legal authority type": result.by_authority,
    }
    return {
        "section": section,
        "result": result,
        "breakdowns": breakdowns,
        "findings": findings(result),
    }


def _release_grid(section: PrivacySection) -> dict[str, Any] | None:
    """The released counts laid out as rows × columns when there are two ``by`` columns.

    A reshaping of the released table, in key-set order; no value is computed.
    """
    release = section.release
    if release is None or len(release.by) != 2:
        return None
    row_name, col_name = release.by
    records = release.table.to_dict(orient="records")
    rows = list(dict.fromkeys(str(r[row_name]) for r in records))
    cols = list(dict.fromkeys(str(r[col_name]) for r in records))
    cells = {(str(r[row_name]), str(r[col_name])): int(r["count"]) for r in records}
    return {"row_name": row_name, "col_name": col_name, "rows": rows, "cols": cols, "cells": cells}


def _privacy_context(section: ReportSection) -> dict[str, Any]:
    result = section.result
    assert isinstance(result, PrivacySection)
    scan = result.scan
    types = [t for t, n in scan.totals.items() if n] if scan is not None else []
    return {
        "section": section,
        "result": result,
        "scan_types": types,
        "grid": _release_grid(result),
        "findings": findings(result),
    }


#: Columns of the forecast table: metric key, label, and whether it is per coverage.
_FORECAST_METRICS = (
    ("hit_rate", "hit rate", True),
    ("pai", "PAI", True),
    ("pei", "PEI", True),
    ("pei_star", "PEI*", True),
    ("log_score", "log score (per cell)", False),
    ("brier", "Brier score (per cell)", False),
)


def _forecast_context(section: ReportSection) -> dict[str, Any]:
    result = section.result
    assert isinstance(result, Backtest)
    flagged = result.map
    return {
        "section": section,
        "result": result,
        "metrics": _FORECAST_METRICS,
        "coverage_label": coverage_label,
        "headline": headline_coverage(result),
        "hit_rate_plot": hit_rate_svg(
            result.models,
            coverages=result.coverages,
            baseline=result.baseline,
            title="Hit rate against share of the area flagged, mean over origins (95 % intervals)",
        ),
        "map": None
        if flagged is None
        else flagged_cells_svg(
            result.grid,
            flagged,
            title=f"Cells flagged at {coverage_label(flagged.coverage)} of the area, "
            f"origin {flagged.origin_date}, and the cells with events in the next "
            f"{result.horizon_days:g} day(s)",
        ),
        "findings": findings(result),
    }


#: Per result ``kind``: the section template and the function that builds its context.
_TEMPLATES: dict[str, tuple[str, Callable[[ReportSection], dict[str, Any]]]] = {
    "decisions": ("section.html.j2", _disparity_context),
    "stops": ("section.html.j2", _disparity_context),
    "biometrics": ("section_biometrics.html.j2", _biometrics_context),
    "ledger": ("section_ledger.html.j2", _ledger_context),
    "privacy": ("section_privacy.html.j2", _privacy_context),
    "forecast_backtest": ("section_forecast.html.j2", _forecast_context),
    "attention": ("section_attention.html.j2", attention_context),
    "feedback_simulation": ("section_feedback.html.j2", feedback_context),
    "identification": ("section_biometrics_identify.html.j2", identification_context),
}


def section_html(section: ReportSection) -> str:
    """Render one section as an HTML fragment (used by ``--format html`` commands)."""
    template, context = _TEMPLATES[section.result.kind]
    return _ENV.get_template(template).render(**context(section))


def render_html(report: AuditReport) -> str:
    """Render the whole report as one self-contained HTML document."""
    sections = [section_html(s) for s in report.sections]
    return _ENV.get_template("report.html.j2").render(report=report, sections=sections)


def render_json(report: AuditReport) -> str:
    """Render ``report.json``: keys in ``to_dict()`` order, two-space indent, UTF-8 text."""
    text = json.dumps(
        report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=_plain
    )
    return text + "\n"


def _plain(value: object) -> str:
    """JSON for values YAML reads that JSON lacks: an unquoted date in a configuration."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_report(report: AuditReport, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.json`` into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out / "report.html", out / "report.json"
    html_path.write_text(render_html(report), encoding="utf-8")
    json_path.write_text(render_json(report), encoding="utf-8")
    return html_path, json_path
