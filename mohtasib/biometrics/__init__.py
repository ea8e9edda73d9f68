"""Face-recognition audits: error rates by demographic group, thresholds and safeguards.

Entry points: :func:`audit_comparisons` (1:1 verification: FMR, FNMR, FTA, DET
curves and EER per group, the cross-group FMR matrix, summaries with
subject-level bootstrap intervals, threshold advice, safeguards) and
:func:`identification_rates` (1:N search: FPIR and FNIR per group).
Methods and citations: ``docs/explanation/methods.md``.
"""

from __future__ import annotations

from mohtasib.biometrics._audit import audit_comparisons
from mohtasib.biometrics._bootstrap import GroupCounts, clustered_bootstrap, percentile_interval
from mohtasib.biometrics._comparisons import (
    COMPARISON_COLUMNS,
    Comparisons,
    comparisons_from_frame,
    read_comparisons,
    read_score_matrix,
)
from mohtasib.biometrics._identification import (
    IDENTIFICATION_SCHEMA_VERSION,
    IdentificationAudit,
    IdentificationRates,
    audit_identification,
    identification_rates,
)
from mohtasib.biometrics._intervals import RULE_OF_30, clopper_pearson_interval, rule_of_three
from mohtasib.biometrics._policy import (
    REQUIRED_LOG_FIELDS,
    SAFEGUARDS,
    evaluate_policy,
    load_policy,
)
from mohtasib.biometrics._rates import ScoreIndex, build_index, equal_error_rate, error_curve
from mohtasib.biometrics._result import (
    SCHEMA_VERSION,
    BiometricAudit,
    CrossGroupCell,
    DetCurve,
    DifferentialSummary,
    ErrorRate,
    GroupErrorRates,
    SafeguardCheck,
    ThresholdAdvice,
    ThresholdRow,
)
from mohtasib.biometrics._streaming import (
    StreamedCounts,
    iter_comparison_batches,
    stream_counts,
)
from mohtasib.biometrics._subjects import (
    MISSING,
    Samples,
    SubjectTable,
    read_samples,
    read_subjects,
    samples_from_frame,
    subjects_from_frame,
)
from mohtasib.biometrics._summaries import (
    fairness_discrepancy_rate,
    garbe,
    gini,
    inequity_rate,
    max_min_ratio,
)
from mohtasib.biometrics._threshold import lowest_threshold_for_fmr

__all__ = [
    "COMPARISON_COLUMNS",
    "IDENTIFICATION_SCHEMA_VERSION",
    "MISSING",
    "REQUIRED_LOG_FIELDS",
    "RULE_OF_30",
    "SAFEGUARDS",
    "SCHEMA_VERSION",
    "BiometricAudit",
    "Comparisons",
    "CrossGroupCell",
    "DetCurve",
    "DifferentialSummary",
    "ErrorRate",
    "GroupCounts",
    "GroupErrorRates",
    "IdentificationAudit",
    "IdentificationRates",
    "SafeguardCheck",
    "Samples",
    "ScoreIndex",
    "StreamedCounts",
    "SubjectTable",
    "ThresholdAdvice",
    "ThresholdRow",
    "audit_comparisons",
    "audit_identification",
    "build_index",
    "clopper_pearson_interval",
    "clustered_bootstrap",
    "comparisons_from_frame",
    "equal_error_rate",
    "error_curve",
    "evaluate_policy",
    "fairness_discrepancy_rate",
    "garbe",
    "gini",
    "identification_rates",
    "inequity_rate",
    "iter_comparison_batches",
    "load_policy",
    "lowest_threshold_for_fmr",
    "max_min_ratio",
    "percentile_interval",
    "read_comparisons",
    "read_samples",
    "read_score_matrix",
    "read_subjects",
    "rule_of_three",
    "samples_from_frame",
    "stream_counts",
    "subjects_from_frame",
]
