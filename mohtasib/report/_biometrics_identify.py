"""HTML view of a 1:N identification audit (``mohtasib biometrics identify --format html``).

The section shows FPIR and FNIR per group of the probe subject with their
Clopper-Pearson intervals, the worst/best ratios and plain findings. It is
rendered with the report's Jinja environment and ``report.html.j2`` page, like
every other section; ``mohtasib.report._html`` maps the result kind
``"identification"`` to its template and :func:`identification_context`.
"""

from __future__ import annotations

from typing import Any

from mohtasib.biometrics import IdentificationAudit, IdentificationRates
from mohtasib.report._findings import fmt_rate, fmt_rate_ci, natural_key
from mohtasib.report._model import ReportSection

__all__ = ["identification_context", "identification_findings"]

_RULE_OF_30 = 30


def _phrase(
    group: IdentificationRates, value: float | None, ci: Any, n: int, what: str, level: float
) -> str:
    errors = round((value or 0.0) * n)
    return (
        f"{fmt_rate(value)} for {group.group} ({errors} of {n} {what}; "
        f"{level:.0%} CI {fmt_rate_ci(ci)})"
    )


def _spread(result: IdentificationAudit, name: str, label: str, what: str) -> str:
    def count(g: IdentificationRates) -> int:
        return g.n_mated if name == "fnir" else g.n_nonmated

    rated = [g for g in result.groups if getattr(g, name) is not None]
    if len(rated) < 2:
        return (
            f"{label} is not estimable for two or more groups ({what}), so no ratio between groups."
        )
    ordered = sorted(rated, key=lambda g: (getattr(g, name), g.group))
    best, worst = ordered[0], ordered[-1]
    level = float(result.parameters.get("confidence", 0.95))
    first = _phrase(
        best, getattr(best, name), getattr(best, f"{name}_ci"), count(best), what, level
    )
    last = _phrase(
        worst, getattr(worst, name), getattr(worst, f"{name}_ci"), count(worst), what, level
    )
    head = f"{label} ranged from {first} to {last}."
    low, high = getattr(best, name), getattr(worst, name)
    if low == 0:
        return f"{head} The best group had no errors, so the worst/best ratio is not estimable."
    return f"{head} The worst group's {label} is {high / low:.3g} times the best group's."


def identification_findings(result: IdentificationAudit) -> list[str]:
    """Plain-language findings: what was measured, the spread of FPIR and FNIR, small groups."""
    rule = "score >= threshold" if result.higher_is_similar else "score <= threshold"
    out = [
        f"Measured on {sum(g.n_mated + g.n_nonmated for g in result.groups)} searches in "
        f"{len(result.groups)} groups by {' × '.join(result.group_by)} of the probe subject, "
        f"counting candidates at rank <= {result.rank} whose {rule} with threshold "
        f"{result.threshold:g}. FPIR: share of non-mated searches (the person is not enrolled) "
        "that still return a candidate; FNIR: share of mated searches that miss the mate "
        "(ISO/IEC 19795-1; NIST IR 8271).",
        _spread(result, "fpir", "FPIR", "non-mated searches"),
        _spread(result, "fnir", "FNIR", "mated searches"),
    ]
    thin = [
        g.group
        for g in result.groups
        if g.n_nonmated > 0 and g.fpir is not None and round(g.fpir * g.n_nonmated) < _RULE_OF_30
    ]
    if thin:
        out.append(
            f"Fewer than {_RULE_OF_30} false positives were observed in {len(thin)} group(s) "
            f"({', '.join(thin[:6])}{', ...' if len(thin) > 6 else ''}): their FPIR is imprecise "
            "(Doddington's rule of 30); read the intervals."
        )
    return out


def identification_context(section: ReportSection) -> dict[str, Any]:
    """The template context of an identification section."""
    result = section.result
    assert isinstance(result, IdentificationAudit)
    data = result.to_dict()
    return {
        "section": section,
        "result": result,
        "groups": sorted(result.groups, key=lambda g: natural_key(g.group)),
        "summary": data["summary"],
        "findings": identification_findings(result),
    }
