"""Bias audits: group rates, disparities with intervals, stop-and-search tests.

Entry points: :func:`audit` (risk scores and decisions) and :func:`audit_stops`
(stop, search and hit rates, veil of darkness), both returning a
:class:`DisparityAudit`; :func:`audit_attention` (place-based attention by
residents' group) returns an :class:`AttentionAudit`.
Methods and citations: ``docs/explanation/methods.md``.
"""

from __future__ import annotations

from mohtasib.fairness._attention import audit_attention, lorenz_curve
from mohtasib.fairness._attention_result import (
    ATTENTION_SCHEMA_VERSION,
    AttentionAudit,
    GroupAttention,
    IncomeBand,
    LorenzCurve,
)
from mohtasib.fairness._audit import audit
from mohtasib.fairness._intervals import (
    clopper_pearson_interval,
    katz_ratio_interval,
    koopman_ratio_interval,
    newcombe_difference_interval,
    proportion_interval,
    ratio_interval,
    wilson_interval,
)
from mohtasib.fairness._metrics import DECISION_METRICS, STOP_METRICS, MetricDefinition
from mohtasib.fairness._result import (
    SCHEMA_VERSION,
    CalibrationBin,
    Disparity,
    DisparityAudit,
    GroupRates,
    GroupScoreSummary,
    InputFile,
    RateEstimate,
    VeilOfDarkness,
)
from mohtasib.fairness._shrinkage import beta_binomial_shrinkage, prior_strength
from mohtasib.fairness._significance import (
    benjamini_hochberg,
    holm,
    n_per_group_for_ratio,
    two_proportion_test,
)
from mohtasib.fairness._stops import audit_stops
from mohtasib.fairness._tables import BAND, MISSING, SUPPRESS_BELOW

__all__ = [
    "ATTENTION_SCHEMA_VERSION",
    "BAND",
    "DECISION_METRICS",
    "MISSING",
    "SCHEMA_VERSION",
    "STOP_METRICS",
    "SUPPRESS_BELOW",
    "AttentionAudit",
    "CalibrationBin",
    "Disparity",
    "DisparityAudit",
    "GroupAttention",
    "GroupRates",
    "GroupScoreSummary",
    "IncomeBand",
    "InputFile",
    "LorenzCurve",
    "MetricDefinition",
    "RateEstimate",
    "VeilOfDarkness",
    "audit",
    "audit_attention",
    "audit_stops",
    "benjamini_hochberg",
    "beta_binomial_shrinkage",
    "clopper_pearson_interval",
    "holm",
    "katz_ratio_interval",
    "koopman_ratio_interval",
    "lorenz_curve",
    "n_per_group_for_ratio",
    "newcombe_difference_interval",
    "prior_strength",
    "proportion_interval",
    "ratio_interval",
    "two_proportion_test",
    "wilson_interval",
]
