"""``mohtasib feedback simulate``: the deployment-loop simulator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mohtasib import feedback as lib
from mohtasib.cli._options import CONTEXT_SETTINGS, format_options
from mohtasib.io import sha256_file

__all__ = ["feedback"]

_NOTE = (
    "Records as supplied by the user ({source}); mohtasib did not verify their provenance. "
    "The simulated incidents are SYNTHETIC, generated from the true-intensity layer "
    "({truth}); the results describe the model's behaviour under the stated assumptions, "
    "not what happened on any street."
)


@click.group(context_settings=CONTEXT_SETTINGS)
def feedback() -> None:
    """Feedback loops: does a forecaster lock onto the places it sends patrols to."""


def _mitigations(values: tuple[str, ...]) -> tuple[str, ...]:
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for label in out:
        lib.parse_mitigation(label)
    return tuple(dict.fromkeys(out)) or ("none",)


@feedback.command("simulate")
@click.option(
    "--events",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Records: CSV or Parquet, one per row (or with --count-col).",
)
@click.option(
    "--grid",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Cells: GeoJSON FeatureCollection of polygons.",
)
@click.option(
    "--cell-property",
    default="cell",
    show_default=True,
    help="GeoJSON property holding each cell's id.",
)
@click.option("--group-property", default=None, help="GeoJSON property with an area group.")
@click.option("--date-col", default="date", show_default=True, help="Date column of the records.")
@click.option("--cell-col", default="cell", show_default=True, help="Cell-id column.")
@click.option("--count-col", default=None, help="Column of counts (default: one record per row).")
@click.option(
    "--source-col",
    default=None,
    help="Column whose value 'reported' marks records reported by the public.",
)
@click.option("--date-format", default=None, help="strftime format of dates (default ISO 8601).")
@click.option(
    "--model",
    type=click.Choice(["naive", "etas", "kde"]),
    default="etas",
    show_default=True,
    help="Forecaster refitted every day.",
)
@click.option(
    "--allocation",
    type=click.Choice(["top-k", "proportional"]),
    default="top-k",
    show_default=True,
    help="Patrol allocation rule.",
)
@click.option("--k", type=int, default=20, show_default=True, help="Patrols per day.")
@click.option("--days", type=int, default=365, show_default=True, help="Simulated days.")
@click.option("--train-days", type=int, default=180, show_default=True, help="Training window.")
@click.option(
    "--discovery-rate",
    type=float,
    default=0.2,
    show_default=True,
    help="Chance a patrol finds an unreported incident (replay: added share).",
)
@click.option(
    "--report-rate",
    type=float,
    default=0.5,
    show_default=True,
    help="Chance an incident is reported by the public.",
)
@click.option(
    "--mitigation",
    multiple=True,
    default=("none",),
    show_default=True,
    help="none, ensign, reported-only, explore:EPS; repeat or comma-separate.",
)
@click.option(
    "--incidents",
    type=click.Choice(["poisson", "replay"]),
    default="poisson",
    show_default=True,
    help="Generate incidents from the truth, or replay the records.",
)
@click.option("--runs", type=int, default=100, show_default=True, help="Seeded runs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random state.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Processes.")
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="True intensity: CSV with the cell column and 'rate' per day.",
)
@format_options
def simulate_command(
    events: Path, grid: Path, cell_property: str, group_property: str | None, date_col: str,
    cell_col: str, count_col: str | None, source_col: str | None, date_format: str | None,
    model: str, allocation: str, k: int, days: int, train_days: int, discovery_rate: float,
    report_rate: float, mitigation: tuple[str, ...], incidents: str, runs: int, seed: int,
    jobs: int, truth: Path | None, fmt: str, out: Path | None,
) -> None:  # fmt: skip
    """Simulate forecast -> patrols -> discovery -> refit, for each mitigation.

    Prints the simulation's JSON (or a self-contained HTML section) with the
    allocation against the true intensity, concentration and the runaway indicator.
    """
    cells = lib.read_cell_grid(grid, id_property=cell_property, group_property=group_property)
    history = lib.read_cell_history(
        events, cells, date_col=date_col, cell_col=cell_col, count_col=count_col,
        source_col=source_col, date_format=date_format,
    )  # fmt: skip
    rates = None if truth is None else lib.read_truth(truth, cells, cell_col=cell_col)
    settings = lib.FeedbackSettings(
        model=model, allocation=allocation, k=k, days=days, train_days=train_days,
        discovery_rate=discovery_rate, report_rate=report_rate,
        mitigations=_mitigations(mitigation), runs=runs, random_state=seed, incidents=incidents,
    )  # fmt: skip
    files = ((events, "records"), (grid, "cells"), (truth, "truth"))
    inputs = [{"source": str(p), "role": r, "sha256": sha256_file(p)} for p, r in files if p]
    steps = days * len(settings.mitigations) if jobs == 1 else len(settings.mitigations)
    with click.progressbar(length=steps, label="simulating", file=sys.stderr) as bar:
        result = lib.simulate_feedback(
            history, settings, truth=rates, inputs=inputs, n_jobs=jobs,
            progress=lambda _done, _total: bar.update(1),
        )  # fmt: skip
    _emit(result, fmt=fmt, out=out, note=_NOTE.format(source=events, truth=result.truth_source))


def _emit(result: lib.FeedbackSimulation, *, fmt: str, out: Path | None, note: str) -> None:
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        from mohtasib.report._feedback_findings import feedback_report_html

        text = feedback_report_html(result, title="Feedback-loop simulation", data_note=note)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
