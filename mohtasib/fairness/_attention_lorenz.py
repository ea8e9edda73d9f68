"""Concentration of attention across areas: the Lorenz curve, its Gini, and income bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mohtasib.fairness._attention_result import IncomeBand, LorenzCurve

__all__ = ["income_bands", "lorenz_curve"]


def lorenz_curve(attention: np.ndarray, population: np.ndarray) -> LorenzCurve:
    """Lorenz curve and Gini of attention per resident across areas (Lorenz 1905; Gini 1912).

    Requires ``population > 0`` for every area. Areas are sorted by
    ``attention / population``; the Gini is ``1 − Σ_i (X_i − X_{i−1})(Y_i + Y_{i−1})``
    over the cumulative resident shares ``X`` and attention shares ``Y`` (the
    trapezoid form of one minus twice the area under the curve), None when there is no attention.
    """
    order = np.argsort(attention / population, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(population[order]) / population.sum()])
    total = attention.sum()
    if total <= 0:
        return LorenzCurve(tuple(x.tolist()), tuple(np.zeros_like(x).tolist()), None)
    y = np.concatenate([[0.0], np.cumsum(attention[order]) / total])
    gini = 1.0 - float(np.sum(np.diff(x) * (y[1:] + y[:-1])))
    return LorenzCurve(tuple(x.tolist()), tuple(y.tolist()), gini)


def income_bands(frame: pd.DataFrame, bands: int) -> tuple[IncomeBand, ...]:
    """Attention per 1,000 residents in quantile bands of income over areas (1 = lowest)."""
    known = frame.dropna(subset=["income"])
    if known.empty:
        return ()
    labels = pd.qcut(known["income"], q=bands, labels=False, duplicates="drop")
    out = []
    for band, part in known.groupby(labels.to_numpy(dtype=int)):
        population, attention = float(part["total"].sum()), float(part["count"].sum())
        out.append(
            IncomeBand(
                band=int(band) + 1,  # type: ignore[call-overload]
                low=float(part["income"].min()),
                high=float(part["income"].max()),
                areas=len(part),
                population=population,
                attention=attention,
                per_1000=1000.0 * attention / population if population > 0 else None,
            )
        )
    return tuple(out)
