"""Baseline and hotspot forecasters on a grid, in scikit-learn style.

Each forecaster takes its hyperparameters in ``__init__``; ``fit(events)``
stores the training events (learned state ends in ``_``) and returns
``self``; ``predict(at, horizon)`` returns, for every cell, the expected
number of events in ``[at, at + horizon)`` (days since the epoch), using only
training events before ``at``. Ranking cells (and breaking ties) is the
backtest's business, with its ``random_state``.

Hotspot surfaces that are not rates (retrospective, prospective) are scaled so
that their total equals the trailing window's daily event rate times the
horizon, which makes log and Brier scores comparable across models without
changing any ranking.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import correlate

from mohtasib.errors import InputError
from mohtasib.forecast._events import GriddedEvents

__all__ = [
    "KdeForecaster",
    "NaiveCountForecaster",
    "ProspectiveHotspotForecaster",
    "RetrospectiveHotspotForecaster",
]

Surface = NDArray[np.float64]


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise InputError(f"got {name}={value}; want a positive number")


def _counts(events: GriddedEvents, start: float, end: float) -> Surface:
    window = events.between(start, end)
    cells = window.cells[window.cells >= 0]
    return np.bincount(cells, minlength=events.grid.n_cells).astype(np.float64)


def _smooth(counts: Surface, events: GriddedEvents, stencil: Surface) -> Surface:
    """Spread each cell's count over its neighbours with a (square, symmetric) stencil."""
    grid = events.grid
    image = counts.reshape(grid.ny, grid.nx)
    out = correlate(image, stencil, mode="constant", cval=0.0)
    return np.asarray(out, dtype=np.float64).reshape(-1)


def _scaled(surface: Surface, total: float) -> Surface:
    mass = surface.sum()
    return surface * (total / mass) if mass > 0 else surface


class _Forecaster:
    """Shared ``fit`` and parameter view."""

    events_: GriddedEvents

    def fit(self, events: GriddedEvents) -> _Forecaster:
        """Store the training events and return ``self``."""
        self.events_ = events
        return self

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters, as given to ``__init__``."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def _check(self, horizon: float) -> GriddedEvents:
        if not hasattr(self, "events_"):
            raise InputError(f"{type(self).__name__} is not fitted; call fit(events) first")
        _positive("horizon", horizon)
        return self.events_


class NaiveCountForecaster(_Forecaster):
    """Counts of past events per cell over a trailing window: the baseline.

    ``predict(at, horizon)[j] = n_j * horizon / window_days``, where ``n_j`` is
    the number of events in cell ``j`` with ``at - window_days <= t < at``.
    Ranking by this count is the "last year's crime" map that every hotspot
    model must beat (Chainey, Tompson & Uhlig 2008, Security Journal 21).

    Parameters
    ----------
    window_days
        Length of the trailing window in days.
    """

    def __init__(self, window_days: float = 365.0) -> None:
        _positive("window_days", window_days)
        self.window_days = window_days

    def predict(self, at: float, horizon: float) -> Surface:
        """Expected events per cell in ``[at, at + horizon)``."""
        events = self._check(horizon)
        return _counts(events, at - self.window_days, at) * (horizon / self.window_days)


class RetrospectiveHotspotForecaster(_Forecaster):
    """Kernel-smoothed counts over a trailing window (retrospective hotspot map).

    The score of cell ``j`` is ``sum_i n_i K(d_ij / h)``, with ``n_i`` the
    window's count in cell ``i`` and ``d_ij`` the distance between cell centres;
    events are thus placed at their cell's centre. Kernels: quartic
    ``K(u) = (1 - u^2)^2`` for ``u < 1`` (zero beyond the bandwidth), Gaussian
    ``K(u) = exp(-u^2 / 2)`` truncated at ``u = 3``. The kernel is applied as a
    stencil over neighbouring cells, so memory is ``O(n_cells)``. The surface
    is scaled to the window's daily rate times the horizon (module docstring).
    Chainey, Tompson & Uhlig (2008), "The utility of hotspot mapping for
    predicting spatial patterns of crime", Security Journal 21:4-28.

    Parameters
    ----------
    kernel
        ``"quartic"`` or ``"gaussian"``.
    bandwidth_m
        Bandwidth ``h`` in metres.
    window_days
        Trailing window in days.
    """

    def __init__(
        self,
        kernel: Literal["quartic", "gaussian"] = "quartic",
        bandwidth_m: float = 400.0,
        window_days: float = 365.0,
    ) -> None:
        if kernel not in ("quartic", "gaussian"):
            raise InputError(f"got kernel={kernel!r}; want 'quartic' or 'gaussian'")
        _positive("bandwidth_m", bandwidth_m)
        _positive("window_days", window_days)
        self.kernel = kernel
        self.bandwidth_m = bandwidth_m
        self.window_days = window_days

    def stencil(self, cell_size: float) -> Surface:
        """The kernel weights on the square of neighbouring cells (centre = the cell itself)."""
        reach = self.bandwidth_m * (1.0 if self.kernel == "quartic" else 3.0)
        r = int(reach // cell_size)
        offsets = np.arange(-r, r + 1) * cell_size
        u = np.hypot(offsets[:, None], offsets[None, :]) / self.bandwidth_m
        if self.kernel == "quartic":
            return np.where(u < 1.0, (1.0 - u**2) ** 2, 0.0)
        return np.where(u <= 3.0, np.exp(-(u**2) / 2.0), 0.0)

    def predict(self, at: float, horizon: float) -> Surface:
        """Expected events per cell in ``[at, at + horizon)`` (scaled surface)."""
        events = self._check(horizon)
        counts = _counts(events, at - self.window_days, at)
        surface = _smooth(counts, events, self.stencil(events.grid.cell_size))
        return _scaled(surface, counts.sum() * horizon / self.window_days)


class ProspectiveHotspotForecaster(_Forecaster):
    """Prospective hotspot map of Bowers, Johnson & Pease (2004).

    Each past event ``i`` adds ``1 / (1 + d) * 1 / (1 + w)`` to cell ``j``,
    where ``d`` is the cell-band distance between the event's cell and ``j``
    (Chebyshev: neighbours, diagonals included, are 1) and ``w`` the
    week band ``floor((at - t_i) / 7)``; only ``d <= bandwidth_cells`` and
    ``w < bandwidth_weeks`` count. Computed as one stencil pass per week band.
    The surface is scaled to the bands' daily rate times the horizon.
    Bowers, Johnson & Pease (2004), "Prospective hot-spotting: the future of
    crime mapping?", British Journal of Criminology 44(5):641-658.

    Parameters
    ----------
    bandwidth_cells
        Spatial bandwidth in cells (Bowers et al. used 400 m).
    bandwidth_weeks
        Temporal bandwidth in weeks (Bowers et al. used two months).
    """

    def __init__(self, bandwidth_cells: int = 3, bandwidth_weeks: int = 8) -> None:
        if bandwidth_cells < 0 or bandwidth_weeks < 1:
            raise InputError(
                f"got bandwidth_cells={bandwidth_cells}, bandwidth_weeks={bandwidth_weeks}; "
                "want >= 0 cells and >= 1 week"
            )
        self.bandwidth_cells = bandwidth_cells
        self.bandwidth_weeks = bandwidth_weeks

    def stencil(self) -> Surface:
        """The spatial weights ``1 / (1 + d)`` on the neighbouring cells."""
        r = self.bandwidth_cells
        offsets = np.arange(-r, r + 1)
        d = np.maximum(np.abs(offsets[:, None]), np.abs(offsets[None, :]))
        return 1.0 / (1.0 + d)

    def predict(self, at: float, horizon: float) -> Surface:
        """Expected events per cell in ``[at, at + horizon)`` (scaled surface)."""
        events = self._check(horizon)
        stencil = self.stencil()
        surface = np.zeros(events.grid.n_cells)
        total = 0.0
        for week in range(self.bandwidth_weeks):
            counts = _counts(events, at - 7.0 * (week + 1), at - 7.0 * week)
            total += counts.sum()
            surface += _smooth(counts, events, stencil) / (1.0 + week)
        return _scaled(surface, total * horizon / (7.0 * self.bandwidth_weeks))


class KdeForecaster(_Forecaster):
    """Space-time kernel density with exponential time decay and a fixed bandwidth.

    ``lambda(s, at) = sum_i exp(-(at - t_i) / tau) / tau * phi_h(s - s_i)``, with
    ``phi_h`` the bivariate Gaussian density of bandwidth ``h`` truncated at
    ``3h``, evaluated at each cell centre from the events' exact projected
    coordinates. The expected count in cell ``j`` is
    ``lambda(c_j, at) * cell_size^2 * horizon``. Events within ``window_days``
    are used, in chunks, so memory is bounded. Kernel density hotspot maps:
    Chainey, Tompson & Uhlig (2008), Security Journal 21:4-28; the exponential
    time weighting is the temporal kernel of Mohler et al. (2011), "Self-exciting
    point process modeling of crime", JASA 106(493):100-108.

    Parameters
    ----------
    bandwidth_m
        Spatial Gaussian bandwidth ``h`` in metres.
    decay_days
        Time scale ``tau`` of the exponential decay, in days.
    window_days
        Events older than this are ignored.
    """

    _CHUNK = 4096

    def __init__(
        self, bandwidth_m: float = 200.0, decay_days: float = 60.0, window_days: float = 365.0
    ) -> None:
        for name, value in (("bandwidth_m", bandwidth_m), ("decay_days", decay_days)):
            _positive(name, value)
        _positive("window_days", window_days)
        self.bandwidth_m = bandwidth_m
        self.decay_days = decay_days
        self.window_days = window_days

    def predict(self, at: float, horizon: float) -> Surface:
        """Expected events per cell in ``[at, at + horizon)``."""
        events = self._check(horizon).between(at - self.window_days, at)
        grid, h = events.grid, self.bandwidth_m
        r = int((3.0 * h) // grid.cell_size) + 1
        mx, my = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1))
        dx, dy = mx.reshape(-1), my.reshape(-1)
        half = grid.cell_size / 2.0
        surface = np.zeros(grid.n_cells)
        for lo in range(0, len(events), self._CHUNK):
            part = _chunk(events, lo, self._CHUNK)
            ix = np.floor((part.x - grid.x0) / grid.cell_size).astype(np.int64)[:, None] + dx
            iy = np.floor((part.y - grid.y0) / grid.cell_size).astype(np.int64)[:, None] + dy
            cx, cy = grid.x0 + ix * grid.cell_size + half, grid.y0 + iy * grid.cell_size + half
            d2 = (cx - part.x[:, None]) ** 2 + (cy - part.y[:, None]) ** 2
            w = np.exp(-(at - part.times) / self.decay_days)[:, None] / self.decay_days
            k = np.where(d2 <= 9.0 * h * h, np.exp(-d2 / (2 * h * h)) / (2 * np.pi * h * h), 0.0)
            ok = (ix >= 0) & (ix < grid.nx) & (iy >= 0) & (iy < grid.ny)
            np.add.at(surface, (iy * grid.nx + ix)[ok], (w * k)[ok])
        return surface * grid.cell_size**2 * horizon


def _chunk(events: GriddedEvents, lo: int, size: int) -> GriddedEvents:
    hi = lo + size
    return GriddedEvents(
        events.cells[lo:hi], events.times[lo:hi], events.x[lo:hi], events.y[lo:hi], events.grid
    )
