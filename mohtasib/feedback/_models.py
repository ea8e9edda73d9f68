"""Forecasts from a rolling window of daily records per run and cell.

The deployment loop refits a forecaster every simulated day on the last ``W``
days of records, for all runs at once. :class:`RecordWindow` keeps those days
sparse (the non-zero counts of each day) with a running dense total.

- ``naive``: records per cell in the window divided by ``W`` (the "last year's
  crime" baseline of :class:`mohtasib.forecast.NaiveCountForecaster`).
- ``kde``: records weighted by ``exp(-age / tau) / tau`` and spread over cell centres
  by a Gaussian kernel of bandwidth ``h`` truncated at ``3h`` (as
  :class:`mohtasib.forecast.KdeForecaster`, with each record at its cell's centre;
  Chainey, Tompson & Uhlig 2008; Mohler et al. 2011).
- ``etas``: grid ETAS refitted by EM and warm-started from the previous day
  (:mod:`mohtasib.feedback._etas_batch`; Mohler et al. 2015). Records carry dates
  only, so the ``m`` records of one cell and day are placed at the evenly spaced
  times ``day + i / (m + 1)``, ``i = 1..m`` (deterministic, no ties).
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import NDArray

from mohtasib.feedback._etas_batch import BatchEtasFit, fit_etas_batch, predict_etas_batch

__all__ = ["MODELS", "RecordWindow", "WindowForecaster"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MODELS = ("naive", "etas", "kde")


class RecordWindow:
    """The records of the last ``window`` days of every run (oldest first).

    Parameters
    ----------
    n_runs, n_cells, window
        Shape of the simulation and the window length in days.
    """

    def __init__(self, n_runs: int, n_cells: int, window: int) -> None:
        self.n_runs, self.n_cells, self.window = n_runs, n_cells, window
        self.days: deque[tuple[IntArray, IntArray, IntArray]] = deque()
        self.total = np.zeros((n_runs, n_cells), dtype=np.int64)

    def push(self, records: IntArray) -> None:
        """Add one day's ``(n_runs, n_cells)`` records, dropping the oldest day when full."""
        run, cell = np.nonzero(records)
        self.days.append((run, cell, records[run, cell]))
        self.total += records
        if len(self.days) > self.window:
            r, c, m = self.days.popleft()
            np.subtract.at(self.total, (r, c), m)

    def events(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Run, cell, count and day (0 = oldest) of every non-zero (run, cell, day)."""
        parts = list(self.days)
        day = np.concatenate([np.full(p[0].size, i, dtype=np.int64) for i, p in enumerate(parts)])
        run, cell, count = (np.concatenate([p[j] for p in parts]) for j in range(3))
        return run, cell, count, day


class WindowForecaster:
    """Forecast tomorrow's expected records per run and cell from a :class:`RecordWindow`.

    Parameters
    ----------
    model
        ``"naive"``, ``"etas"`` or ``"kde"``.
    distances
        Pairwise cell-centre distances in metres (``kde`` only).
    bandwidth_m, decay_days
        KDE bandwidth and time scale.
    n_iter, tol
        EM settings for ``etas``.
    """

    def __init__(
        self,
        model: str,
        *,
        distances: FloatArray | None = None,
        bandwidth_m: float = 400.0,
        decay_days: float = 60.0,
        n_iter: int = 50,
        tol: float = 1e-5,
    ) -> None:
        self.model = model
        self.n_iter = n_iter
        self.tol = tol
        self.decay_days = decay_days
        self.kernel_: FloatArray | None = None
        if model == "kde" and distances is not None:
            h = bandwidth_m
            self.kernel_ = np.where(distances <= 3 * h, np.exp(-(distances**2) / (2 * h * h)), 0.0)
        self.fit_: BatchEtasFit | None = None
        self.iterations_: list[int] = []

    def forecast(self, window: RecordWindow) -> FloatArray:
        """Expected records per run and cell on the day after the window."""
        w = float(window.window)
        if self.model == "naive":
            return np.asarray(window.total / w, dtype=np.float64)
        run, cell, count, day = window.events()
        if self.model == "kde":
            assert self.kernel_ is not None
            age = len(window.days) - day - 0.5
            weight = count * np.exp(-age / self.decay_days) / self.decay_days
            flat = np.bincount(run * window.n_cells + cell, weights=weight,
                               minlength=window.n_runs * window.n_cells)  # fmt: skip
            return np.asarray(flat.reshape(window.n_runs, -1) @ self.kernel_, dtype=np.float64)
        return self._etas(run, cell, count, day + (window.window - len(window.days)), window)

    def _etas(
        self, run: IntArray, cell: IntArray, count: IntArray, day: IntArray, window: RecordWindow
    ) -> FloatArray:
        if run.size == 0:
            return np.zeros((window.n_runs, window.n_cells))
        first = np.repeat(np.cumsum(count) - count, count)
        run, cell = np.repeat(run, count), np.repeat(cell, count)
        i = np.arange(run.size) - first + 1  # 1..m within each (run, cell, day)
        times = np.repeat(day, count) + i / np.repeat(count + 1, count)
        w = float(window.window)
        fit = fit_etas_batch(
            run, cell, times, n_runs=window.n_runs, n_cells=window.n_cells, start=0.0, end=w,
            n_iter=self.n_iter, tol=self.tol, initial=self.fit_, time_ordered=True,
        )  # fmt: skip
        self.fit_ = fit
        self.iterations_.append(fit.iterations)
        return predict_etas_batch(fit, run, cell, times, at=w, horizon=1.0)
