"""Plain-language findings from a disparity audit.

The wording rules (docs/explanation/talking-about-results.md): say what was
measured, on which data, against which reference, with what uncertainty and
which correction; never call a system "fair", "unbiased" or "safe". This
module only selects and formats numbers the result already holds.
"""

from __future__ import annotations

from mohtasib.fairness import DECISION_METRICS, STOP_METRICS, Disparity, DisparityAudit

__all__ = ["METRIC_LABELS", "findings", "fmt_ci", "fmt_p"]

METRIC_LABELS = {m.key: m.label for m in (*DECISION_METRICS, *STOP_METRICS)}
_ADVERSE = {m.key: m.adverse for m in (*DECISION_METRICS, *STOP_METRICS)}
_ALPHA = 0.05
_MAX_FINDINGS = 12


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


def findings(result: DisparityAudit) -> list[str]:
    """Sentences for the comparisons of single attributes that fall outside the band.

    Ordered by Holm-adjusted p-value; at most twelve, the rest are in the tables.
    Always ends with what the audit cannot show.
    """
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
