r"""The deployment loop: refit, allocate patrols, generate incidents, discover, record.

Two layers (Lum & Isaac 2016; Ensign et al. 2018, §2):

- the **true intensity** :math:`\lambda_j` (incidents per day in cell ``j``): given,
  or the daily rate of the reported-only records divided by the report rate (else the
  daily rate of all records, stated as an assumption in the result's warnings);
- the **records** the forecaster learns from: reported + discovered.

Each simulated day, for every run:

1. the forecaster is refitted on the records of the last ``train_days`` days and
   forecasts the day (:mod:`mohtasib.feedback._models`);
2. ``k`` patrols are allocated (:mod:`mohtasib.feedback._allocate`);
3. incidents happen: ``poisson`` mode draws :math:`N_j \sim \text{Poisson}(\lambda_j)`,
   of which :math:`\text{Binomial}(N_j, r)` are reported (``report_rate`` r); the
   unreported ones are discovered with probability :math:`\min(1, d\,P_j)` for
   :math:`P_j` patrols (``discovery_rate`` d), so discovery rises with patrol presence.
   ``replay`` mode (Lum & Isaac's design) takes the day's real records as the reported
   ones and adds :math:`\text{Poisson}(d\,P_j\,\lambda_j)` discovered records in patrolled
   cells (``d = 0.2``: 20 % more recorded crime where police are sent);
4. the records enter the training window (discoveries thinned under Ensign's
   correction; left out under ``reported-only``).

Runs are seeded by spawning ``numpy.random.SeedSequence(random_state)``; every
mitigation reuses the same run seeds (common random numbers), so their differences
are not sampling noise between mitigations. Runs advance together: the daily refit
of all runs is one vectorised computation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.feedback._allocate import ALLOCATIONS, Mitigation, allocate, parse_mitigation
from mohtasib.feedback._inputs import CellHistory
from mohtasib.feedback._metrics import gini, hhi, jensen_shannon, total_variation
from mohtasib.feedback._models import MODELS, RecordWindow, WindowForecaster
from mohtasib.feedback._result import (
    DAILY_MEASURES,
    Band,
    FeedbackSimulation,
    GroupShare,
    MitigationOutcome,
)

__all__ = ["FeedbackSettings", "simulate_feedback"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FeedbackSettings:
    """Parameters of a deployment-loop simulation (see the module docstring).

    Attributes
    ----------
    model
        ``"naive"``, ``"etas"`` or ``"kde"``.
    allocation
        ``"top-k"`` or ``"proportional"``.
    k
        Patrols per day, ``1 <= k <= n_cells``.
    days, train_days
        Simulated days and training-window length, >= 1.
    discovery_rate
        ``d`` in ``[0, 1]``.
    report_rate
        ``r`` in ``[0, 1]`` (``poisson`` mode).
    mitigations
        Labels: ``none``, ``ensign``, ``reported-only``, ``explore:EPS``.
    runs
        Seeded runs, >= 1.
    random_state
        Seed of the ``SeedSequence``.
    incidents
        ``"poisson"`` (generated from the truth) or ``"replay"`` (the real records).
    bandwidth_m, decay_days
        KDE settings.
    etas_tol, etas_iter
        EM stopping rule of the daily ETAS refit.
    """

    model: str = "etas"
    allocation: str = "top-k"
    k: int = 20
    days: int = 365
    train_days: int = 180
    discovery_rate: float = 0.2
    report_rate: float = 0.5
    mitigations: tuple[str, ...] = ("none",)
    runs: int = 100
    random_state: int | None = 0
    incidents: str = "poisson"
    bandwidth_m: float = 400.0
    decay_days: float = 60.0
    etas_tol: float = 1e-5
    etas_iter: int = 50

    def check(self, n_cells: int, n_days: int) -> tuple[Mitigation, ...]:
        """Validate against the data; return the parsed mitigations.

        Raises
        ------
        ConfigError
            A setting is out of range (k larger than the number of cells, a rate
            outside [0, 1], an unknown model...).
        InsufficientDataError
            The records cover fewer days than the window (plus the simulated days
            in ``replay`` mode).
        """
        choices = {"model": MODELS, "allocation": ALLOCATIONS, "incidents": ("poisson", "replay")}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"got {key} {getattr(self, key)!r}; want one of {allowed}",
                                  key=key)  # fmt: skip
        if not 1 <= self.k <= n_cells:
            raise ConfigError(f"got k={self.k} patrols; want 1 <= k <= {n_cells} (the number "
                              "of cells)", key="k")  # fmt: skip
        for key in ("days", "train_days", "runs", "etas_iter"):
            if int(getattr(self, key)) < 1:
                raise ConfigError(f"got {key}={getattr(self, key)}; want >= 1", key=key)
        for key in ("discovery_rate", "report_rate"):
            if not 0.0 <= float(getattr(self, key)) <= 1.0:
                raise ConfigError(f"got {key}={getattr(self, key)}; want 0..1", key=key)
        need = self.train_days + (self.days if self.incidents == "replay" else 0)
        if n_days < need:
            raise InsufficientDataError(
                f"the records cover {n_days} days; want >= {need} (train_days"
                + (" + days, replaying the records)" if self.incidents == "replay" else ")")
            )
        if not self.mitigations:
            raise ConfigError("got no mitigation; want at least 'none'", key="mitigation")
        return tuple(parse_mitigation(m) for m in self.mitigations)


@dataclass
class _Tally:
    """Per-run, per-day measures accumulated during one mitigation's simulation."""

    daily: dict[str, FloatArray]
    patrols: FloatArray
    last: FloatArray
    recorded: FloatArray
    discovered: FloatArray
    by_group: FloatArray  # (runs, days, groups): each day's share of patrols per area group


def _group_matrix(history: CellHistory) -> tuple[list[str], FloatArray]:
    """Area-group names (sorted) and the cells x groups indicator matrix (none: no columns)."""
    labels = history.grid.groups
    if labels is None:
        return [], np.zeros((history.grid.n_cells, 0))
    cells = [str(g) if g is not None else "(no group)" for g in labels]
    names = sorted(set(cells))
    matrix = np.array([[c == name for name in names] for c in cells], dtype=np.float64)
    return names, matrix


def _truth(
    history: CellHistory, truth: FloatArray | None, report_rate: float
) -> tuple[FloatArray, str, list[str]]:
    if truth is not None:
        return np.asarray(truth, dtype=np.float64), "given (true-intensity file)", []
    if history.reported is not None and report_rate > 0:
        # Reported records arrive at report_rate x the incident rate (the poisson layer).
        rate = history.daily_rate(reported_only=True) / report_rate
        return rate, f"daily rate of reported records / report_rate {report_rate:g}", []
    note = (
        "no true intensity given and no reported/discovered split: the daily rate of all "
        "records is used as the true intensity (an assumption: recorded crime already "
        "carries past policing)"
    )
    return history.daily_rate(reported_only=False), "daily rate of all records (assumed)", [note]


def _day_records(
    s: FeedbackSettings, history: CellHistory, lam: FloatArray, today: int,
    patrols: IntArray, rng: np.random.Generator,
) -> tuple[IntArray, IntArray]:  # fmt: skip
    if s.incidents == "replay":
        reported = history.counts[today]
        return reported, rng.poisson(s.discovery_rate * patrols * lam)
    incidents = rng.poisson(lam)
    reported = rng.binomial(incidents, s.report_rate)
    p_find = np.minimum(1.0, s.discovery_rate * patrols)
    return reported, rng.binomial(incidents - reported, p_find)


def _ensign_keep(propensity: FloatArray) -> FloatArray:
    positive = propensity[propensity > 0]
    floor = positive.min() if positive.size else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(propensity > 0, np.minimum(1.0, floor / propensity), 0.0)


def _initial_window(
    history: CellHistory, s: FeedbackSettings, m: Mitigation, runs: int
) -> RecordWindow:
    base = history.counts
    if m.name == "reported-only" and history.reported is not None:
        base = history.reported
    window = RecordWindow(runs, history.grid.n_cells, s.train_days)
    for day in range(s.train_days):
        window.push(np.broadcast_to(base[day], (runs, history.grid.n_cells)))
    return window


def _simulate_one(
    history: CellHistory,
    lam: FloatArray,
    s: FeedbackSettings,
    m: Mitigation,
    seeds: Sequence[np.random.SeedSequence],
    tick: Callable[[], None] | None = None,
) -> tuple[_Tally, float]:
    n, runs = history.grid.n_cells, len(seeds)
    truth = lam / lam.sum()
    forecaster = WindowForecaster(
        s.model, bandwidth_m=s.bandwidth_m, decay_days=s.decay_days, n_iter=s.etas_iter,
        tol=s.etas_tol,
        distances=history.grid.distances_m() if s.model == "kde" else None,
    )  # fmt: skip
    rngs = [np.random.default_rng(seed) for seed in seeds]
    _, groups = _group_matrix(history)
    window = _initial_window(history, s, m, runs)
    records = np.zeros((runs, n), dtype=np.int64)
    tally = _Tally({k: np.zeros((runs, s.days)) for k in DAILY_MEASURES},
                   np.zeros((runs, n)), np.zeros((runs, n)), np.zeros(runs),
                   np.zeros(runs), np.zeros((runs, s.days, groups.shape[1])))  # fmt: skip
    patrols = np.zeros((runs, n), dtype=np.int64)
    for t in range(s.days):
        today = s.train_days + t
        forecast = forecaster.forecast(window)
        for r, rng in enumerate(rngs):
            patrols[r], propensity = allocate(
                forecast[r], rule=s.allocation, k=s.k, epsilon=m.epsilon, rng=rng
            )
            reported, found = _day_records(s, history, lam, today, patrols[r], rng)
            if m.name == "ensign":
                found = rng.binomial(found, _ensign_keep(propensity))
            elif m.name == "reported-only":
                found = np.zeros_like(found)
            records[r] = reported + found
            tally.recorded[r] += reported.sum() + found.sum()
            tally.discovered[r] += found.sum()
        window.push(records)
        _measure(tally, t, forecast, patrols, truth)
        tally.by_group[:, t, :] = patrols @ groups / s.k
        if tick is not None:
            tick()
    tally.last[:] = patrols / s.k
    iterations = float(np.mean(forecaster.iterations_)) if forecaster.iterations_ else 0.0
    return tally, iterations


def _measure(
    tally: _Tally, t: int, forecast: FloatArray, patrols: IntArray, truth: FloatArray
) -> None:
    tally.patrols += patrols
    total = forecast.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tally.daily["runaway"][:, t] = np.where(total > 0, forecast.max(axis=1) / total, np.nan)
    so_far = tally.patrols
    tally.daily["tv"][:, t] = total_variation(so_far, truth[None, :])
    tally.daily["js"][:, t] = jensen_shannon(so_far, truth[None, :])
    tally.daily["forecast_tv"][:, t] = total_variation(forecast, truth[None, :])
    tally.daily["gini"][:, t] = gini(so_far)
    tally.daily["hhi"][:, t] = hhi(so_far)


def _merge(parts: list[tuple[_Tally, float]]) -> tuple[_Tally, float]:
    tallies = [p[0] for p in parts]
    merged = _Tally(
        {k: np.concatenate([t.daily[k] for t in tallies]) for k in tallies[0].daily},
        *(np.concatenate([getattr(t, f) for t in tallies])
          for f in ("patrols", "last", "recorded", "discovered", "by_group")),
    )  # fmt: skip
    return merged, float(np.mean([p[1] for p in parts]))


def _simulate_parallel(
    history: CellHistory,
    lam: FloatArray,
    s: FeedbackSettings,
    m: Mitigation,
    seeds: Sequence[np.random.SeedSequence],
    n_jobs: int,
) -> tuple[_Tally, float]:
    from concurrent.futures import ProcessPoolExecutor

    chunks = [list(c) for c in np.array_split(np.arange(len(seeds)), n_jobs) if c.size]
    with ProcessPoolExecutor(max_workers=len(chunks)) as pool:
        futures = [
            pool.submit(_simulate_one, history, lam, s, m, [seeds[i] for i in chunk])
            for chunk in chunks
        ]
        return _merge([f.result() for f in futures])


def _groups(
    history: CellHistory, truth: FloatArray, share: FloatArray, by_group: FloatArray
) -> tuple[GroupShare, ...]:
    names, matrix = _group_matrix(history)
    out = []
    for j, name in enumerate(names):
        cells = matrix[:, j] > 0
        per_run = share[:, cells].sum(axis=1)
        low, high = np.percentile(per_run, [5.0, 95.0])
        out.append(GroupShare(name, int(cells.sum()), float(truth[cells].sum()),
                              float(per_run.mean()), float(low), float(high),
                              Band.over_runs(by_group[:, :, j])))  # fmt: skip
    return tuple(out)


def _outcome(
    history: CellHistory, truth: FloatArray, m: Mitigation, tally: _Tally, iterations: float
) -> MitigationOutcome:
    share = tally.patrols / tally.patrols.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = np.where(tally.recorded > 0, tally.discovered / tally.recorded, 0.0)
    return MitigationOutcome(
        mitigation=m.label,
        daily={k: Band.over_runs(v) for k, v in tally.daily.items()},
        cell_share=Band.over_runs(share),
        final_cell_share=Band.over_runs(tally.last),
        groups=_groups(history, truth, share, tally.by_group),
        discovered_share=float(found.mean()),
        etas_iterations=iterations,
    )


def simulate_feedback(
    history: CellHistory,
    settings: FeedbackSettings,
    *,
    truth: FloatArray | None = None,
    inputs: Sequence[dict[str, Any]] = (),
    progress: Progress | None = None,
    n_jobs: int = 1,
) -> FeedbackSimulation:
    """Simulate the forecast–patrol–record loop for each mitigation, over many runs.

    Parameters
    ----------
    history
        Recorded events per day and cell; the first ``train_days`` days seed the
        training window (all runs start from them); in ``replay`` mode the next
        ``days`` days are replayed.
    settings
        The simulation's parameters.
    truth
        True incidents per day and cell (>= 0, not all 0); default: derived from the
        records (see the module docstring).
    inputs
        Provenance of the input files (``source``, ``role``, ``sha256``) for the result.
    progress
        Called with ``(steps done, steps in all)``: after each simulated day (``n_jobs=1``)
        or after each mitigation (``n_jobs > 1``).
    n_jobs
        Processes to split the runs over (each process advances its runs together). The
        run seeds do not depend on ``n_jobs``; the warm-started EM stops when every run
        in a process has converged, so results agree across ``n_jobs`` to the EM
        tolerance, not bit for bit.

    Returns
    -------
    FeedbackSimulation

    Raises
    ------
    ConfigError
        A setting is out of range (:meth:`FeedbackSettings.check`).
    InputError
        The truth has the wrong length or a negative or non-finite value.
    InsufficientDataError
        Too few days of records, or a true intensity that is zero everywhere.
    """
    mitigations = settings.check(history.grid.n_cells, history.n_days)
    lam, truth_source, notes = _truth(history, truth, settings.report_rate)
    if lam.shape != (history.grid.n_cells,) or not np.isfinite(lam).all() or (lam < 0).any():
        raise InputError(f"got a true intensity of shape {lam.shape} with negative or missing "
                         f"values; want {history.grid.n_cells} rates >= 0")  # fmt: skip
    if lam.sum() <= 0:
        raise InsufficientDataError("the true intensity is zero in every cell; want some > 0")
    if n_jobs < 1:
        raise ConfigError(f"got n_jobs={n_jobs}; want >= 1", key="n_jobs")
    seeds = np.random.SeedSequence(settings.random_state).spawn(settings.runs)
    parallel = min(n_jobs, settings.runs) > 1
    total = len(mitigations) if parallel else settings.days * len(mitigations)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    outcomes = []
    for m in mitigations:
        if parallel:
            tally, iterations = _simulate_parallel(history, lam, settings, m, seeds, n_jobs)
            tick()
        else:
            tally, iterations = _simulate_one(history, lam, settings, m, seeds, tick)
        outcomes.append(_outcome(history, lam / lam.sum(), m, tally, iterations))
    params = dict(vars(settings))
    params["mitigations"] = list(settings.mitigations)
    params["first_day"] = history.first_day
    params["n_cells"] = history.grid.n_cells
    return FeedbackSimulation(
        settings=params,
        cell_ids=history.grid.ids,
        true_share=lam / lam.sum(),
        truth_source=truth_source,
        outcomes=tuple(outcomes),
        inputs=tuple(dict(i) for i in inputs),
        warnings=history.warnings + tuple(notes),
    )
