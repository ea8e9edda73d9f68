"""Plain-language findings and the report context of a place-based attention audit.

Wording rules as in :mod:`mohtasib.report._findings`: say what was measured, on
which data, against which reference and with what uncertainty; never call a
system "fair" or "unbiased". This module selects and formats numbers the
:class:`~mohtasib.fairness.AttentionAudit` already holds; it computes nothing.
"""

from __future__ import annotations

from typing import Any

from mohtasib.fairness import AttentionAudit, GroupAttention
from mohtasib.report._attention_plots import attention_ratio_svg, attention_shares_svg, lorenz_svg
from mohtasib.report._model import ReportSection

__all__ = ["ATTENTION_LIMITS", "attention_context", "attention_findings"]

#: What the attention audit cannot show; printed under every attention section.
ATTENTION_LIMITS = (
    "Attention in an area is attributed to its residents in proportion to their numbers; "
    "who was actually stopped, searched or arrested there is not measured.",
    "Population counts are survey estimates (e.g. ACS) with their own error, which the "
    "intervals do not include.",
    "The interval over areas treats areas as independent draws; neighbouring areas are not, "
    "so it may be too narrow. The interval over days resamples whole blocks of consecutive "
    "days and holds the residents fixed.",
    "Recorded crime is shaped by where police already look, so attention that follows it "
    "can still repeat an earlier pattern of enforcement (Lum & Isaac 2016).",
    "These figures describe where the attention fell on these data; they do not say why, "
    "and no figure here shows that a system is free of bias.",
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _interval(ci: tuple[float, float] | None) -> str:
    return "no interval" if ci is None else f"{ci[0]:.2f}–{ci[1]:.2f}"


def _group_sentence(g: GroupAttention, result: AttentionAudit) -> str:
    level = f"{result.confidence:.0%}"
    text = (
        f"{g.group}: {_pct(g.population_share)} of residents and {_pct(g.attention_share)} of "
        f"the attention attributed by residence; {g.per_1000:.1f} per 1,000 residents, "
        f"{g.ratio:.2f} times the reference {result.reference} ({level} interval over areas "
        f"{_interval(g.ratio_ci)}"
        if g.ratio is not None and g.per_1000 is not None
        else f"{g.group}: ratio to the reference not estimable"
    )
    if g.ratio is not None and result.n_days is not None:
        text += f"; over days {_interval(g.ratio_ci_days)}"
    if g.ratio is not None:
        text += ")."
    if g.per_crime_ratio is not None:
        text += (
            f" Share of recorded crime {_pct(g.crime_share)}; attention per recorded crime "
            f"{g.per_crime_ratio:.2f} times the reference's ({_interval(g.per_crime_ratio_ci)})."
        )
    return text


def attention_findings(result: AttentionAudit) -> list[str]:
    """Plain sentences on what the attention audit measured, ending with what it cannot show."""
    out = [
        f"{result.total_attention:,.0f} predictions in {result.n_areas:,} areas with residents "
        f"were compared with the residents of each group (reference: {result.reference})."
    ]
    out += [_group_sentence(g, result) for g in result.groups if g.group != result.reference]
    most = [g for g in result.groups if g.most_targeted_share is not None]
    if most:
        parts = ", ".join(
            f"{g.group} {_pct(g.most_targeted_share)} (all areas {_pct(g.population_share)})"
            for g in most
        )
        out.append(
            f"Residents of the most-targeted 5 % of areas (The Markup's comparison): {parts}."
        )
    if result.lorenz.gini is not None:
        out.append(
            f"Gini of attention per resident across areas: {result.lorenz.gini:.2f} "
            "(0: every area draws the same attention per resident)."
        )
    out.append(f"Input checks: {len(result.warnings)} warning(s); see the list below.")
    return out


def attention_context(section: ReportSection) -> dict[str, Any]:
    """The template context of an attention section: tables, figures, findings and limits."""
    result = section.result
    assert isinstance(result, AttentionAudit)
    crime = result.total_crime is not None
    return {
        "section": section,
        "result": result,
        "crime": crime,
        "findings": attention_findings(result),
        "limits": ATTENTION_LIMITS,
        "shares_plot": attention_shares_svg(
            result.groups, title="Share of residents and of attention by group", crime=crime
        ),
        "ratio_plot": attention_ratio_svg(
            result.groups,
            reference=result.reference,
            title=f"Attention ratio to {result.reference}",
            confidence=result.confidence,
        ),
        "lorenz_plot": lorenz_svg(result.lorenz, title="Attention per resident across areas"),
    }
