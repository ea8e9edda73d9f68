"""Render an :class:`AuditReport` to one self-contained HTML file and to JSON.

The HTML has inline CSS and inline SVG figures: it loads nothing from any URL,
so it can be archived, e-mailed and hashed into the ledger as one file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from mohtasib.fairness import DisparityAudit
from mohtasib.report._findings import METRIC_LABELS, findings, fmt_ci, fmt_p
from mohtasib.report._model import AuditReport, ReportSection
from mohtasib.report._plots import calibration_svg, forest_plot_svg

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


def _section_context(section: ReportSection) -> dict[str, Any]:
    result: DisparityAudit = section.result
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


def section_html(section: ReportSection) -> str:
    """Render one section as an HTML fragment (used by ``--format html`` commands)."""
    return _ENV.get_template("section.html.j2").render(**_section_context(section))


def render_html(report: AuditReport) -> str:
    """Render the whole report as one self-contained HTML document."""
    sections = [section_html(s) for s in report.sections]
    return _ENV.get_template("report.html.j2").render(report=report, sections=sections)


def render_json(report: AuditReport) -> str:
    """Render ``report.json``: keys in ``to_dict()`` order, two-space indent, UTF-8 text."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_report(report: AuditReport, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.json`` into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out / "report.html", out / "report.json"
    html_path.write_text(render_html(report), encoding="utf-8")
    json_path.write_text(render_json(report), encoding="utf-8")
    return html_path, json_path
