"""Matplotlib figures rendered to inline SVG strings (no external files or URLs)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from mohtasib.fairness import BAND, CalibrationBin, Disparity

__all__ = ["calibration_svg", "forest_plot_svg"]


_RATIO_TICKS = (0.1, 0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0, 10.0, 25.0, 100.0)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def _style() -> Any:
    """Plot style: fonts as paths (no font files needed), a fixed hash salt (stable SVG)."""
    return matplotlib.rc_context(
        {
            "svg.hashsalt": "mohtasib",
            "svg.fonttype": "path",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def _to_svg(fig: Figure) -> str:
    # A bare Figure (no pyplot): no global state, no GUI backend, nothing to close.
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    # Inline SVG needs no XML prolog and no RDF metadata (its namespace URIs look like links).
    return _METADATA.sub("", text[text.index("<svg") :])


def forest_plot_svg(
    disparities: Sequence[Disparity], *, title: str, confidence: float = 0.95
) -> str:
    """Forest plot of ratios with intervals on a log axis; the four-fifths band is shaded.

    Suppressed comparisons are listed with the word "suppressed" and no marker;
    an unbounded interval is drawn to the axis edge with an arrow.
    """
    rows = list(disparities)
    with _style():
        fig = Figure(figsize=(6.4, 0.32 * len(rows) + 1.1))
        ax = fig.subplots()
        ax.axvspan(*BAND, color="#e8eef5", zorder=0, label="band 0.8–1.25")
        ax.axvline(1.0, color="#555", lw=0.8, zorder=1)
        labels = []
        finite = [v for d in rows if d.ratio_ci for v in d.ratio_ci if v and v < float("inf")]
        upper_edge = max([2.0, *finite]) * 1.2
        lower_edge = min([0.5, *[v for v in finite if v > 0]]) / 1.2
        for y, d in enumerate(reversed(rows)):
            labels.append(f"{d.group} vs {d.reference}")
            if d.ratio is None or d.ratio_ci is None:
                ax.text(lower_edge * 1.05, y, "suppressed or undefined", va="center", color="#777")
                continue
            lo = max(d.ratio_ci[0], lower_edge)
            hi = min(d.ratio_ci[1], upper_edge)
            colour = "#b2182b" if "interval_outside_band" in d.flags else "#2166ac"
            ax.plot([lo, hi], [y, y], color=colour, lw=1.6, zorder=2)
            ax.plot([d.ratio], [y], "o", color=colour, ms=4.5, zorder=3)
        ax.set_xscale("log")
        ax.set_xlim(lower_edge, upper_edge)
        ticks = [t for t in _RATIO_TICKS if lower_edge <= t <= upper_edge]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_yticks(range(len(rows)), labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(f"ratio to reference (log scale), with {confidence:.0%} interval")
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return _to_svg(fig)


def calibration_svg(bins: Sequence[CalibrationBin], *, title: str) -> str:
    """Observed outcome rate by score bin, one line per group, with interval bars."""
    with _style():
        fig = Figure(figsize=(6.4, 3.6))
        ax = fig.subplots()
        groups = sorted({b.group for b in bins})
        for group in groups:
            own = [b for b in bins if b.group == group]
            points = [(b.score_mean, b.observed_rate) for b in own if b.observed_rate is not None]
            if not points:
                continue
            (line,) = ax.plot(
                [x for x, _ in points],
                [y for _, y in points],
                marker="o",
                ms=3,
                lw=1,
                label=group,
            )
            with_ci = [b for b in own if b.observed_ci is not None]
            ax.vlines(
                [b.score_mean for b in with_ci],
                [b.observed_ci[0] for b in with_ci if b.observed_ci],
                [b.observed_ci[1] for b in with_ci if b.observed_ci],
                color=line.get_color(),
                lw=0.8,
            )
        ax.set_xlabel("mean score in bin")
        ax.set_ylabel("observed outcome rate")
        ax.set_ylim(0, 1)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, fontsize=7, ncol=2)
        return _to_svg(fig)
