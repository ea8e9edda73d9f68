"""Face-recognition audits: error rates by demographic group, thresholds and safeguards.

Entry points: :func:`audit_comparisons` (1:1 verification: FMR, FNMR, FTA, DET
curves and EER per group, the cross-group FMR matrix, summaries with
subject-level bootstrap intervals, threshold advice, safeguards) and
:func:`identification_rates` (1:N search: FPIR and FNIR per group).
Methods and citations: ``docs/explanation/methods.md``.

The package imports its submodules lazily (PEP 562 ``__getattr__``): importing
``mohtasib.biometrics`` costs almost nothing, and ``from mohtasib.biometrics
import build_index`` loads only NumPy and :mod:`~mohtasib.biometrics._rates`,
not pandas, SciPy or PyArrow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mohtasib.biometrics._audit import audit_comparisons
    from mohtasib.biometrics._bootstrap import GroupCounts, clustered_bootstrap, percentile_interval
    from mohtasib.biometrics._comparisons import (
        COMPARISON_COLUMNS,
        Comparisons,
        comparisons_from_frame,
        read_comparisons,
        read_score_matrix,
    )
    from mohtasib.biometrics._embed import (
        EMBEDDING_DIM,
        FTA_REASONS,
        Embeddings,
        embed_images,
        embedding_comparisons,
        read_embeddings,
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
    from mohtasib.biometrics._stream_audit import audit_stream
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
        fixed_group_replicates,
        garbe,
        gini,
        inequity_rate,
        max_min_ratio,
    )
    from mohtasib.biometrics._threshold import lowest_threshold_for_fmr

__all__ = [
    "COMPARISON_COLUMNS",
    "EMBEDDING_DIM",
    "FTA_REASONS",
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
    "Embeddings",
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
    "audit_stream",
    "build_index",
    "clopper_pearson_interval",
    "clustered_bootstrap",
    "comparisons_from_frame",
    "embed_images",
    "embedding_comparisons",
    "equal_error_rate",
    "error_curve",
    "evaluate_policy",
    "fairness_discrepancy_rate",
    "fixed_group_replicates",
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
    "read_embeddings",
    "read_samples",
    "read_score_matrix",
    "read_subjects",
    "rule_of_three",
    "samples_from_frame",
    "stream_counts",
    "subjects_from_frame",
]

#: Public name -> the private submodule that defines it.
_WHERE = {
    "BiometricAudit": "_result",
    "COMPARISON_COLUMNS": "_comparisons",
    "Comparisons": "_comparisons",
    "CrossGroupCell": "_result",
    "DetCurve": "_result",
    "DifferentialSummary": "_result",
    "EMBEDDING_DIM": "_embed",
    "Embeddings": "_embed",
    "ErrorRate": "_result",
    "FTA_REASONS": "_embed",
    "GroupCounts": "_bootstrap",
    "GroupErrorRates": "_result",
    "IDENTIFICATION_SCHEMA_VERSION": "_identification",
    "IdentificationAudit": "_identification",
    "IdentificationRates": "_identification",
    "MISSING": "_subjects",
    "REQUIRED_LOG_FIELDS": "_policy",
    "RULE_OF_30": "_intervals",
    "SAFEGUARDS": "_policy",
    "SCHEMA_VERSION": "_result",
    "SafeguardCheck": "_result",
    "Samples": "_subjects",
    "ScoreIndex": "_rates",
    "StreamedCounts": "_streaming",
    "SubjectTable": "_subjects",
    "ThresholdAdvice": "_result",
    "ThresholdRow": "_result",
    "audit_comparisons": "_audit",
    "audit_identification": "_identification",
    "audit_stream": "_stream_audit",
    "build_index": "_rates",
    "clopper_pearson_interval": "_intervals",
    "clustered_bootstrap": "_bootstrap",
    "comparisons_from_frame": "_comparisons",
    "embed_images": "_embed",
    "embedding_comparisons": "_embed",
    "equal_error_rate": "_rates",
    "error_curve": "_rates",
    "evaluate_policy": "_policy",
    "fairness_discrepancy_rate": "_summaries",
    "fixed_group_replicates": "_summaries",
    "garbe": "_summaries",
    "gini": "_summaries",
    "identification_rates": "_identification",
    "inequity_rate": "_summaries",
    "iter_comparison_batches": "_streaming",
    "load_policy": "_policy",
    "lowest_threshold_for_fmr": "_threshold",
    "max_min_ratio": "_summaries",
    "percentile_interval": "_bootstrap",
    "read_comparisons": "_comparisons",
    "read_embeddings": "_embed",
    "read_samples": "_subjects",
    "read_score_matrix": "_comparisons",
    "read_subjects": "_subjects",
    "rule_of_three": "_intervals",
    "samples_from_frame": "_subjects",
    "stream_counts": "_streaming",
    "subjects_from_frame": "_subjects",
}


def __getattr__(name: str) -> Any:
    """Import a public name's submodule on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, for ``dir()`` and tab completion."""
    return sorted({*globals(), *__all__})
