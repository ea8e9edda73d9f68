"""Plain-language findings from a forecast backtest.

Same wording rules as the other findings (docs/explanation/talking-about-results.md):
say what was measured (recorded events falling in flagged cells), on which
origins, against which baseline, with what uncertainty, and what the figures
cannot show. No sentence says a model "works", "predicts crime" or is
"accurate"; a difference is "beyond its uncertainty" only when its interval
excludes zero. This module only selects and formats numbers the result holds.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from mohtasib.forecast import Backtest, FlaggedCells, ModelScores, Prediction

__all__ = [
    "coverage_label",
    "forecast_findings",
    "headline_coverage",
    "prediction_findings",
    "prediction_report_html",
]


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


def _area_rule(result: Backtest) -> str:
    grid = result.grid
    if grid.study_area is None:
        return "the cells where an event was ever recorded"
    return (
        f"the cells whose centre lies inside the study area {grid.study_area.source}; "
        f"{result.n_outside_study_area:,} event(s) in other cells were excluded"
    )


def _placements(result: Backtest, c: float) -> str:
    parts = []
    for m in result.models:
        lo, hi = m.ranges[("hit_rate", c)]
        parts.append(f"{m.name} {lo:.3f}–{hi:.3f}")
    return (
        f"Moving the grid to {len(result.offsets) + 1} placements (the lattice shifted by "
        "fractions of a cell) gave mean hit rates at "
        f"{coverage_label(c)} of the area of: " + "; ".join(parts) + ". A range wider than "
        "the difference between two models means the comparison depends on where the cell "
        "edges fall."
    )


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
        f"{grid.n_active:,} cells of {grid.cell_size:g} m ({_area_rule(result)}). The hit "
        "rate is the share of the test window's recorded events that fell in the cells a "
        "model flagged."
    ]
    if result.refit_every_days is not None:
        out.append(
            f"Models were refitted only every {result.refit_every_days:g} day(s); between refits "
            "each forecast from its last fit, without the events recorded since."
        )
    c = headline_coverage(result)
    others = [m for m in result.models if m.name != result.baseline]
    out.extend(_comparison(result, m, c) for m in others)
    if others:
        out.append(_beyond(result, others))
    if result.offsets:
        out.append(_placements(result, c))
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


def prediction_findings(result: Prediction) -> list[str]:
    """Plain sentences on what one forecast says and what it cannot show."""
    grid = result.grid
    out = [
        f"Model {result.model}, fitted on the {result.n_training_events:,} recorded events of "
        f"the {result.train_days:g} days before {result.at_date} (UTC), forecast "
        f"{result.expected_total:.1f} recorded events over the next {result.horizon_days:g} "
        f"day(s) in {result.cells.size:,} cells of {grid.cell_size:g} m; the "
        f"{result.n_flagged:,} cells flagged ({100 * result.flagged_share:.3g} % of the area) "
        f"account for {result.expected_flagged:.1f} of them.",
        "These are expected counts of recorded events, not probabilities that a crime will "
        "happen, and say nothing of who will be involved. Whether this model flags better "
        "cells than a naive count of past events is a question for a backtest "
        "(mohtasib forecast backtest), not for one forecast.",
    ]
    if result.warnings:
        out.append("Input checks: " + "; ".join(result.warnings) + ".")
    out.append(
        "Recorded events depend on where police patrol and what people report: flagging cells "
        "by past records can send more patrols where records are already dense."
    )
    return out


def prediction_report_html(result: Prediction, *, title: str, data_note: str) -> str:
    """One forecast as a self-contained HTML document (the report's page and styles)."""
    from mohtasib.report._html import _ENV
    from mohtasib.report._model import AuditReport, ReportSection, SectionResult
    from mohtasib.report._plots import flagged_cells_svg

    section = ReportSection(
        key=result.kind, title=title, result=cast(SectionResult, result), data_note=data_note
    )
    flagged = FlaggedCells(
        result.at,
        result.flagged_share,
        {result.model: tuple(int(c) for c in result.cells[result.flagged])},
        (),
    )
    fragment = _ENV.get_template("section_forecast_predict.html.j2").render(
        section=section,
        result=result,
        findings=prediction_findings(result),
        rows=result.to_frame(flagged_only=True).head(100).itertuples(index=False),
        map=flagged_cells_svg(
            result.grid,
            flagged,
            title=f"Cells flagged by {result.model} for the {result.horizon_days:g} day(s) "
            f"from {result.at_date}",
        ),
    )
    report = AuditReport(
        title=title,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        sections=(section,),
    )
    return _ENV.get_template("report.html.j2").render(report=report, sections=[fragment])
