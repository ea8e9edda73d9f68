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
        times, n_cells = events.times, events.grid.n_cells
        for week in range(self.bandwidth_weeks):
            # Week band floor((at - t) / 7): at - 7(w+1) < t <= at - 7w, and t < at for w = 0,
            # so an event exactly w weeks old is in band w (as open_cp and Bowers et al.).
            lo = np.searchsorted(times, at - 7.0 * (week + 1), side="right")
            hi = np.searchsorted(times, at - 7.0 * week, side="right" if week else "left")
            cells = events.cells[lo:hi]
            counts = np.bincount(cells[cells >= 0], minlength=n_cells).astype(np.float64)
            total += counts.sum()
            surface += _smooth(counts, events, stencil) / (1.0 + week)
        return _scaled(surface, total * horizon / (7.0 * self.bandwidth_weeks))


class KdeForecaster(_Forecaster):
    """Space-time kernel density with exponential time decay; fixed or nearest-neighbour bandwidth.

    ``lambda(s, at) = sum_i exp(-(at - t_i) / tau) / tau * phi_{h_i}(s - s_i)``,
    with ``phi_h`` the bivariate Gaussian density of bandwidth ``h`` truncated
    at ``3h``, evaluated at each cell centre from the events' exact projected
    coordinates. The expected count in cell ``j`` is
    ``lambda(c_j, at) * cell_size^2 * horizon``. Events within ``window_days``
    are used, in chunks, so memory is bounded. Kernel density hotspot maps:
    Chainey, Tompson & Uhlig (2008), Security Journal 21:4-28; the exponential
    time weighting is the temporal kernel of Mohler et al. (2011), "Self-exciting
    point process modeling of crime", JASA 106(493):100-108.

    Bandwidth: ``"fixed"`` uses ``h_i = bandwidth_m`` for every event.
    ``"nearest_neighbour"`` gives each event its own bandwidth, the distance
    ``d_{i,k}`` from it to its ``k``-th nearest neighbour among the window's
    events, clipped to ``[min_bandwidth_m, max_bandwidth_m]``: narrow kernels
    where events are dense, wide ones where they are sparse. This is the
    variable kernel estimator of Breiman, Meisel & Purcell (1977), in Silverman
    (1986), "Density Estimation for Statistics and Data Analysis", sec. 2.6
    (with the adaptive kernel of sec. 5.3 as its refinement), and the
    "adaptive bandwidth" (minimum number of points) option of CrimeStat's
    kernel density routine (Levine 2013, CrimeStat IV manual, ch. 10). The
    floor keeps exact duplicates (distance 0) from giving a zero bandwidth; the
    cap bounds the work per event.

    Parameters
    ----------
    bandwidth_m
        Spatial Gaussian bandwidth ``h`` in metres (``"fixed"`` only).
    decay_days
        Time scale ``tau`` of the exponential decay, in days.
    window_days
        Events older than this are ignored.
    bandwidth
        ``"fixed"`` or ``"nearest_neighbour"``.
    k_neighbours
        ``k`` of the nearest-neighbour bandwidth (a whole number >= 1).
    min_bandwidth_m, max_bandwidth_m
        Clip of the nearest-neighbour bandwidth, in metres.
    """

    _CHUNK = 4096

    def __init__(
        self,
        bandwidth_m: float = 200.0,
        decay_days: float = 60.0,
        window_days: float = 365.0,
        *,
        bandwidth: Literal["fixed", "nearest_neighbour"] = "fixed",
        k_neighbours: int = 10,
        min_bandwidth_m: float = 50.0,
        max_bandwidth_m: float = 1000.0,
    ) -> None:
        for name, value in (("bandwidth_m", bandwidth_m), ("decay_days", decay_days)):
            _positive(name, value)
        _positive("window_days", window_days)
        if bandwidth not in ("fixed", "nearest_neighbour"):
            raise InputError(f"got bandwidth={bandwidth!r}; want 'fixed' or 'nearest_neighbour'")
        if int(k_neighbours) != k_neighbours or k_neighbours < 1:
            raise InputError(f"got k_neighbours={k_neighbours}; want a whole number >= 1")
        _positive("min_bandwidth_m", min_bandwidth_m)
        if not max_bandwidth_m >= min_bandwidth_m:
            raise InputError(
                f"got max_bandwidth_m={max_bandwidth_m} < min_bandwidth_m={min_bandwidth_m}; "
                "want max >= min"
            )
        self.bandwidth_m = bandwidth_m
        self.decay_days = decay_days
        self.window_days = window_days
        self.bandwidth = bandwidth
        self.k_neighbours = int(k_neighbours)
        self.min_bandwidth_m = min_bandwidth_m
        self.max_bandwidth_m = max_bandwidth_m

    def bandwidths(self, events: GriddedEvents) -> Surface:
        """The bandwidth ``h_i`` (metres) of each event, as :meth:`predict` uses it.

        For ``"nearest_neighbour"``: the distance to the ``k``-th nearest other
        event (fewer than ``k + 1`` events: ``max_bandwidth_m``), clipped.
        """
        n = len(events)
        if self.bandwidth == "fixed":
            return np.full(n, float(self.bandwidth_m))
        if n <= self.k_neighbours:
            return np.full(n, float(self.max_bandwidth_m))
        from scipy.spatial import cKDTree

        points = np.column_stack((events.x, events.y))
        # k + 1: the nearest point to each event is itself, at distance 0
        dist, _ = cKDTree(points).query(points, k=[self.k_neighbours + 1])
        return np.asarray(
            np.clip(dist[:, 0], self.min_bandwidth_m, self.max_bandwidth_m), dtype=np.float64
        )

    def predict(self, at: float, horizon: float) -> Surface:
        """Expected events per cell in ``[at, at + horizon)``."""
        events = self._check(horizon).between(at - self.window_days, at)
        grid = events.grid
        h_all = self.bandwidths(events)
        surface = np.zeros(grid.n_cells)
        reach = np.floor(3.0 * h_all / grid.cell_size).astype(np.int64) + 1
        for r in np.unique(reach):
            group = np.flatnonzero(reach == r)
            mx, my = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1))
            dx, dy = mx.reshape(-1), my.reshape(-1)
            step = max(1, self._CHUNK * 49 // dx.size)
            for lo in range(0, group.size, step):
                self._add(surface, events, group[lo : lo + step], h_all, dx, dy, at)
        return surface * grid.cell_size**2 * horizon

    def _add(
        self,
        surface: Surface,
        events: GriddedEvents,
        rows: NDArray[np.int64],
        h_all: Surface,
        dx: NDArray[np.int64],
        dy: NDArray[np.int64],
        at: float,
    ) -> None:
        grid = events.grid
        x, y, t, h = events.x[rows], events.y[rows], events.times[rows], h_all[rows][:, None]
        half = grid.cell_size / 2.0
        ix = np.floor((x - grid.x0) / grid.cell_size).astype(np.int64)[:, None] + dx
        iy = np.floor((y - grid.y0) / grid.cell_size).astype(np.int64)[:, None] + dy
        cx, cy = grid.x0 + ix * grid.cell_size + half, grid.y0 + iy * grid.cell_size + half
        d2 = (cx - x[:, None]) ** 2 + (cy - y[:, None]) ** 2
        w = np.exp(-(at - t) / self.decay_days)[:, None] / self.decay_days
        k = np.where(d2 <= 9.0 * h * h, np.exp(-d2 / (2 * h * h)) / (2 * np.pi * h * h), 0.0)
        ok = (ix >= 0) & (ix < grid.nx) & (iy >= 0) & (iy < grid.ny)
        np.add.at(surface, (iy * grid.nx + ix)[ok], (w * k)[ok])
