"""Feedback-loop simulator benchmark: Lum & Isaac's design at the issue's size.

100 runs x 365 days, grid ETAS refitted every day on a 180-day window, the Oakland
grid (661 cells), 20 patrols (top-k), real records replayed with 20 % added crime in
patrolled cells. Reads the Oakland records from ../shared (no licence: never copied);
exits with a message where they are absent. Usage::

    python bench/feedback.py                         # the issue's size, 2 processes
    python bench/feedback.py --runs 10 --days 30     # a fraction

Also measured, on the same machine in the same run:

- the straightforward alternative: one cold :func:`mohtasib.forecast.fit_grid_etas`
  per run and day (``--cold-runs`` x ``--cold-days`` of it), and
- agreement of the warm-started batched EM with cold fits on the same windows
  (largest relative difference of the forecast; overlap of the top-20 cells).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from mohtasib.feedback import (
    FeedbackSettings,
    fit_etas_batch,
    predict_etas_batch,
    read_cell_grid,
    read_cell_history,
    simulate_feedback,
)
from mohtasib.forecast import fit_grid_etas

FOLDER = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "crime" / "oakland-drugs-lum-isaac"
)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _history():  # type: ignore[no-untyped-def]
    grid = read_cell_grid(FOLDER / "oakland_grid.geojson", id_property="bin_index")
    return read_cell_history(FOLDER / "drug_crimes_with_bins.csv", grid, date_col="OCCURRED",
                             cell_col="bin", date_format="%m/%d/%y")  # fmt: skip


def _window_events(history, first: int, w: int):  # type: ignore[no-untyped-def]
    counts = history.counts[first : first + w]
    day, cell = np.nonzero(counts)
    m = counts[day, cell]
    first_idx = np.repeat(np.cumsum(m) - m, m)
    i = np.arange(m.sum()) - first_idx + 1
    times = np.repeat(day, m) + i / np.repeat(m + 1, m)
    return np.repeat(cell, m), times


def cold_baseline(history, runs: int, days: int, w: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Time cold per-run refits (fit_grid_etas) on the replayed windows."""
    start, cpu = time.perf_counter(), _cpu()
    iterations = []
    for _ in range(runs):
        for d in range(days):
            cells, times = _window_events(history, d, w)
            fit = fit_grid_etas(cells, times, history.grid.n_cells, end_time=float(w),
                                start_time=0.0, n_iter=50, tol=1e-5)  # fmt: skip
            iterations.append(fit.iterations)
    n = runs * days
    return {"refits": n, "wall_s": time.perf_counter() - start, "cpu_s": _cpu() - cpu,
            "mean_iterations": float(np.mean(iterations))}  # fmt: skip


def warm_vs_cold(history, days: int, w: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Warm-start the batched EM day after day; compare each day's forecast to a cold fit."""
    worst, overlap, previous = 0.0, [], None
    n = history.grid.n_cells
    for d in range(days):
        cells, times = _window_events(history, d, w)
        run = np.zeros(cells.size, dtype=np.int64)
        warm = fit_etas_batch(run, cells, times, n_runs=1, n_cells=n, start=0.0, end=float(w),
                              n_iter=50, tol=1e-5, initial=previous)  # fmt: skip
        previous = warm
        cold = fit_grid_etas(cells, times, n, end_time=float(w), start_time=0.0, n_iter=500,
                             tol=1e-9)  # fmt: skip
        f_warm = predict_etas_batch(warm, run, cells, times, at=float(w))[0]
        age = w - times
        f_cold = cold.mu + np.bincount(cells, weights=cold.theta * np.exp(-cold.omega * age)
                                       * -np.expm1(-cold.omega), minlength=n)  # fmt: skip
        worst = max(worst, float(np.max(np.abs(f_warm - f_cold) / np.maximum(f_cold, 1e-12))))
        top_w, top_c = set(np.argsort(-f_warm)[:20]), set(np.argsort(-f_cold)[:20])
        overlap.append(len(top_w & top_c) / 20)
    return {"days": days, "max_rel_diff_forecast": worst,
            "min_top20_overlap": min(overlap) if overlap else None,
            "mean_top20_overlap": float(np.mean(overlap)) if overlap else None}  # fmt: skip


def main() -> None:
    """Run the benchmark and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--cold-days", type=int, default=20)
    parser.add_argument("--check-days", type=int, default=30)
    args = parser.parse_args()
    if not FOLDER.is_dir():
        sys.exit(f"bench/feedback.py: {FOLDER} is absent; this benchmark needs the Oakland data")
    history = _history()
    settings = FeedbackSettings(model="etas", allocation="top-k", k=20, days=args.days,
                                train_days=180, discovery_rate=0.2, incidents="replay",
                                runs=args.runs, mitigations=("none",), random_state=0)  # fmt: skip
    load_before = _load()
    start, cpu = time.perf_counter(), _cpu()
    result = simulate_feedback(history, settings, n_jobs=args.jobs)
    wall, cpu_used = time.perf_counter() - start, _cpu() - cpu
    figures = {
        "simulation": {"runs": args.runs, "days": args.days, "cells": history.grid.n_cells,
                       "patrols": 20, "jobs": args.jobs, "wall_s": wall, "cpu_s": cpu_used,
                       "etas_mean_iterations": result.outcome("none").etas_iterations,
                       "load_before": load_before, "load_after": _load()},
        "cold_per_run_refits": cold_baseline(history, args.cold_runs, args.cold_days, 180)
        | {"load_after": _load()},
        "warm_vs_cold": warm_vs_cold(history, args.check_days, 180),
        "settings": dataclasses.asdict(settings),
    }  # fmt: skip
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
