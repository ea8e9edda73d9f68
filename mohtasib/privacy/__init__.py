"""Privacy: personal-data detection, anonymity checks and differentially private releases."""

from __future__ import annotations

from mohtasib.privacy._budget import BudgetEntry, PrivacyBudget
from mohtasib.privacy._dp import DpRelease, release_counts
from mohtasib.privacy._dp_cells import keys_from_product
from mohtasib.privacy._generalise import GeneralisationResult, generalise
from mohtasib.privacy._geomask import (
    CentroidSnapper,
    DisplacementSummary,
    DonutGeomasker,
    GridSnapper,
    SpatialKAnonymity,
    displacement_m,
    spatial_k_anonymity,
)
from mohtasib.privacy._hierarchies import (
    AgeHierarchy,
    CategoryHierarchy,
    EncodedHierarchy,
    Hierarchy,
    LocationHierarchy,
    TimeHierarchy,
)
from mohtasib.privacy._kanon import AnonymityReport, EquivalenceClass, check_anonymity
from mohtasib.privacy._pii import ENTITY_TYPES, PiiSpan, find_pii
from mohtasib.privacy._pii_scan import (
    DocumentCounts,
    PiiScan,
    TextCorpus,
    read_corpus,
    redact_corpus,
    scan_corpus,
)
from mohtasib.privacy._recognizers import cnic_province
from mohtasib.privacy._redact import OPERATORS, redact, reveal
from mohtasib.privacy._risk import ReidentificationRisk
from mohtasib.privacy._section import PrivacySection

__all__ = [
    "ENTITY_TYPES",
    "OPERATORS",
    "AgeHierarchy",
    "AnonymityReport",
    "BudgetEntry",
    "CategoryHierarchy",
    "CentroidSnapper",
    "DisplacementSummary",
    "DocumentCounts",
    "DonutGeomasker",
    "DpRelease",
    "EncodedHierarchy",
    "EquivalenceClass",
    "GeneralisationResult",
    "GridSnapper",
    "Hierarchy",
    "LocationHierarchy",
    "PiiScan",
    "PiiSpan",
    "PrivacyBudget",
    "PrivacySection",
    "ReidentificationRisk",
    "SpatialKAnonymity",
    "TextCorpus",
    "TimeHierarchy",
    "check_anonymity",
    "cnic_province",
    "displacement_m",
    "find_pii",
    "generalise",
    "keys_from_product",
    "read_corpus",
    "redact",
    "redact_corpus",
    "release_counts",
    "reveal",
    "scan_corpus",
    "spatial_k_anonymity",
]
