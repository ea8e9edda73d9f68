"""Differentially private counts per cell, charged to a privacy-budget ledger.

:func:`release_counts` counts rows per cell of ``by`` in the engine, aligns the counts
to a public key set, adds discrete Laplace or discrete Gaussian noise with OpenDP
(see :mod:`mohtasib.privacy._dp_mechanism`), clamps at zero and records the release in
a :class:`~mohtasib.privacy.PrivacyBudget`.

Order of work, so that a refused release draws no noise and changes no file:
validate parameters → lock the budget file → check the budget → count → draw noise →
write the budget (atomic) → unlock.

References
----------
Dwork, McSherry, Nissim & Smith (2006), "Calibrating noise to sensitivity in private
data analysis", TCC. Canonne, Kamath & Steinke (2020), "The discrete Gaussian for
differential privacy", NeurIPS. OpenDP Library documentation, https://docs.opendp.org.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.errors import ConfigError
from mohtasib.privacy._budget import PrivacyBudget, atomic_write_text, locked_budget_file
from mohtasib.privacy._dp_cells import align_to_keys, count_cells, read_keys
from mohtasib.privacy._dp_mechanism import calibrate

__all__ = ["DP_SCHEMA_VERSION", "DpRelease", "release_counts"]

#: Version of the JSON layout written by :meth:`DpRelease.to_dict`.
DP_SCHEMA_VERSION = "1.0"

#: Columns the released table adds to the ``by`` columns.
RELEASE_COLUMNS = ("count", "noisy_count", "error_bound_95")

_NO_KEYS = (
    "a public key set is required: pass keys (a CSV with one row per cell to release) or "
    "build one from public value lists (keys_from_product / --keys-from-product). Releasing "
    "only the cells that occur in the data would reveal that each of them holds at least one "
    "person, whatever noise the counts get"
)


@dataclass(frozen=True)
class DpRelease:
    """A differentially private table of counts, and how it was made.

    Attributes
    ----------
    table
        One row per key: the ``by`` columns, ``count`` (the noisy count clamped at 0,
        an integer: post-processing, which costs no privacy), ``noisy_count`` (before
        clamping; its expectation is the true count, so sums of it have no clamping
        bias) and ``error_bound_95``.
    by
        The cell columns.
    mechanism, epsilon, delta
        The mechanism and the guarantee it was calibrated to.
    max_contributions
        The most rows one person was assumed to contribute (the sensitivity).
    scale
        The noise scale (discrete Laplace ``b`` or discrete Gaussian ``σ``).
    error_bound_95
        ``a`` such that each cell's noise satisfies ``|noise| < a`` with probability
        at least 0.95. It is for the noise alone, before clamping at 0.
    budget
        The budget after this release was charged.
    description
        The text recorded in the budget ledger.
    custodian_warnings
        Facts about the exact data (e.g. cells outside the key set and their rows).
        They are NOT differentially private: for the data holder, never for publication.
    """

    table: pd.DataFrame
    by: tuple[str, ...]
    mechanism: str
    epsilon: float
    delta: float
    max_contributions: int
    scale: float
    error_bound_95: float
    budget: PrivacyBudget
    description: str
    custodian_warnings: tuple[str, ...] = ()

    @property
    def cells(self) -> int:
        """Number of released cells (the size of the key set)."""
        return len(self.table)

    def to_dict(self, *, include_cells: bool = True) -> dict[str, Any]:
        """Return the JSON view; ``include_cells=False`` gives the summary only."""
        out: dict[str, Any] = {
            "schema_version": DP_SCHEMA_VERSION,
            "kind": "dp_release",
            "by": list(self.by),
            "mechanism": self.mechanism,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "max_contributions": self.max_contributions,
            "noise_scale": self.scale,
            "error_bound_95": self.error_bound_95,
            "error_bound_note": "95 % bound on each cell's noise, before clamping at 0",
            "cells": self.cells,
            "description": self.description,
            "budget": self.budget.to_dict(),
            "custodian_warnings": list(self.custodian_warnings),
        }
        if include_cells:
            out["table"] = [
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                for row in self.table.to_dict(orient="records")
            ]
        return out

    def write_csv(self, path: str | Path) -> None:
        """Write :attr:`table` as CSV atomically (temporary file, fsync, rename)."""
        atomic_write_text(Path(path), self.table.to_csv(index=False, lineterminator="\n"))


@contextlib.contextmanager
def _budget_session(
    budget: PrivacyBudget | str | Path,
) -> Iterator[tuple[PrivacyBudget, Path | None]]:
    if isinstance(budget, PrivacyBudget):
        yield budget, None
        return
    with locked_budget_file(budget) as path:
        yield PrivacyBudget.load(path), path


def release_counts(
    data: Any,
    *,
    by: Sequence[str],
    epsilon: float,
    budget: PrivacyBudget | str | Path,
    delta: float | None = None,
    keys: str | Path | pd.DataFrame | None = None,
    mechanism: str = "laplace",
    max_contributions: int = 1,
    month_from: str | None = None,
    description: str | None = None,
    engine: str | None = None,
    random_state: object = None,
) -> DpRelease:
    """Release counts per cell of ``by`` with differential privacy.

    Parameters
    ----------
    data
        Person-level rows (one row per recorded event or person): a CSV/Parquet path,
        a pandas DataFrame, a :class:`~mohtasib.io.LoadedTable` or an Ibis table.
    by
        Cell columns, e.g. ``("district", "month")``.
    epsilon
        ε of this release. Requires a finite ``epsilon > 0``.
    budget
        A budget file path (locked, checked, and rewritten atomically after the release)
        or an in-memory :class:`PrivacyBudget` (the charged budget is returned in
        :attr:`DpRelease.budget`; keeping it is the caller's job).
    delta
        δ of this release; required (``0 < delta < 1``) for ``gaussian``, None for ``laplace``.
    keys
        The public key set: a CSV path or DataFrame with the ``by`` columns, one row per
        cell to release (see :func:`keys_from_product`). Required.
    mechanism
        ``laplace`` (discrete Laplace, pure ε-DP) or ``gaussian`` (discrete Gaussian,
        (ε, δ)-DP).
    max_contributions
        The most rows any one person contributes to ``data``. The sensitivity of the
        count vector (L1 and L2) is this number, allowing for all of a person's rows
        to fall in one cell. Requires ``>= 1``; the data holder must ensure it holds.
    month_from
        A date/timestamp column from which a ``month`` cell column (``YYYY-MM``) is derived.
    description
        Text for the budget ledger; default ``counts by <by>``.
    engine
        ``duckdb`` (default) or ``spark``, for data not already in an Ibis table.
    random_state
        Must be None. OpenDP samples from the operating system's secure generator and
        cannot be seeded; a seeded release would let anyone with the seed remove the noise.

    Returns
    -------
    DpRelease

    Raises
    ------
    ConfigError
        No key set, a bad parameter, a seed, or an unreadable budget file.
    PolicyViolation
        The release would exceed the budget; no noise was drawn and nothing was written.
    StoreConflict
        Another release holds the budget file's lock.
    InputError, InsufficientDataError
        Missing columns, unreadable dates, or no rows.
    """
    if random_state is not None:
        raise ConfigError(
            "got a random_state; OpenDP draws noise from the operating system's secure "
            "generator and cannot be seeded (a known seed would let anyone remove the noise)",
            key="random_state",
        )
    if keys is None:
        raise ConfigError(_NO_KEYS, key="keys")
    by = tuple(by)
    noise = calibrate(mechanism, epsilon=epsilon, delta=delta, sensitivity=max_contributions)
    key_set = read_keys(keys, by=by)
    text = description or f"counts by {', '.join(by)}"
    with _budget_session(budget) as (current, path):
        current.check(noise.epsilon, noise.delta)
        counts = count_cells(data, by=by, engine=engine, month_from=month_from)
        exact, dropped_cells, dropped_rows = align_to_keys(counts, key_set)
        noisy = noise.add_noise(exact)
        charged = current.charge(
            epsilon=noise.epsilon, delta=noise.delta, mechanism=noise.name, description=text
        )
        if path is not None:
            charged.save(path)
    bound = noise.accuracy(0.05)
    table = key_set.copy()
    table["count"] = np.maximum(noisy, 0)
    table["noisy_count"] = noisy
    table["error_bound_95"] = bound
    warnings = _custodian_warnings(counts.rows, dropped_cells, dropped_rows)
    return DpRelease(
        table=table,
        by=by,
        mechanism=noise.name,
        epsilon=noise.epsilon,
        delta=noise.delta,
        max_contributions=max_contributions,
        scale=noise.scale,
        error_bound_95=bound,
        budget=charged,
        description=text,
        custodian_warnings=warnings,
    )


def _custodian_warnings(rows: int, dropped_cells: int, dropped_rows: int) -> tuple[str, ...]:
    if not dropped_cells:
        return ()
    return (
        f"{dropped_cells} cell(s) holding {dropped_rows} of {rows} row(s) are not in the key "
        "set (rows with a missing cell value included) and were not released; exact "
        "figures, not for publication",
    )
