"""Crime-forecast models: mohtasib vs open_cp (QuantCrimAtLeeds/PredictCode), same run.

Real data: Chicago aggravated assaults 2010-2019 (City of Chicago via the crimemappingdata
package; ``../shared/data/crime/chicago-agg-assaults``), 150 m cells in UTM zone 16N.
Each task runs in a fresh subprocess (its own CPU time and peak memory); mohtasib's
tasks run in this interpreter, open_cp's in a separate venv with NumPy < 1.24::

    python3 -m venv /tmp/opencp-venv
    /tmp/opencp-venv/bin/pip install "numpy<1.24" scipy pyproj shapely python-dateutil
    /tmp/opencp-venv/bin/pip install --no-deps /path/to/PredictCode   # from its GitHub source
    python bench/forecast.py [--opencp /tmp/opencp-venv/bin/python] [--quick]

Both sides get the same projected coordinates (computed once, here, with pyproj) and
the same lattice (open_cp's region is set to mohtasib's grid). open_cp's prospective
hotspot is given only the events inside its 8-week time bandwidth (events older than
that have weight 0; giving it all events would only make it slower). Results go to
``bench/results/forecast.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/crime/chicago-agg-assaults/chicago_aggravated_assaults.csv.gz"
WORK = ROOT / "bench/_data/forecast"
CELL = 150.0
DAY0 = np.datetime64("1970-01-01T00:00", "ms")


def _day(text: str) -> float:
    """Days since the epoch of a UTC midnight (Chicago midnight is 06:00 UTC in winter)."""
    return float((np.datetime64(text, "ms") - DAY0) / np.timedelta64(1, "D"))


PREDICT_AT = _day("2018-12-01T06:00:30")  # 30 s after Chicago midnight: no event on a band edge
ORIGIN = _day("2017-01-01T06:00")  # naive hit-rate origin


def _stamp(label: str, start: tuple[float, float], **extra: Any) -> dict[str, Any]:
    cpu, wall = time.process_time() - start[0], time.perf_counter() - start[1]
    peak = _peak_mb()
    return {"task": label, "cpu_s": cpu, "wall_s": wall, "peak_rss_mb": peak, **extra}


def _peak_mb() -> float:
    """Peak resident memory (VmHWM) since the last reset, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clock() -> tuple[float, float]:
    """Reset the peak-memory mark (Linux clear_refs 5) and start the clocks."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return time.process_time(), time.perf_counter()


# --- data preparation (mohtasib side) ------------------------------------------------------


def prepare() -> dict[str, Any]:
    """Read, grid and project the events once; save the arrays both sides use."""
    import pandas as pd

    from mohtasib.forecast import read_events

    WORK.mkdir(parents=True, exist_ok=True)
    events, _ = read_events(
        DATA, time_col="date", lon_col="longitude", lat_col="latitude",
        tz="America/Chicago", cell_size=CELL,
    )  # fmt: skip
    frame = pd.read_csv(DATA, usecols=["date", "longitude", "latitude"])
    sub, _ = read_events(
        frame[frame["date"] < "2019"].reset_index(drop=True),
        time_col="date",
        lon_col="longitude",
        lat_col="latitude",
        tz="America/Chicago",
        cell_size=CELL,
    )  # fmt: skip  (2010-2018 local time, as in the issue)
    for name, ev in (("all", events), ("to2018", sub)):
        g = ev.grid
        np.savez(
            WORK / f"{name}.npz", times=ev.times, x=ev.x, y=ev.y, cells=ev.cells,
            mask=g.active, grid=np.array([g.x0, g.y0, g.cell_size, g.nx, g.ny]),
        )  # fmt: skip
    return {
        "events_all": len(events), "cells_all": events.grid.n_cells,
        "active_all": events.grid.n_active, "events_2010_2018": len(sub),
        "cells_2010_2018": sub.grid.n_cells, "active_2010_2018": sub.grid.n_active,
    }  # fmt: skip


def _load(name: str) -> dict[str, np.ndarray]:
    with np.load(WORK / f"{name}.npz") as z:
        return {k: z[k] for k in z.files}


def _events(name: str) -> Any:
    from mohtasib.forecast import Grid, GriddedEvents

    d = _load(name)
    x0, y0, cs, nx, ny = d["grid"]
    grid = Grid("EPSG:32616", float(x0), float(y0), float(cs), int(nx), int(ny), mask=d["mask"])
    return GriddedEvents(d["cells"], d["times"], d["x"], d["y"], grid)


# --- mohtasib tasks --------------------------------------------------------------------------


def m_prospective(reps: int) -> dict[str, Any]:
    from mohtasib.forecast import ProspectiveHotspotForecaster

    events = _events("to2018")
    model = ProspectiveHotspotForecaster(bandwidth_cells=3, bandwidth_weeks=8).fit(events)
    model.predict(PREDICT_AT, 7.0)  # warm-up
    start = _clock()
    for _ in range(reps):
        surface = model.predict(PREDICT_AT, 7.0)
    out = _stamp("prospective", start, reps=reps)
    out["cpu_s"] /= reps
    out["wall_s"] /= reps
    np.save(WORK / "prospective_mohtasib.npy", surface)
    return out


def m_etas(n_iter: int) -> dict[str, Any]:
    from mohtasib.forecast import fit_grid_etas

    ev = _events("to2018")
    start = _clock()
    # open_cp's start: θ = 0.5, ω = 1 per day, μ_k = count_k / (T - S)
    mu0 = np.bincount(ev.cells, minlength=ev.grid.n_cells) / (ev.times[-1] - ev.times[0])
    fit = fit_grid_etas(
        ev.cells, ev.times, ev.grid.n_cells, end_time=float(np.nextafter(ev.times.max(), 1e9)),
        n_iter=n_iter, tol=0.0, theta0=0.5, omega0=1.0, mu0=mu0,
    )  # fmt: skip
    out = _stamp("etas", start, n_iter=n_iter, theta=fit.theta, omega_per_day=fit.omega)
    out["theta_ci"], out["omega_ci"] = list(fit.theta_ci), list(fit.omega_ci)
    np.save(WORK / "etas_mu_mohtasib.npy", fit.mu)
    return out


def m_sepp(n: int, n_iter: int) -> dict[str, Any]:
    from mohtasib.forecast._sepp import fit_sepp

    d = _load("all")
    t, x, y = d["times"][:n], d["x"][:n], d["y"][:n]
    start = _clock()
    fit = fit_sepp(t, x, y, end_time=float(np.nextafter(t.max(), np.inf)), n_iter=n_iter)
    p = fit.parameters
    return _stamp(f"sepp_{n}", start, **p.to_dict())


def m_backtest(days: int) -> dict[str, Any]:
    from mohtasib.forecast import (
        GridEtasForecaster,
        KdeForecaster,
        NaiveCountForecaster,
        ProspectiveHotspotForecaster,
        backtest,
    )

    events = _events("all")
    models = {
        "naive": NaiveCountForecaster(window_days=365.0),
        "prospective": ProspectiveHotspotForecaster(),
        "kde": KdeForecaster(window_days=365.0),
        "etas": GridEtasForecaster(),
    }
    start = _clock()
    result = backtest(
        events, models, test_start=_day("2018-01-01T06:00"), test_days=float(days),
        horizon_days=1.0, train_days=365.0,
    )  # fmt: skip
    out = _stamp("backtest", start, origins=len(result.origins))
    for m in result.models:
        view = m.to_dict()
        out[m.name] = {k: view[k] for k in ("hit_rate", "hit_rate_ci", "vs_baseline") if k in view}
    return out


def m_naive() -> dict[str, Any]:
    events = _events("all")
    active = np.flatnonzero(events.grid.active)
    out: dict[str, Any] = {"task": "naive_mohtasib", "active_cells": int(active.size)}
    for window, label in ((365.0, "365d"), (ORIGIN - events.times[0] + 1.0, "all_history")):
        _naive_scores(events, active, window, label, out)
    return out


def _naive_scores(
    events: Any, active: np.ndarray, window: float, label: str, out: dict[str, Any]
) -> None:
    from mohtasib.forecast import NaiveCountForecaster, score_origin

    model = NaiveCountForecaster(window_days=window).fit(events)
    for horizon in (7.0, 28.0):
        test = events.between(ORIGIN, ORIGIN + horizon)
        observed = np.bincount(test.cells[test.cells >= 0], minlength=events.grid.n_cells)
        forecast = model.predict(ORIGIN, horizon)
        for base, cells in (("active", active), ("bounding", np.arange(events.grid.n_cells))):
            score = score_origin(
                forecast[cells], observed[cells], coverages=[0.05],
                rng=np.random.default_rng(0),
            )  # fmt: skip
            out[f"hit5_{int(horizon)}d_{label}_{base}"] = score.hit_rate[0.05]


# --- open_cp tasks (run in the open_cp venv; no mohtasib import) -----------------------------


def _opencp_points(d: dict[str, np.ndarray], keep: np.ndarray) -> Any:
    import open_cp.data

    ms = np.rint(d["times"][keep] * 86_400_000).astype(np.int64)  # exact minutes, no truncation
    stamps = DAY0 + ms.astype("timedelta64[ms]")
    return open_cp.data.TimedPoints.from_coords(stamps, d["x"][keep], d["y"][keep])


def _region(d: dict[str, np.ndarray]) -> Any:
    import open_cp.data

    x0, y0, cs, nx, ny = d["grid"]
    return open_cp.data.RectangularRegion(x0, x0 + nx * cs, y0, y0 + ny * cs)


def _at(day: float) -> np.datetime64:
    return DAY0 + np.timedelta64(round(day * 86_400_000), "ms")


def o_prospective() -> dict[str, Any]:
    import open_cp.prohotspot as pro

    d = _load("to2018")
    keep = (d["times"] >= PREDICT_AT - 56.0) & (d["times"] < PREDICT_AT)
    model = pro.ProspectiveHotSpot(region=_region(d), grid_size=CELL)
    model.weight = pro.ClassicWeight(space_bandwidth=4, time_bandwidth=8)  # d <= 3 cells
    model.data = _opencp_points(d, keep)
    start = _clock()
    pred = model.predict(_at(PREDICT_AT) - np.timedelta64(1, "ms"), _at(PREDICT_AT))
    out = _stamp("prospective_opencp", start, events_in_bandwidth=int(keep.sum()))
    np.save(WORK / "prospective_opencp.npy", np.asarray(pred.intensity_matrix).ravel())
    return out


def o_etas(n_iter: int) -> dict[str, Any]:
    from open_cp import seppexp

    d = _load("to2018")
    trainer = seppexp.SEPPTrainer(region=_region(d), grid_size=CELL)
    trainer.data = _opencp_points(d, np.ones(d["times"].size, dtype=bool))
    start = _clock()
    pred = trainer.train(iterations=n_iter, use_corrected=True)
    out = _stamp("etas_opencp", start, n_iter=n_iter, theta=float(pred.theta))
    out["omega_per_day"] = float(pred.omega) * 1440.0  # open_cp works in minutes
    np.save(WORK / "etas_mu_opencp.npy", np.asarray(pred.mu).ravel() * 1440.0)
    return out


def o_sepp(n: int, n_iter: int) -> dict[str, Any]:
    from open_cp import sepp

    np.random.seed(0)  # noqa: NPY002  (open_cp samples with the global generator)
    d = _load("all")
    trainer = sepp.SEPPTrainer()
    trainer.data = _opencp_points(d, np.arange(d["times"].size) < n)
    start = _clock()
    pred = trainer.train(iterations=n_iter)
    return _stamp(f"sepp_opencp_{n}", start, n_iter=n_iter, type=type(pred).__name__)


def o_naive() -> dict[str, Any]:
    from open_cp import evaluation, naive

    d = _load("all")
    region = _region(d)
    out: dict[str, Any] = {"task": "naive_opencp"}
    mask = d["mask"].reshape(int(d["grid"][4]), int(d["grid"][3]))
    for window, label in ((365.0, "365d"), (1e9, "all_history")):
        keep = (d["times"] >= ORIGIN - window) & (d["times"] < ORIGIN)
        counter = naive.CountingGridKernel(CELL, region=region)
        counter.data = _opencp_points(d, keep)
        pred = counter.predict()
        for horizon in (7.0, 28.0):
            test = (d["times"] >= ORIGIN) & (d["times"] < ORIGIN + horizon)
            points = _opencp_points(d, test)
            bounding = evaluation.hit_rates(pred, points, [5])[5]
            masked = pred.clone()
            masked.mask_with(_masked_grid(pred, ~mask))
            active = evaluation.hit_rates(masked, points, [5])[5]
            out[f"hit5_{int(horizon)}d_{label}_bounding"] = bounding
            out[f"hit5_{int(horizon)}d_{label}_active"] = active
    return out


def _masked_grid(pred: Any, outside: np.ndarray) -> Any:
    import open_cp.data

    return open_cp.data.MaskedGrid(pred.xsize, pred.ysize, pred.xoffset, pred.yoffset, outside)


# --- driver ----------------------------------------------------------------------------------


TASKS = {
    "m_prospective": lambda a: m_prospective(int(a[0])),
    "m_etas": lambda a: m_etas(int(a[0])),
    "m_sepp": lambda a: m_sepp(int(a[0]), int(a[1])),
    "m_backtest": lambda a: m_backtest(int(a[0])),
    "m_naive": lambda a: m_naive(),
    "o_prospective": lambda a: o_prospective(),
    "o_etas": lambda a: o_etas(int(a[0])),
    "o_sepp": lambda a: o_sepp(int(a[0]), int(a[1])),
    "o_naive": lambda a: o_naive(),
}


def _run(python: str, task: str, *args: object, timeout: float = 3600) -> dict[str, Any]:
    cmd = [python, __file__, "--task", task, *map(str, args)]
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        done = subprocess.run(
            cmd, check=False, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return {"task": task, "args": list(args), "error": f"timed out after {timeout} s"}
    except OSError as exc:  # e.g. no open_cp venv at --opencp
        return {"task": task, "args": list(args), "error": f"could not start {python}: {exc}"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"task": task, "args": list(args), "error": " | ".join(tail)}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_1min_before"] = load
    result["load_1min_after"] = os.getloadavg()[0]
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opencp", default="/tmp/opencp-venv/bin/python")
    parser.add_argument("--quick", action="store_true", help="small SEPP sizes, 30-day backtest")
    parser.add_argument("--only", default="", help="comma-separated task groups to run")
    parser.add_argument("--task", nargs="+", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.task:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(TASKS[ns.task[0]](ns.task[1:]), default=float))
        return
    sys.path.insert(0, str(ROOT))
    me, oc = sys.executable, ns.opencp
    groups = set(ns.only.split(",")) if ns.only else {"naive", "pro", "etas", "sepp", "backtest"}
    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    path = ROOT / "bench/results/forecast.json"
    if path.exists():
        report = {**json.loads(path.read_text()), **report}
    report["data"] = prepare()
    print(json.dumps(report["data"]), flush=True)
    if "naive" in groups:
        report["naive"] = [_run(me, "m_naive"), _run(oc, "o_naive")]
    if "pro" in groups:
        report["prospective"] = [_run(me, "m_prospective", 20), _run(oc, "o_prospective")]
    if "pro" in groups and not any("error" in r for r in report["prospective"]):
        a = np.load(WORK / "prospective_mohtasib.npy")
        b = np.load(WORK / "prospective_opencp.npy")
        report["prospective_max_abs_diff_normalised"] = float(
            np.abs(a / a.sum() - b / b.sum()).max() / (b / b.sum()).max()
        )
        report["prospective_scale_ratio_spread"] = float(
            np.ptp(a[b > 0] / b[b > 0]) / np.median(a[b > 0] / b[b > 0])
        )  # 0 when the surfaces are proportional (mohtasib rescales to a rate)
        report["prospective_cells_nonzero_in_one_only"] = int(((a > 0) != (b > 0)).sum())
    if "etas" in groups:
        report["etas"] = [_run(me, "m_etas", 20), _run(oc, "o_etas", 20)]
    if "etas" in groups and not any("error" in r for r in report["etas"]):
        a, b = np.load(WORK / "etas_mu_mohtasib.npy"), np.load(WORK / "etas_mu_opencp.npy")
        report["etas_max_abs_mu_diff_per_day"] = float(np.abs(a - b).max())
        report["etas_mu_total_per_day"] = [float(a.sum()), float(b.sum())]
    if "sepp" in groups:
        sizes = (2000,) if ns.quick else (5000, 10000)
        report["sepp"] = [
            r for n in sizes for r in (_run(me, "m_sepp", n, 10), _run(oc, "o_sepp", n, 10))
        ]
        report["sepp"].append(_run(me, "m_sepp", 10**9, 50))
    if "backtest" in groups:
        report["backtest"] = _run(me, "m_backtest", 30 if ns.quick else 365)
    path.write_text(json.dumps(report, indent=2, default=float) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
