"""Inline SVG figures of the attention audit: shares, ratios with intervals, the Lorenz curve."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from mohtasib.fairness import GroupAttention, LorenzCurve
from mohtasib.report._plots import _style, _to_svg

__all__ = ["attention_ratio_svg", "attention_shares_svg", "lorenz_svg"]


def attention_shares_svg(groups: Sequence[GroupAttention], *, title: str, crime: bool) -> str:
    """Horizontal bars per group: share of residents, of attention (with interval), of crime."""
    rows = list(reversed(groups))
    series: list[tuple[str, str, list[float], list[GroupAttention] | None]] = [
        ("residents", "#9e9e9e", [g.population_share for g in rows], None)
    ]
    series.append(("attention", "#2166ac", [g.attention_share for g in rows], rows))
    if crime:
        series.append(("recorded crime", "#b2182b", [g.crime_share or 0.0 for g in rows], None))
    height = 0.8 / len(series)
    with _style():
        fig = Figure(figsize=(6.4, 0.55 * len(rows) * len(series) / 2 + 1.2))
        ax = fig.subplots()
        for k, (label, colour, values, with_ci) in enumerate(series):
            y = np.arange(len(rows)) + (k - (len(series) - 1) / 2) * height
            ax.barh(y, values, height=height * 0.9, color=colour, label=label)
            if with_ci is not None:
                for yy, g in zip(y, with_ci, strict=True):
                    if g.attention_share_ci is not None:
                        ax.plot(list(g.attention_share_ci), [yy, yy], color="black", lw=1.0)
        ax.set_yticks(range(len(rows)), [g.group for g in rows])
        ax.set_xlabel("share (attention: with its bootstrap interval over areas)")
        ax.set_xlim(0, 1)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return _to_svg(fig)


def attention_ratio_svg(
    groups: Sequence[GroupAttention], *, reference: str, title: str, confidence: float
) -> str:
    """Exposure ratio to the reference per group on a log axis: areas interval, days interval."""
    rows = [g for g in groups if g.group != reference and g.ratio is not None]
    rows.reverse()
    marks = [
        ("per 1,000 residents, interval over areas", "#2166ac", "ratio", "ratio_ci", -0.15),
        ("per 1,000 residents, interval over days", "#4393c3", "ratio", "ratio_ci_days", 0.0),
        ("per recorded crime, interval over areas", "#b2182b", "per_crime_ratio",
         "per_crime_ratio_ci", 0.15),
    ]  # fmt: skip
    values = [
        v
        for g in rows
        for _, _, est, ci, _ in marks
        for v in (getattr(g, est), *(getattr(g, ci) or ()))
        if v is not None and v > 0 and np.isfinite(v)
    ]
    low, high = min([0.5, *values]) / 1.2, max([2.0, *values]) * 1.2
    with _style():
        fig = Figure(figsize=(6.4, 0.45 * max(len(rows), 1) + 1.3))
        ax = fig.subplots()
        ax.axvline(1.0, color="#555", lw=0.8)
        for label, colour, est, ci, offset in marks:
            drawn = False
            for y, g in enumerate(rows):
                point, interval = getattr(g, est), getattr(g, ci)
                if point is None or interval is None:
                    continue
                lo, hi = max(interval[0], low), min(interval[1], high)
                ax.plot([lo, hi], [y + offset] * 2, color=colour, lw=1.5)
                ax.plot(
                    [point], [y + offset], "o", color=colour, ms=4, label=None if drawn else label
                )
                drawn = True
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.minorticks_off()
        ticks = [t for t in (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0, 10.0) if low <= t <= high]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.set_yticks(range(len(rows)), [f"{g.group} vs {reference}" for g in rows])
        ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
        ax.set_xlabel(f"ratio to the reference (log scale), {confidence:.0%} percentile intervals")
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(loc="lower right", frameon=False, fontsize=7)
        return _to_svg(fig)


def lorenz_svg(curve: LorenzCurve, *, title: str) -> str:
    """Lorenz curve of attention per resident across areas, with the line of equal attention."""
    with _style():
        fig = Figure(figsize=(4.2, 4.0))
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1], color="#999", lw=0.8, ls="--", label="equal attention per resident")
        ax.plot(curve.population_share, curve.attention_share, color="#2166ac", lw=1.5,
                label="areas, least attention per resident first")  # fmt: skip
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("cumulative share of residents")
        ax.set_ylabel("cumulative share of attention")
        gini = "not estimable" if curve.gini is None else f"{curve.gini:.2f}"
        ax.set_title(f"{title} (Gini {gini})", loc="left", fontsize=10)
        ax.legend(loc="upper left", frameon=False, fontsize=7)
        return _to_svg(fig)
