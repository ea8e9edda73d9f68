"""Matplotlib figures rendered to inline SVG strings (no external files or URLs)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mohtasib.biometrics import CrossGroupCell, DetCurve
from mohtasib.fairness import BAND, CalibrationBin, Disparity
from mohtasib.forecast import FlaggedCells, Grid, ModelScores

__all__ = [
    "calibration_svg",
    "cross_group_fmr_svg",
    "det_curves_svg",
    "flagged_cells_svg",
    "forest_plot_svg",
    "hit_rate_svg",
]


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


def _short(value: float) -> str:
    """A rate in at most four characters' worth of digits: ``0.66``, ``0.028``, ``4.8e-05``."""
    return f"{value:.2g}"


def _heat_cell(ax: Any, x: int, y: int, cell: CrossGroupCell | None, norm: Any) -> None:
    """Print one cell's FMR; grey for an observed zero, a dash when there are no comparisons."""
    if cell is None or cell.fmr is None:
        ax.text(x, y, "–", ha="center", va="center", fontsize=6, color="#777")
    elif cell.fmr == 0:
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, color="#e4e4e4"))
        ax.text(x, y, "0", ha="center", va="center", fontsize=6, color="#555")
    else:
        # Light text on the dark (low) end of viridis, dark text on the light end.
        colour = "white" if norm is not None and float(norm(cell.fmr)) < 0.55 else "black"
        ax.text(x, y, _short(cell.fmr), ha="center", va="center", fontsize=5.5, color=colour)


def cross_group_fmr_svg(
    cells: Sequence[CrossGroupCell], *, groups: Sequence[str], title: str
) -> str:
    """Heat map of FMR, probe group (rows) by reference group (columns), log colour scale.

    Each cell prints its FMR. A cell with comparisons but no false match is grey
    and prints ``0`` (a log scale has no place for zero); a cell without
    comparisons is white and prints ``–``.
    """
    at = {(c.probe_group, c.reference_group): c for c in cells}
    n = len(groups)
    grid = [[at.get((p, r)) for r in groups] for p in groups]
    positive = [c.fmr for row in grid for c in row if c is not None and c.fmr]
    with _style():
        size = max(3.6, 0.5 * n + 1.6)
        fig = Figure(figsize=(size + 1.2, size))
        ax = fig.subplots()
        norm = LogNorm(vmin=min(positive), vmax=max(positive)) if positive else None
        masked = [[c.fmr if c is not None and c.fmr else float("nan") for c in row] for row in grid]
        image = ax.imshow(masked, cmap="viridis", norm=norm, aspect="equal")
        for y, row in enumerate(grid):
            for x, cell in enumerate(row):
                _heat_cell(ax, x, y, cell, norm)
        ax.set_xticks(range(n), list(groups), rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(n), list(groups), fontsize=7)
        ax.set_xlabel("reference group")
        ax.set_ylabel("probe group")
        ax.spines[:].set_visible(False)
        ax.tick_params(length=0)
        if positive:
            bar = fig.colorbar(image, ax=ax, shrink=0.7)
            bar.set_label("FMR (log scale)")
        ax.set_title(title, loc="left", fontsize=10)
        return _to_svg(fig)


def det_curves_svg(curves: Sequence[DetCurve], *, title: str) -> str | None:
    """DET curves (FNMR against FMR, log-log axes), one line per group with both kinds of pair.

    Returns None when no group has a point with both rates above 0 (no genuine or
    no impostor comparisons, or no errors of one kind). Points where either rate
    is 0 cannot be drawn on log axes and are left out.
    """
    drawn = []
    for curve in curves:
        points = [(x, y) for x, y in zip(curve.fmr, curve.fnmr, strict=True) if x > 0 and y > 0]
        if points:
            drawn.append((curve.group, points))
    if not drawn:
        return None
    styles = ("-", "--", ":", "-.")
    with _style():
        fig = Figure(figsize=(6.4, 4.6))
        ax = fig.subplots()
        palette = matplotlib.colormaps["tab10"]
        for i, (group, points) in enumerate(drawn):
            ax.plot(
                [x for x, _ in points],
                [y for _, y in points],
                color=palette(i % 10),
                ls=styles[(i // 10) % len(styles)],
                lw=1.1,
                label=group,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("false match rate (FMR, log scale)")
        ax.set_ylabel("false non-match rate (FNMR, log scale)")
        ax.grid(True, which="major", color="#e5e5e5", lw=0.6)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, fontsize=7, ncol=2 if len(drawn) > 8 else 1)
        return _to_svg(fig)


def hit_rate_svg(
    models: Sequence[ModelScores], *, coverages: Sequence[float], baseline: str, title: str
) -> str:
    """Hit rate against area coverage, one line per model with its interval bars.

    The baseline is drawn in black and thicker; the dotted diagonal is the hit
    rate equal to the share of the area flagged (what flagging at random gives).
    """
    xs = [100 * c for c in coverages]
    with _style():
        fig = Figure(figsize=(6.4, 3.8))
        ax = fig.subplots()
        palette = matplotlib.colormaps["tab10"]
        ax.plot(xs, [c for c in coverages], ls=":", color="#999", lw=0.8, label="area share")
        for i, m in enumerate(models):
            is_base = m.name == baseline
            colour = "black" if is_base else palette(i % 10)
            ys = [m.means[("hit_rate", c)] for c in coverages]
            ax.plot(
                xs,
                ys,
                marker="o",
                ms=3.5,
                lw=2.0 if is_base else 1.1,
                color=colour,
                label=f"{m.name} (baseline)" if is_base else m.name,
            )
            ax.vlines(
                xs,
                [m.cis[("hit_rate", c)][0] for c in coverages],
                [m.cis[("hit_rate", c)][1] for c in coverages],
                color=colour,
                lw=2.2 if is_base else 1.2,
                alpha=0.7,
            )
        ax.set_xlabel("share of the study area flagged (%)")
        ax.set_ylabel("hit rate (share of test events in flagged cells)")
        ax.set_xlim(0, max(xs) * 1.05)
        ax.set_ylim(0, None)
        ax.grid(True, color="#e5e5e5", lw=0.6)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, fontsize=7)
        return _to_svg(fig)


def flagged_cells_svg(grid: Grid, flagged: FlaggedCells, *, title: str) -> str:
    """Map of the cells each model flagged at one origin, one panel per model.

    Cells are drawn in the grid's projected coordinates (metres): light grey the
    study area (the cells inside the study-area polygon, or the cells where an
    event was ever recorded) with its outline drawn as a dark line, orange a
    flagged cell without a test event, dark red a flagged cell with one, blue a
    cell with a test event that was not flagged. The raster is embedded in the SVG.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    names = list(flagged.flagged)
    base = np.where(grid.active, 1, 0).astype(np.int64)
    events = np.zeros(grid.n_cells, dtype=bool)
    events[list(flagged.event_cells)] = True
    colours = ListedColormap(["white", "#e3e3e3", "#f4a340", "#a50f15", "#3b6fb6"])
    extent = (
        grid.x0,
        grid.x0 + grid.nx * grid.cell_size,
        grid.y0,
        grid.y0 + grid.ny * grid.cell_size,
    )
    with _style():
        fig = Figure(figsize=(3.4 * len(names) + 0.4, 5.0))
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            cells = base.copy()
            hit = np.zeros(grid.n_cells, dtype=bool)
            hit[list(flagged.flagged[name])] = True
            cells[hit & ~events] = 2
            cells[hit & events] = 3
            cells[~hit & events] = 4
            ax.imshow(
                cells.reshape(grid.ny, grid.nx),
                cmap=colours,
                vmin=0,
                vmax=4,
                origin="lower",
                extent=extent,
                interpolation="nearest",
            )
            if grid.active.any() and not grid.active.all():
                outline = ax.contour(
                    grid.active.reshape(grid.ny, grid.nx).astype(np.float64),
                    levels=[0.5],
                    colors="#222222",
                    linewidths=0.5,
                    origin="lower",
                    extent=extent,
                )
                outline.set_rasterized(True)  # thousands of segments: keep the SVG small
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.spines[:].set_visible(False)
        fig.legend(
            handles=[
                Patch(color="#f4a340", label="flagged, no test event"),
                Patch(color="#a50f15", label="flagged, test event"),
                Patch(color="#3b6fb6", label="not flagged, test event"),
                Patch(facecolor="#e3e3e3", edgecolor="#222222", label="study area (outlined)"),
            ],
            loc="lower center",
            ncol=4,
            frameon=False,
            fontsize=7,
        )
        fig.suptitle(title, x=0.02, ha="left", fontsize=10)
        return _to_svg(fig)
