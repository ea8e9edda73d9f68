"""Reports: typed results rendered to self-contained HTML (inline SVG) and JSON.

The report layer formats and draws; it does no arithmetic on the results.
"""

from __future__ import annotations

from mohtasib.report._findings import findings
from mohtasib.report._html import render_html, render_json, section_html, write_report
from mohtasib.report._model import (
    REPORT_SCHEMA_VERSION,
    AuditReport,
    ReportSection,
    SectionResult,
)

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "AuditReport",
    "ReportSection",
    "SectionResult",
    "findings",
    "render_html",
    "render_json",
    "section_html",
    "write_report",
]
