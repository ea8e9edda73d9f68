"""The privacy section of an audit report: a PII scan, an anonymity check and a DP release.

:class:`PrivacySection` bundles the three results (each optional) for the report layer.
Its JSON view is built for publication: PII counts by type and document (never the
values), the anonymity measures with the failing equivalence classes as counts only
(their quasi-identifier values are left out), and the DP release without its custodian
warnings (exact figures about the data that are not differentially private).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mohtasib.privacy._anonymity_report import AnonymityReport
from mohtasib.privacy._dp import DpRelease
from mohtasib.privacy._pii_scan import PiiScan

__all__ = ["BUDGET_MODES", "PrivacySection"]

#: How the budget of a release in an audit was held: a file kept across runs, or one per run.
BUDGET_MODES = ("file", "per_run")


@dataclass(frozen=True)
class PrivacySection:
    """The results of an audit's ``privacy`` section.

    Attributes
    ----------
    scan
        Counts of personal data found in a text input (None: no scan asked).
    anonymity
        k-anonymity, l-diversity, t-closeness and risk of a table (None: not asked).
    release
        A differentially private table of counts (None: not asked).
    budget_mode
        ``file``: the release was charged to a budget file kept across runs;
        ``per_run``: to a budget created fresh for this run (the demo). None without a release.
    budget_file
        Where the charged budget was written.
    inputs
        One ``{"source", "role", "sha256"}`` per file read.
    parameters
        The settings of each part, as given.
    """

    scan: PiiScan | None = None
    anonymity: AnonymityReport | None = None
    release: DpRelease | None = None
    budget_mode: str | None = None
    budget_file: str | None = None
    inputs: tuple[Mapping[str, Any], ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "privacy"

    def __post_init__(self) -> None:
        if self.budget_mode is not None and self.budget_mode not in BUDGET_MODES:
            raise ValueError(f"budget_mode: got {self.budget_mode!r}; want file or per_run")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view: counts and released figures only."""
        anonymity = None
        if self.anonymity is not None:
            anonymity = self.anonymity.to_dict()
            # The failing classes' quasi-identifier values stay out of a published report.
            del anonymity["failing_classes"]
        release = None
        if self.release is not None:
            release = self.release.to_dict()
            # Exact facts about the data, not differentially private: for the custodian only.
            del release["custodian_warnings"]
            release["budget_mode"] = self.budget_mode
            release["budget_file"] = self.budget_file
        return {
            "kind": self.kind,
            "scan": None if self.scan is None else self.scan.to_dict(),
            "anonymity": anonymity,
            "release": release,
            "inputs": [dict(i) for i in self.inputs],
            "parameters": dict(self.parameters),
        }
