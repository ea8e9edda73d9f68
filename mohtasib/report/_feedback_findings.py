"""Plain-language findings and the report section of a deployment-loop simulation.

Same wording rules as the other findings (docs/explanation/talking-about-results.md):
say what was simulated, under which assumptions, with the spread over runs; no
sentence certifies a deployment or a mitigation. The figures are SYNTHETIC
outcomes of a model. This module only selects, formats and draws numbers the
result holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from matplotlib.figure import Figure

from mohtasib.feedback import DAILY_MEASURES, FeedbackSimulation, MitigationOutcome
from mohtasib.report._plots import _style, _to_svg

__all__ = [
    "feedback_context",
    "feedback_findings",
    "feedback_report_html",
    "feedback_section_html",
    "group_share_svg",
    "share_band_svg",
]

_TEMPLATE = "section_feedback.html.j2"


def _band(values: tuple[float, float, float]) -> str:
    mean, low, high = values
    return f"{mean:.3f} (runs' 5–95 %: {low:.3f}–{high:.3f})"


def _outcome_sentence(result: FeedbackSimulation, o: MitigationOutcome) -> str:
    top = result.top_cells(o.mitigation, 1)[0]
    return (
        f"Mitigation {o.mitigation}: on the last day the forecast put "
        f"{_band(o.final('runaway'))} of its total on its top cell; the total-variation "
        f"distance between patrols and the true intensity was {_band(o.final('tv'))} and the "
        f"Jensen–Shannon distance {_band(o.final('js'))}. The most patrolled cell, {top[0]}, "
        f"received {top[1]:.3f} of all patrols against a true share of "
        f"{result.true_share[result.cell_ids.index(top[0])]:.4f}; "
        f"{o.discovered_share:.1%} of the records the model learnt from were found by patrols."
    )


def _groups_sentence(o: MitigationOutcome) -> str:
    parts = [
        f"{g.group} {g.mean:.3f} [{g.low:.3f}, {g.high:.3f}] of patrols vs {g.true_share:.3f} "
        "of the true intensity"
        for g in o.groups
    ]
    return f"By area ({o.mitigation}): " + "; ".join(parts) + "."


def feedback_findings(result: FeedbackSimulation) -> list[str]:
    """Plain sentences on what was simulated; always ending with what it cannot show."""
    s = result.settings
    out = [
        f"{s['runs']} seeded runs of {s['days']} simulated days each, on {s['n_cells']} cells: "
        f"every day the {s['model']} model was refitted on the last {s['train_days']} days of "
        f"records and {s['k']} patrols were allocated by the {s['allocation']} rule. Incidents "
        + (
            "were the real records of each day (replayed) plus Poisson("
            f"{s['discovery_rate']:g} × patrols × true rate) records added in patrolled cells."
            if s["incidents"] == "replay"
            else f"were drawn from the true intensity; each was reported with probability "
            f"{s['report_rate']:g}, and unreported ones were found with probability "
            f"{s['discovery_rate']:g} per patrol in the cell."
        )
        + f" True intensity: {result.truth_source}."
    ]
    out.extend(_outcome_sentence(result, o) for o in result.outcomes)
    out.extend(_groups_sentence(o) for o in result.outcomes if o.groups)
    if result.warnings:
        out.append("Input checks and assumptions: " + "; ".join(result.warnings) + ".")
    out.append(
        "These are SYNTHETIC outcomes of a model of deployment, under the assumptions above "
        "(how incidents are reported and found, which intensity is true). They show whether "
        "this forecaster and patrol rule can concentrate attention beyond the assumed truth; "
        "they do not measure what any police force did, and a mitigation that narrows the "
        "distance here is no evidence about a real deployment's patrols."
    )
    return out


def share_band_svg(result: FeedbackSimulation, measure: str, *, title: str) -> str:
    """Line per mitigation of a daily measure's mean over runs, with its 5–95 % band shaded."""
    with _style():
        fig = Figure(figsize=(7.0, 3.2))
        ax = fig.add_subplot()
        for o in result.outcomes:
            band = o.daily[measure]
            days = range(1, band.mean.size + 1)
            (line,) = ax.plot(days, band.mean, label=o.mitigation, linewidth=1.2)
            ax.fill_between(days, band.low, band.high, color=line.get_color(), alpha=0.2)
        ax.set_xlabel("simulated day")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8, frameon=False)
        return _to_svg(fig)


def group_share_svg(result: FeedbackSimulation) -> str | None:
    """Per mitigation, each area group's share of the day's patrols with its 5–95 % band.

    The dashed line of the group's colour is its share of the true intensity. None when
    the simulation had no area groups.
    """
    with_groups = [o for o in result.outcomes if o.groups]
    if not with_groups:
        return None
    with _style():
        fig = Figure(figsize=(3.2 * len(with_groups) + 1.0, 3.0))
        axes = fig.subplots(1, len(with_groups), sharey=True, squeeze=False)[0]
        for ax, o in zip(axes, with_groups, strict=True):
            for g in o.groups:
                days = range(1, g.daily.mean.size + 1)
                (line,) = ax.plot(days, g.daily.mean, label=g.group, linewidth=1.2)
                ax.fill_between(days, g.daily.low, g.daily.high, color=line.get_color(), alpha=0.2)
                ax.axhline(g.true_share, color=line.get_color(), linestyle="--", linewidth=0.8)
            ax.set_title(o.mitigation, fontsize=9)
            ax.set_xlabel("simulated day")
        axes[0].set_ylabel("share of the day's patrols")
        axes[-1].legend(fontsize=7, frameon=False)
        return _to_svg(fig)


def _context(result: FeedbackSimulation, title: str, data_note: str) -> dict[str, Any]:
    return {
        "key": result.kind,
        "title": title,
        "data_note": data_note,
        "result": result,
        "findings": feedback_findings(result),
        "measures": DAILY_MEASURES,
        "top": {o.mitigation: result.top_cells(o.mitigation, 10) for o in result.outcomes},
        "index": {c: i for i, c in enumerate(result.cell_ids)},
        "runaway_plot": share_band_svg(
            result, "runaway", title="Share of the forecast on its top cell (runaway indicator)"
        ),
        "group_plot": group_share_svg(result),
        "tv_plot": share_band_svg(
            result, "tv", title="Total-variation distance between patrols and the true intensity"
        ),
    }


def feedback_context(section: Any) -> dict[str, Any]:
    """Template context of a report section whose result is a :class:`FeedbackSimulation`.

    For the report's template table: ``"feedback_simulation": ("section_feedback.html.j2",
    feedback_context)``.
    """
    result = section.result
    assert isinstance(result, FeedbackSimulation)
    return _context(result, section.title, section.data_note) | {"key": section.key}


def feedback_section_html(result: FeedbackSimulation, *, title: str, data_note: str) -> str:
    """Render the simulation as one report section (an HTML fragment)."""
    from mohtasib.report._html import _ENV

    return _ENV.get_template(_TEMPLATE).render(**_context(result, title, data_note))


def feedback_report_html(result: FeedbackSimulation, *, title: str, data_note: str) -> str:
    """Render a self-contained HTML report with the simulation as its only section."""
    from mohtasib.report._html import _ENV
    from mohtasib.report._model import AuditReport

    report = AuditReport(
        title=title,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        sections=(),
    )
    section = feedback_section_html(result, title=title, data_note=data_note)
    return _ENV.get_template("report.html.j2").render(report=report, sections=[section])
