"""Generalisation hierarchies for quasi-identifiers: age bands, time, location, categories.

A hierarchy turns one quasi-identifier into a ladder of ever coarser values,
level 0 the finest and the last level ``*`` (the attribute suppressed), as in
the domain generalisation hierarchies of Samarati (2001) and Sweeney (2002).
Every hierarchy here is a tree: each value at level ``i + 1`` is a union of
values at level ``i``, except the step from grid cells to districts (a grid cell
may straddle a district boundary; the search in :mod:`._generalise` stays
correct, see there).

:meth:`Hierarchy.encode` maps a table to one integer code array per level
(vectorised, one pass per level) and returns a decoder that labels codes; the
lattice search works on the codes only and labels the chosen level once.

References
----------
Samarati, P. (2001). Protecting respondents' identities in microdata release.
IEEE TKDE 13(6), 1010-1027.
Sweeney, L. (2002). Achieving k-anonymity privacy protection using
generalization and suppression. IJUFKS 10(5), 571-588.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from mohtasib.errors import ConfigError, InputError

__all__ = [
    "SUPPRESSED",
    "AgeHierarchy",
    "CategoryHierarchy",
    "EncodedHierarchy",
    "Hierarchy",
    "LocationHierarchy",
    "TimeHierarchy",
]

#: Label of a fully generalised (suppressed) value, the top of every hierarchy.
SUPPRESSED = "*"
#: Label of a missing value; missing values form their own group at every level but the top.
MISSING = "missing"
#: Mean Earth radius in metres (IUGG), used by the local equirectangular projection.
EARTH_RADIUS_M = 6_371_008.8

Decoder = Callable[[int, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EncodedHierarchy:
    """A hierarchy applied to one table: integer codes per level and a labeller.

    ``codes[i]`` holds one int64 code per record at level ``i``; code ``-1``
    means missing. ``decode(level, codes)`` returns the labels of the given codes.
    """

    level_names: tuple[str, ...]
    codes: tuple[np.ndarray, ...]
    decode: Decoder = field(repr=False)


class Hierarchy(Protocol):
    """What the lattice search needs from a hierarchy."""

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns the hierarchy reads."""
        ...

    def encode(self, frame: pd.DataFrame, *, source: str) -> EncodedHierarchy:
        """Return the codes of every level for ``frame``."""
        ...


def _top(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


def _with_missing(labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    out = labels.astype(object)
    out[codes < 0] = MISSING
    return out


@dataclass(frozen=True)
class AgeHierarchy:
    """Age in years → bands of ``widths`` years → ``*``.

    Parameters
    ----------
    column
        Numeric age column (years, at least 0). Fractions are truncated.
    widths
        Band widths, finest first; each must divide the next so the bands nest
        (default 5, 10, 20 years: ``20-24`` → ``20-29`` → ``20-39``).
    """

    column: str = "age"
    widths: tuple[int, ...] = (5, 10, 20)

    def __post_init__(self) -> None:
        if any(w < 1 for w in self.widths):
            raise ConfigError(f"got age band widths {self.widths}; want positive integers")
        for small, big in itertools.pairwise(self.widths):
            if big % small:
                raise ConfigError(
                    f"got age band widths {self.widths}; each must divide the next so bands nest"
                )

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns the hierarchy reads."""
        return (self.column,)

    def encode(self, frame: pd.DataFrame, *, source: str) -> EncodedHierarchy:
        """Return exact ages, then bands, then ``*``."""
        values = pd.to_numeric(frame[self.column], errors="coerce").to_numpy(float, na_value=np.nan)
        bad = (~np.isnan(values) & (values < 0)) | (np.isnan(values) & frame[self.column].notna())
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 1
            raise InputError(
                f"got {frame[self.column].iloc[row - 1]!r}; want an age in years (>= 0)",
                source=source,
                row=row,
                column=self.column,
            )
        years = np.where(np.isnan(values), -1, np.floor(np.nan_to_num(values))).astype(np.int64)
        codes = [years]
        codes += [np.where(years < 0, -1, years // w * w) for w in self.widths]
        codes.append(_top(len(years)))
        widths = (1, *self.widths)

        def decode(level: int, c: np.ndarray) -> np.ndarray:
            if level == len(widths):
                return np.full(len(c), SUPPRESSED, dtype=object)
            w = widths[level]
            labels = (
                c.astype(str)
                if w == 1
                else np.char.add(np.char.add(c.astype(str), "-"), (c + w - 1).astype(str))
            )
            return _with_missing(labels, c)

        names = ("age", *(f"{w}-year band" for w in self.widths), SUPPRESSED)
        return EncodedHierarchy(names, tuple(codes), decode)


_TIME_LEVELS = ("hour", "day", "week", "month")
_NS_HOUR = 3_600 * 10**9
_NS_DAY = 24 * _NS_HOUR


@dataclass(frozen=True)
class TimeHierarchy:
    """Timestamp → hour → day → week of the month → month → ``*``.

    Weeks are the blocks of days 1-7, 8-14, 15-21, 22-28 and 29-31 of each
    month, so that weeks nest in months (a calendar week can straddle two).
    Timezone-aware timestamps are generalised in their own local time.

    Parameters
    ----------
    column
        Timestamp column (datetime or parseable text).
    levels
        Which of ``hour``, ``day``, ``week``, ``month`` to use, finest first.
    """

    column: str = "occurred_at"
    levels: tuple[str, ...] = _TIME_LEVELS

    def __post_init__(self) -> None:
        order = [_TIME_LEVELS.index(v) for v in self.levels if v in _TIME_LEVELS]
        if len(order) != len(self.levels) or not self.levels or order != sorted(set(order)):
            raise ConfigError(
                f"got time levels {self.levels}; want a non-empty ordered subset of {_TIME_LEVELS}"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns the hierarchy reads."""
        return (self.column,)

    def encode(self, frame: pd.DataFrame, *, source: str) -> EncodedHierarchy:
        """Return the codes of each time level, then ``*``."""
        raw = frame[self.column]
        try:
            stamps = pd.to_datetime(raw, errors="coerce")
        except (TypeError, ValueError) as exc:  # mixed time zones
            raise InputError(
                f"cannot read timestamps: {exc}", source=source, column=self.column
            ) from None
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_localize(None)
        bad = stamps.isna().to_numpy() & raw.notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 1
            raise InputError(
                f"got {raw.iloc[row - 1]!r}; want a timestamp",
                source=source,
                row=row,
                column=self.column,
            )
        missing = stamps.isna().to_numpy()
        ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        day = ns // _NS_DAY
        month = (
            stamps.dt.year.to_numpy(float, na_value=0) * 12
            + stamps.dt.month.to_numpy(float, na_value=1)
            - 1
        )
        dom = stamps.dt.day.to_numpy(float, na_value=1)
        by_level = {
            "hour": ns // _NS_HOUR,
            "day": day,
            "week": month.astype(np.int64) * 5 + ((dom.astype(np.int64) - 1) // 7),
            "month": month.astype(np.int64),
        }
        codes = [np.where(missing, -1, by_level[name]) for name in self.levels]
        codes.append(_top(len(ns)))
        levels = self.levels

        def decode(level: int, c: np.ndarray) -> np.ndarray:
            if level == len(levels):
                return np.full(len(c), SUPPRESSED, dtype=object)
            return _with_missing(_time_labels(levels[level], c), c)

        return EncodedHierarchy((*levels, SUPPRESSED), tuple(codes), decode)


def _time_labels(level: str, codes: np.ndarray) -> np.ndarray:
    safe = np.maximum(codes, 0)
    if level in ("hour", "day"):
        unit = _NS_HOUR if level == "hour" else _NS_DAY
        fmt = "%Y-%m-%d %H:00" if level == "hour" else "%Y-%m-%d"
        return np.asarray(pd.to_datetime(safe * unit).strftime(fmt), dtype=object)
    month = safe // 5 if level == "week" else safe
    text = np.char.add(
        np.char.add((month // 12).astype(str), "-"), np.char.zfill((month % 12 + 1).astype(str), 2)
    )
    if level == "month":
        return text.astype(object)
    first = (safe % 5) * 7 + 1
    last = np.where(first == 29, 31, first + 6)
    days = np.char.add(np.char.add(" days ", first.astype(str)), np.char.add("-", last.astype(str)))
    return np.char.add(text, days).astype(object)


@dataclass(frozen=True)
class LocationHierarchy:
    """Point (lon, lat) → grid cells of ``cell_sizes_m`` → district → ``*``.

    Cells come from a local equirectangular projection about the data's mean
    latitude, ``x = R·λ·cos φ0``, ``y = R·φ``, anchored at (0, 0) so that cells
    of sizes that are multiples of each other nest. Within ±1° of latitude of
    φ0 the east-west scale error is below 3.1 % (``cos φ / cos φ0``; at 31° N,
    Lahore); cell labels give the cell's centre, so no point is published.

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude columns (degrees).
    cell_sizes_m
        Square cell sizes in metres, finest first; each must divide the next.
    district
        Optional district (area) column used as the level above the largest cell.
    """

    lon: str = "lon"
    lat: str = "lat"
    cell_sizes_m: tuple[int, ...] = (250, 1000, 5000)
    district: str | None = "district"

    def __post_init__(self) -> None:
        sizes = self.cell_sizes_m
        if any(s <= 0 for s in sizes) or any(b % a for a, b in itertools.pairwise(sizes)):
            raise ConfigError(
                f"got cell sizes {sizes}; want positive metres, each dividing the next"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns the hierarchy reads."""
        return (self.lon, self.lat) + ((self.district,) if self.district else ())

    def encode(self, frame: pd.DataFrame, *, source: str) -> EncodedHierarchy:
        """Return point codes, cell codes, district codes, then ``*``."""
        lon = _coordinate(frame, self.lon, 180.0, source)
        lat = _coordinate(frame, self.lat, 90.0, source)
        missing = np.isnan(lon) | np.isnan(lat)
        phi0 = float(np.radians(np.nanmean(lat))) if not missing.all() else 0.0
        x = EARTH_RADIUS_M * np.radians(np.nan_to_num(lon)) * np.cos(phi0)
        y = EARTH_RADIUS_M * np.radians(np.nan_to_num(lat))
        micro_lon = np.round((np.nan_to_num(lon) + 180.0) * 1e6).astype(np.int64)
        micro_lat = np.round((np.nan_to_num(lat) + 90.0) * 1e6).astype(np.int64)
        codes = [np.where(missing, -1, micro_lon * 200_000_000 + micro_lat)]
        for size in self.cell_sizes_m:
            ix = np.floor(x / size).astype(np.int64) + 2**30
            iy = np.floor(y / size).astype(np.int64) + 2**30
            codes.append(np.where(missing, -1, ix * 2**31 + iy))
        names = ["point", *(f"{s} m cell" for s in self.cell_sizes_m)]
        uniques: Any = np.empty(0, dtype=object)
        if self.district:
            dcodes, uniques = pd.factorize(frame[self.district], use_na_sentinel=True)
            codes.append(dcodes.astype(np.int64))
            names.append("district")
        codes.append(_top(len(lon)))
        names.append(SUPPRESSED)
        sizes = self.cell_sizes_m

        def decode(level: int, c: np.ndarray) -> np.ndarray:
            safe = np.maximum(c, 0)
            if level == len(names) - 1:
                return np.full(len(c), SUPPRESSED, dtype=object)
            if level == 0:
                lo, la = safe // 200_000_000 / 1e6 - 180.0, safe % 200_000_000 / 1e6 - 90.0
                return _with_missing(_pairs(la, lo, 6), c)
            if level <= len(sizes):
                size = sizes[level - 1]
                cx = (safe // 2**31 - 2**30 + 0.5) * size
                cy = (safe % 2**31 - 2**30 + 0.5) * size
                la = np.degrees(cy / EARTH_RADIUS_M)
                lo = np.degrees(cx / (EARTH_RADIUS_M * np.cos(phi0)))
                return _with_missing(np.char.add(f"{size} m cell @ ", _pairs(la, lo, 5)), c)
            return _with_missing(np.asarray(uniques, dtype=object)[safe].astype(str), c)

        return EncodedHierarchy(tuple(names), tuple(codes), decode)


def _pairs(lat: np.ndarray, lon: np.ndarray, digits: int) -> np.ndarray:
    return np.char.add(
        np.char.add(np.round(lat, digits).astype(str), ","), np.round(lon, digits).astype(str)
    )


def _coordinate(frame: pd.DataFrame, column: str, bound: float, source: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float, na_value=np.nan)
    bad = (np.isnan(values) & frame[column].notna().to_numpy()) | (np.abs(values) > bound)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got {frame[column].iloc[row - 1]!r}; want degrees between -{bound:g} and {bound:g}",
            source=source,
            row=row,
            column=column,
        )
    return values


@dataclass(frozen=True)
class CategoryHierarchy:
    """Category → merged categories (one user mapping per level) → ``*``.

    Parameters
    ----------
    column
        Categorical column.
    mappings
        One mapping per level, each from the previous level's labels to merged
        labels; labels a mapping does not name are kept as they are. With no
        mappings the hierarchy is just value → ``*``.
    """

    column: str
    mappings: Sequence[Mapping[str, str]] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns the hierarchy reads."""
        return (self.column,)

    def encode(self, frame: pd.DataFrame, *, source: str) -> EncodedHierarchy:
        """Return the codes of the raw and merged categories, then ``*``."""
        base_codes, base = pd.factorize(frame[self.column], use_na_sentinel=True)
        labels = pd.Index(np.asarray(base, dtype=object).astype(str))
        codes = [base_codes.astype(np.int64)]
        tables = [np.asarray(labels, dtype=object)]
        for mapping in self.mappings:
            merged = pd.Index(labels.map(lambda v, m=mapping: m.get(v, v)))
            level_codes, uniques = pd.factorize(merged)
            codes.append(np.where(base_codes < 0, -1, level_codes[np.maximum(base_codes, 0)]))
            tables.append(np.asarray(uniques, dtype=object))
            labels = merged
        codes.append(_top(len(base_codes)))

        def decode(level: int, c: np.ndarray) -> np.ndarray:
            if level == len(tables):
                return np.full(len(c), SUPPRESSED, dtype=object)
            if len(tables[level]) == 0:
                return np.full(len(c), MISSING, dtype=object)
            return _with_missing(tables[level][np.maximum(c, 0)], c)

        names = (self.column, *(f"merge {i + 1}" for i in range(len(self.mappings))), SUPPRESSED)
        return EncodedHierarchy(names, tuple(codes), decode)
