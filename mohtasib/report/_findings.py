"""Plain-language findings from each pillar's result (disparity, faces, ledger, privacy, forecast).

The wording rules (docs/explanation/talking-about-results.md): say what was
measured, on which data, against which reference, with what uncertainty and
which correction; never call a system "fair", "unbiased" or "safe". This
module only selects and formats numbers the result already holds.
"""

from __future__ import annotations

import re

from mohtasib.biometrics import BiometricAudit, ErrorRate, GroupErrorRates
from mohtasib.fairness import (
    DECISION_METRICS,
    STOP_METRICS,
    AttentionAudit,
    Disparity,
)
from mohtasib.feedback import FeedbackSimulation
from mohtasib.forecast import Backtest
from mohtasib.ledger import LedgerStatistics
from mohtasib.privacy import PrivacySection
from mohtasib.report._attention_findings import attention_findings
from mohtasib.report._feedback_findings import feedback_findings
from mohtasib.report._forecast_findings import forecast_findings
from mohtasib.report._ledger_findings import ledger_findings
from mohtasib.report._model import SectionResult
from mohtasib.report._privacy_findings import privacy_findings

__all__ = [
    "METRIC_LABELS",
    "findings",
    "fmt_ci",
    "fmt_p",
    "fmt_rate",
    "fmt_rate_ci",
    "natural_key",
]

METRIC_LABELS = {m.key: m.label for m in (*DECISION_METRICS, *STOP_METRICS)}
_ADVERSE = {m.key: m.adverse for m in (*DECISION_METRICS, *STOP_METRICS)}
_ALPHA = 0.05
_MAX_FINDINGS = 12


def natural_key(label: str) -> tuple[tuple[float, str], ...]:
    """Sort key reading leading numbers as numbers: ``3-9`` before ``10-19``, ``70+`` last."""
    parts = []
    for part in label.split("|"):
        number = re.match(r"\d+", part)
        parts.append((float(number.group()) if number else float("inf"), part))
    return tuple(parts)


def fmt_p(p: float | None) -> str:
    """Format a p-value: ``< 0.001`` below a thousandth, three significant digits otherwise."""
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3g}"


def fmt_ci(ci: tuple[float, float] | None, digits: int = 3) -> str:
    """Format an interval as ``[lo, hi]``; an infinite bound prints as ∞."""
    if ci is None:
        return "—"
    hi = "∞" if ci[1] == float("inf") else f"{ci[1]:.{digits}f}"
    return f"[{ci[0]:.{digits}f}, {hi}]"


def fmt_rate(value: float | None) -> str:
    """Format a rate or ratio to three significant digits; None prints as "not estimable"."""
    return "not estimable" if value is None else f"{value:.3g}"


def fmt_rate_ci(ci: tuple[float, float] | None) -> str:
    """Format an interval of rates as ``[lo, hi]`` to three significant digits; ∞ when unbounded."""
    if ci is None:
        return "—"
    hi = "∞" if ci[1] == float("inf") else f"{ci[1]:.3g}"
    return f"[{ci[0]:.3g}, {hi}]"


def _sentence(d: Disparity, confidence: float, family: int) -> str:
    assert d.ratio is not None
    label = METRIC_LABELS.get(d.metric, d.metric)
    certainty = (
        "its interval lies wholly outside the 0.8–1.25 band"
        if "interval_outside_band" in d.flags
        else "its interval crosses the 0.8–1.25 band, so the data are also consistent "
        "with a smaller gap"
    )
    burden = ""
    if _ADVERSE.get(d.metric) == "higher" and d.ratio > 1:
        burden = " This is a rate where higher means more of the burden falls on the group."
    elif _ADVERSE.get(d.metric) == "lower" and d.ratio < 1:
        burden = " This is a rate where lower means more of the burden falls on the group."
    return (
        f"{d.attribute} = {d.group}: {label} is {d.ratio:.2f} times that of the reference "
        f"{d.reference} ({confidence:.0%} CI {fmt_ci(d.ratio_ci, 2)}); {certainty}. "
        f"Holm-adjusted p {fmt_p(d.p_holm)} over a family of {family} tests.{burden}"
    )


def findings(result: SectionResult) -> list[str]:
    """Plain sentences on what the audit measured; always ending with what it cannot show.

    For a disparity audit: the comparisons of single attributes that fall outside
    the band, ordered by Holm-adjusted p-value; at most twelve, the rest are in
    the tables. For a face-recognition audit: the data and threshold, the range
    of FMR (and FNMR) over groups with the max/min ratio and its bootstrap
    interval, what is not estimable, the threshold advice and the safeguards.
    """
    if isinstance(result, BiometricAudit):
        return _biometric_findings(result)
    if isinstance(result, LedgerStatistics):
        return ledger_findings(result)
    if isinstance(result, PrivacySection):
        return privacy_findings(result)
    if isinstance(result, Backtest):
        return forecast_findings(result)
    if isinstance(result, AttentionAudit):
        return attention_findings(result)
    if isinstance(result, FeedbackSimulation):
        return feedback_findings(result)
    confidence = float(result.parameters.get("confidence", 0.95))
    marginal = [
        d
        for d in result.disparities
        if " × " not in d.attribute
        and d.ratio is not None
        and "outside_band" in d.flags
        and "missing_attribute" not in d.flags
    ]
    marginal.sort(key=lambda d: (d.p_holm if d.p_holm is not None else 1.0, d.attribute))
    selected = [d for d in marginal if d.p_holm is not None and d.p_holm < _ALPHA]
    out = [_sentence(d, confidence, result.family_size) for d in selected[:_MAX_FINDINGS]]
    if len(selected) > _MAX_FINDINGS:
        out.append(f"{len(selected) - _MAX_FINDINGS} further comparisons are in the tables.")
    if not out:
        out.append(
            "No comparison of single attributes had a ratio outside the 0.8–1.25 band with a "
            f"Holm-adjusted p below {_ALPHA}. This does not show that groups are treated alike: "
            "it is what this data could detect at its precision (see each comparison's "
            "'n to detect 1.25')."
        )
    out.append(
        "These figures describe recorded outcomes in this data. Recorded outcomes (re-arrest, "
        "items found) are themselves shaped by policing, so error rates measured against them "
        "are not error rates against what people actually did."
    )
    return out


def _rate_phrase(group: GroupErrorRates, rate: ErrorRate, confidence: float) -> str:
    return (
        f"{fmt_rate(rate.value)} for {group.group} ({rate.errors} of {rate.trials}; "
        f"{confidence:.0%} CI {fmt_rate_ci(rate.ci)}, {rate.ci_method})"
    )


def _ratio_sentence(result: BiometricAudit, name: str, label: str, errors: str) -> str:
    rated = [g for g in result.groups if getattr(g, name).value is not None]
    if len(rated) < 2:
        return f"{label} is not estimable for two or more groups, so no ratio between groups."
    confidence = float(result.parameters.get("confidence", 0.95))
    ordered = sorted(rated, key=lambda g: (getattr(g, name).value, g.group))
    best, worst = ordered[0], ordered[-1]
    head = (
        f"{label} ranged from {_rate_phrase(best, getattr(best, name), confidence)} to "
        f"{_rate_phrase(worst, getattr(worst, name), confidence)}."
    )
    ratio = result.summary.values.get(f"{name}_max_min_ratio")
    ci = result.summary.intervals.get(f"{name}_max_min_ratio")
    if ratio is None:
        return (
            f"{head} The best group had no observed {errors}, so the worst/best ratio is not "
            "estimable (it would be infinite); read the rule-of-three bounds in the table instead."
        )
    if ci is None:
        spread = "no bootstrap interval was computed"
    elif ci[1] == float("inf"):
        spread = (
            f"subject-bootstrap {confidence:.0%} interval from {ci[0]:.3g} with no upper bound: "
            f"in some replicates the best group drew no {errors}"
        )
    else:
        spread = f"subject-bootstrap {confidence:.0%} interval {fmt_rate_ci(ci)}"
    return f"{head} The worst group's {label} is {ratio:.3g} times the best group's ({spread})."


def _advice_sentence(result: BiometricAudit) -> str | None:
    advice = result.threshold_advice
    if advice is None:
        return None
    if advice.recommended_threshold is None:
        return (
            f"No threshold could be advised for an FMR target of {advice.fmr_target:g}: "
            "no group has impostor comparisons."
        )
    binding = ", ".join(r.group for r in advice.rows if r.binding)
    return (
        f"For every group's FMR to be at most {advice.fmr_target:g} on this data, the threshold "
        f"would have to move from the vendor default {advice.default_threshold:g} to "
        f"{advice.recommended_threshold:.4g}, the least strict threshold that does so (set by "
        f"{binding}); the threshold table shows what "
        "that does to each group's FNMR. Check the data warnings: a group with fewer than "
        "3 / target impostor comparisons cannot show that it meets the target (rule of three)."
    )


def _biometric_findings(result: BiometricAudit) -> list[str]:
    comparisons = next((i for i in result.inputs if i.get("role") == "comparisons"), {})
    rule = str(result.parameters.get("match_rule", "score >= threshold"))
    out = [
        f"Measured on {comparisons.get('rows', 'an unknown number of')} comparisons "
        f"({comparisons.get('source', 'in memory')}) in {len(result.groups)} groups by "
        f"{' × '.join(result.group_by)}, at the operating threshold {result.threshold:g} "
        f"(a comparison counts as a match when {rule}). A group's FMR counts impostor "
        "comparisons with both subjects in the group (NIST IR 8280); the heat map shows "
        "comparisons across groups.",
        _ratio_sentence(result, "fmr", "FMR", "false matches"),
    ]
    if all(g.fnmr.trials == 0 for g in result.groups):
        out.append(
            "The data hold no genuine (mated) comparisons, so FNMR, EER, DET curves and the "
            "summaries that need FNMR (inequity rate, GARBE, FDR) are not estimable here. They "
            "are not zero: nothing was measured."
        )
    else:
        out.append(_ratio_sentence(result, "fnmr", "FNMR", "false non-matches"))
    imprecise = [g.group for g in result.groups if "fmr_below_rule_of_30" in g.flags]
    if imprecise:
        out.append(
            f"{len(imprecise)} of {len(result.groups)} groups had fewer than 30 false matches, so "
            "their FMR is imprecise (Doddington's rule of 30); their intervals are wide."
        )
    advice = _advice_sentence(result)
    if advice:
        out.append(advice)
    if result.safeguards:
        counts = {s.status: 0 for s in result.safeguards}
        for s in result.safeguards:
            counts[s.status] += 1
        listed = ", ".join(f"{n} {status}" for status, n in counts.items())
        out.append(f"Safeguards policy: {listed} (the table lists the evidence each item needs).")
    out.append(
        "These rates describe this matcher on these images at this threshold. A deployed "
        "system's rates also depend on its own probe images, watchlist size and the people "
        "searched, and must be measured on local data."
    )
    return out
