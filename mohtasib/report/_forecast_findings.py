"""Plain-language findings from a forecast backtest.

Same wording rules as the other findings (docs/explanation/talking-about-results.md):
say what was measured (recorded events falling in flagged cells), on which
origins, against which baseline, with what uncertainty, and what the figures
cannot show. No sentence says a model "works", "predicts crime" or is
"accurate"; a difference is "beyond its uncertainty" only when its interval
excludes zero. This module only selects and formats numbers the result holds.
"""

from __future__ import annotations

from mohtasib.forecast import Backtest, ModelScores

__all__ = ["coverage_label", "forecast_findings", "headline_coverage"]


def coverage_label(c: float) -> str:
    """A coverage as a percentage of the study area: ``5 %``."""
    return f"{100 * c:.4g} %"


def headline_coverage(result: Backtest) -> float:
    """The coverage the findings lead with: the one nearest 5 % of the area."""
    return min(result.coverages, key=lambda c: abs(c - 0.05))


def _ci(ci: tuple[float, float]) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3g}"


def _comparison(result: Backtest, model: ModelScores, c: float) -> str:
    base = result.model(result.baseline)
    vs = model.vs_baseline[c]
    return (
        f"At {coverage_label(c)} of the area, model {model.name}'s hit rate was "
        f"{model.means[('hit_rate', c)]:.3f} {_ci(model.cis[('hit_rate', c)])} against the "
        f"{result.baseline} count's {base.means[('hit_rate', c)]:.3f} "
        f"{_ci(base.cis[('hit_rate', c)])}; the difference {vs.difference:+.2g} has interval "
        f"{_ci(vs.ci)} and p = {_p(vs.p_value)}."
    )


def _beyond(result: Backtest, others: list[ModelScores]) -> str:
    above, below = [], []
    for m in others:
        for c in result.coverages:
            lo, hi = m.vs_baseline[c].ci
            if lo > 0:
                above.append(f"{m.name} at {coverage_label(c)}")
            elif hi < 0:
                below.append(f"{m.name} at {coverage_label(c)}")
    if not above and not below:
        return (
            f"No model's hit rate differed from the {result.baseline} count's beyond its "
            "uncertainty (every interval of the difference includes zero) at any coverage "
            "tested. This does not show the models are equal: with these few origins the test "
            "can miss a real difference."
        )
    parts = []
    if above:
        parts.append(
            f"above the {result.baseline} count's, with an interval excluding zero, for "
            + ", ".join(above)
        )
    if below:
        parts.append(
            f"below the {result.baseline} count's, with an interval excluding zero, for "
            + ", ".join(below)
        )
    return "Hit rates were " + "; and ".join(parts) + "."


def forecast_findings(result: Backtest) -> list[str]:
    """Plain sentences on what the backtest measured; always ending with what it cannot show."""
    grid = result.grid
    names = ", ".join(m.name for m in result.models)
    first = result.origin_dates[0][:10] if result.origins else "—"
    end = (result.test_end_date or "—")[:10]
    out = [
        f"The backtest scored {names} at {len(result.origins)} origin(s), one every "
        f"{result.horizon_days:g} day(s) from {first} (UTC) to {end}, "
        f"against the {result.n_test_events:,} recorded events of the test windows. Each model "
        f"was refitted at each origin on the preceding {result.train_days:g} days, on a grid of "
        f"{grid.n_active:,} cells of {grid.cell_size:g} m (the cells where an event was ever "
        "recorded). The hit rate is the share of the test window's recorded events that fell "
        "in the cells a model flagged."
    ]
    c = headline_coverage(result)
    others = [m for m in result.models if m.name != result.baseline]
    out.extend(_comparison(result, m, c) for m in others)
    if others:
        out.append(_beyond(result, others))
    out.append(
        f"Intervals are 95 % circular block bootstrap intervals over origins ({result.n_boot:,} "
        f"resamples, blocks of {result.block_length} consecutive origins); p-values come from "
        "a sign-flip test of the paired differences in which whole blocks flip together. With "
        f"{len(result.origins)} origins the smallest possible p is {result.min_p_value:.3g}. "
        "Consecutive origins share most of their training data and nearby events; the blocks "
        "absorb that dependence between neighbours only, so the intervals may still be "
        "optimistic (too narrow) and the p-values too small."
    )
    if result.warnings:
        out.append("Input checks: " + "; ".join(result.warnings) + ".")
    out.append(
        "These figures describe recorded crime, which depends on where police patrol and what "
        "people report: a model that matches recorded crime may in part reproduce past "
        "policing. They do not show that any model predicts crime, nor what flagging these "
        "cells would change in practice."
    )
    return out
