"""The report: sections of typed results plus provenance, with a JSON view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mohtasib import __version__
from mohtasib.biometrics import BiometricAudit
from mohtasib.fairness import AttentionAudit, DisparityAudit
from mohtasib.feedback import FeedbackSimulation
from mohtasib.forecast import Backtest
from mohtasib.ledger import LedgerStatistics
from mohtasib.privacy import PrivacySection

__all__ = ["REPORT_SCHEMA_VERSION", "AuditReport", "ReportSection", "SectionResult"]

#: Version of the ``report.json`` layout. Bump the minor for added keys, the major for changes.
REPORT_SCHEMA_VERSION = "1.0"

#: A section's result: one pillar's typed result object; its ``kind`` picks the template.
SectionResult = (
    DisparityAudit
    | BiometricAudit
    | LedgerStatistics
    | PrivacySection
    | Backtest
    | AttentionAudit
    | FeedbackSimulation
)


@dataclass(frozen=True)
class ReportSection:
    """One section of a report: a pillar's result and the words that frame it.

    ``data_note`` says what the data are (real, with their source, or
    SYNTHETIC); it is printed above the section's figures.
    """

    key: str
    title: str
    result: SectionResult
    data_note: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "key": self.key,
            "title": self.title,
            "data_note": self.data_note,
            "result": self.result.to_dict(),
        }


@dataclass(frozen=True)
class AuditReport:
    """A whole audit: what was audited, from which configuration, and each section."""

    title: str
    generated_at: str
    sections: tuple[ReportSection, ...]
    deployment: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    config_source: str | None = None
    config_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return ``report.json``'s content: schema version, versions, inputs and sections."""
        # Each result's own JSON view lists its inputs as dicts (their objects differ by pillar).
        inputs = [
            {**i, "section": s.key} for s in self.sections for i in s.result.to_dict()["inputs"]
        ]
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "mohtasib_version": __version__,
            "title": self.title,
            "generated_at": self.generated_at,
            "deployment": dict(self.deployment),
            "config": {
                "source": self.config_source,
                "sha256": self.config_sha256,
                "content": dict(self.config),
            },
            "inputs": inputs,
            "sections": {s.key: s.to_dict() for s in self.sections},
        }
