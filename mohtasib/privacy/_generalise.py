"""Full-domain generalisation with suppression to reach a target k (and distinct l).

Every quasi-identifier has a hierarchy (:mod:`._hierarchies`); a *node* of the
generalisation lattice picks one level per quasi-identifier (Samarati 2001).
At a node, the records in classes smaller than ``k`` (or with fewer than ``l``
distinct sensitive values) are suppressed, the fewest a node allows, since a
failing class only passes whole; the node *satisfies* the target when the
suppressed share is at most ``max_suppression``.

Information loss is Sweeney's (2002) precision loss ``1 - Prec``, the mean over
quasi-identifiers of ``level / height`` of the chosen level; it grows strictly
up the lattice. Nodes are visited in order of that loss (best-first over the
whole lattice, as OLA finds a global optimum, El Emam et al. 2009), skipping
any node above one already known to satisfy, as in Incognito (LeFevre,
DeWitt & Ramakrishnan 2005): the first loss at which a node satisfies is the
optimum. Ties are broken by the discernibility metric (Bayardo & Agrawal 2005),
``Σ_kept f_j² + n · suppressed``, then by fewer suppressed records. Skipping is
safe even where a hierarchy is not a tree (grid cell → district): a skipped
node has a higher loss than the satisfying node below it, so it never wins.

Evaluation runs on a frequency table: records with equal codes at every level
are counted once, then each node is a group-by with weights.

References
----------
Samarati, P. (2001). IEEE TKDE 13(6), 1010-1027.
Sweeney, L. (2002). IJUFKS 10(5), 571-588.
LeFevre, K., DeWitt, D. J., & Ramakrishnan, R. (2005). Incognito: efficient
full-domain k-anonymity. SIGMOD 2005, 49-60.
El Emam, K., et al. (2009). A globally optimal k-anonymity method for the
de-identification of health data. JAMIA 16(5), 670-682.
Bayardo, R. J., & Agrawal, R. (2005). Data privacy through optimal k-anonymization. ICDE 2005.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mohtasib._validation import require_columns
from mohtasib.errors import ConfigError, InsufficientDataError
from mohtasib.privacy._equivalence import class_ids, class_stats, sensitive_codes
from mohtasib.privacy._hierarchies import CategoryHierarchy, EncodedHierarchy, Hierarchy
from mohtasib.privacy._kanon import AnonymityReport, _check_targets, _load, measure_anonymity

__all__ = ["GeneralisationResult", "generalise"]


@dataclass(frozen=True, eq=False)
class GeneralisationResult:
    """The generalised table and how it was reached.

    Attributes
    ----------
    data
        The released table: each quasi-identifier replaced by its generalised
        label, hierarchy input columns (e.g. ``lon``, ``lat``) removed,
        suppressed records removed.
    levels
        The chosen level name of each quasi-identifier.
    suppressed, suppression_fraction
        Records suppressed, and their share of the input.
    precision_loss
        Sweeney's ``1 - Prec``: mean of ``level / height`` (0 = as given, 1 = all ``*``).
    discernibility
        Bayardo & Agrawal's ``Σ f_j² + n · suppressed``.
    nodes_evaluated, lattice_size
        Lattice nodes evaluated, of all nodes.
    report
        :class:`AnonymityReport` of ``data``.
    """

    data: pd.DataFrame = field(repr=False)
    levels: Mapping[str, str]
    level_indices: Mapping[str, int]
    heights: Mapping[str, int]
    suppressed: int
    suppression_fraction: float
    max_suppression: float
    precision_loss: float
    discernibility: int
    nodes_evaluated: int
    lattice_size: int
    report: AnonymityReport

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (without the data)."""
        return {
            "kind": "generalisation",
            "levels": dict(self.levels),
            "level_indices": dict(self.level_indices),
            "heights": dict(self.heights),
            "suppressed": self.suppressed,
            "suppression_fraction": self.suppression_fraction,
            "max_suppression": self.max_suppression,
            "information_loss": {
                "precision_loss": self.precision_loss,
                "discernibility": self.discernibility,
                "method": "Sweeney (2002) precision; Bayardo & Agrawal (2005) discernibility",
            },
            "nodes_evaluated": self.nodes_evaluated,
            "lattice_size": self.lattice_size,
            "report": self.report.to_dict(),
        }


@dataclass(frozen=True)
class _Node:
    levels: tuple[int, ...]
    loss: float
    suppressed: int
    discernibility: int
    keep: np.ndarray = field(repr=False)


def generalise(
    data: pd.DataFrame | str | Path,
    *,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    quasi_identifiers: Sequence[str] = (),
    sensitive: str | None = None,
    k: int = 5,
    l: int | None = None,  # noqa: E741 - the standard name of the l-diversity parameter
    t: float | None = None,
    max_suppression: float = 0.05,
    source: str | None = None,
) -> GeneralisationResult:
    """Generalise and suppress the fewest records to reach k-anonymity (and distinct l).

    Parameters
    ----------
    data
        Incident table (frame or CSV/Parquet path).
    hierarchies
        Output quasi-identifier name → hierarchy, e.g.
        ``{"age": AgeHierarchy("age"), "place": LocationHierarchy("lon", "lat")}``.
    quasi_identifiers
        Further quasi-identifiers with no hierarchy: kept or suppressed (``*``) whole.
    sensitive
        Sensitive column; required when ``l`` is given.
    k, l
        Targets (``k >= 1``; ``l >= 1`` or None).
    t
        Only reported on the result (not a search target).
    max_suppression
        Largest share of records that may be suppressed, ``0 <= s < 1``.
    source
        Name used in errors and the report (default: the path, else ``"table"``).

    Raises
    ------
    InsufficientDataError
        Empty table, ``k`` above its size, or no node reaches the target.
    ConfigError
        Bad targets, ``l`` without ``sensitive``, ``max_suppression`` out of range.
    """
    frame, source = _load(data, source)
    hier: dict[str, Hierarchy] = dict(hierarchies or {})
    hier.update({q: CategoryHierarchy(q) for q in quasi_identifiers if q not in hier})
    qis = tuple(hier)
    _check_targets(qis, sensitive, k, l, t)
    if l is not None and sensitive is None:
        raise ConfigError("l-diversity needs a sensitive column", key="sensitive")
    if not 0.0 <= max_suppression < 1.0:
        raise ConfigError(
            f"got max_suppression={max_suppression}; want 0 <= s < 1", key="max_suppression"
        )
    inputs = tuple(dict.fromkeys(c for h in hier.values() for c in h.columns))
    require_columns(frame, (*inputs, *([sensitive] if sensitive else [])), source=source)
    n = len(frame)
    if n == 0:
        raise InsufficientDataError(f"{source}: the table has no rows")
    if k > n:
        raise InsufficientDataError(f"{source}: got k={k}, but the table has only {n} records")
    encoded = {q: h.encode(frame, source=source) for q, h in hier.items()}
    best, evaluated, size = _search(frame, encoded, sensitive, k, l, max_suppression)
    if best is None:
        raise InsufficientDataError(
            f"{source}: no generalisation reaches k={k}"
            + (f" and l={l}" if l is not None else "")
            + f" with at most {max_suppression:.1%} of records suppressed"
        )
    out = _release(frame, encoded, best, inputs, sensitive)
    report = measure_anonymity(
        out,
        qis,
        sensitive=sensitive,
        k=k,
        l=l,
        t=t,
        population=None,
        population_count=None,
        risk_threshold=None,
        max_classes_listed=100,
        source=f"{source} (generalised)",
    )
    return GeneralisationResult(
        data=out,
        levels={q: encoded[q].level_names[lv] for q, lv in zip(qis, best.levels, strict=True)},
        level_indices=dict(zip(qis, best.levels, strict=True)),
        heights={q: len(e.codes) - 1 for q, e in encoded.items()},
        suppressed=best.suppressed,
        suppression_fraction=best.suppressed / n,
        max_suppression=max_suppression,
        precision_loss=best.loss,
        discernibility=best.discernibility,
        nodes_evaluated=evaluated,
        lattice_size=size,
        report=report,
    )


def _frequency_table(
    frame: pd.DataFrame, encoded: Mapping[str, EncodedHierarchy], sensitive: str | None
) -> tuple[np.ndarray, list[tuple[np.ndarray, ...]], np.ndarray | None, int, np.ndarray]:
    """Collapse records equal at every level: (row id per record, codes, sens, m, weights)."""
    n = len(frame)
    parts: list[np.ndarray] = [c for e in encoded.values() for c in e.codes[:-1]]
    s_codes, m = None, 0
    if sensitive is not None:
        s_codes, m, _ = sensitive_codes(frame[sensitive])
        parts.append(s_codes)
    row, n_rows = class_ids(parts, n)
    first = np.flatnonzero(np.r_[True, np.diff(np.maximum.accumulate(row)) > 0])
    weights = np.bincount(row, minlength=n_rows).astype(float)
    codes = [tuple(c[first] for c in e.codes) for e in encoded.values()]
    return row, codes, None if s_codes is None else s_codes[first], m, weights


def _search(
    frame: pd.DataFrame,
    encoded: Mapping[str, EncodedHierarchy],
    sensitive: str | None,
    k: int,
    l: int | None,  # noqa: E741
    max_suppression: float,
) -> tuple[_Node | None, int, int]:
    row, raw, s_codes, m, weights = _frequency_table(frame, encoded, sensitive)
    dense = [[pd.factorize(c) for c in levels] for levels in raw]
    codes = [[d[0] for d in levels] for levels in dense]
    cards = [[max(len(d[1]), 1) for d in levels] for levels in dense]
    heights = [len(c) - 1 for c in codes]
    if l is None:
        s_codes = None
    bounds = _marginal_bounds(codes, cards, s_codes, m, weights, k, l)
    pairs = _PairBounds(codes, cards, s_codes, m, weights, k, l)
    lattice = sorted(
        itertools.product(*(range(h + 1) for h in heights)),
        key=lambda node: (round(_loss(node, heights), 12), sum(node), node),
    )
    n, limit = len(row), max_suppression * len(row)
    found: list[_Node] = []
    evaluated = 0
    for node in lattice:
        loss = _loss(node, heights)
        if found and loss > found[0].loss + 1e-12:
            break
        if any(all(a >= b for a, b in zip(node, f.levels, strict=True)) for f in found):
            continue
        if max(b[lv] for b, lv in zip(bounds, node, strict=True)) > limit:
            continue  # a single quasi-identifier already forces too much suppression
        if pairs.exceeds(node, heights, limit):
            continue  # so does a pair (Incognito's subset property)
        evaluated += 1
        pick = list(zip(codes, cards, node, strict=True))
        ids, n_classes = class_ids(
            [c[lv] for c, _, lv in pick], len(weights), [w[lv] for _, w, lv in pick], dense=False
        )
        stats = class_stats(ids, n_classes, s_codes, m, weights=weights, closeness=False)
        bad = stats.sizes < k
        if l is not None and stats.distinct is not None:
            bad |= stats.distinct < l
        suppressed = int(stats.sizes[bad].sum())
        if suppressed <= limit:
            kept = stats.sizes[~bad]
            disc = int((kept**2).sum()) + n * suppressed
            found.append(_Node(node, loss, suppressed, disc, ~bad[ids][row]))
    best = min(found, key=lambda f: (f.discernibility, f.suppressed)) if found else None
    return best, evaluated, len(lattice)


def _marginal_bounds(
    codes: list[list[np.ndarray]],
    cards: list[list[int]],
    s_codes: np.ndarray | None,
    m: int,
    weights: np.ndarray,
    k: int,
    l: int | None,  # noqa: E741
) -> list[list[int]]:
    """Records any node must suppress because of one quasi-identifier's level alone.

    A node's classes split each quasi-identifier's classes, so records in a class
    of one quasi-identifier that is smaller than k (or has fewer than l distinct
    sensitive values) fail at every node using that level: a lower bound on
    suppression that is cheap to check before grouping by every column.
    """
    out = []
    for levels, level_cards in zip(codes, cards, strict=True):
        row = []
        for c, card in zip(levels, level_cards, strict=True):
            stats = class_stats(c, card, s_codes, m, weights=weights, closeness=False)
            bad = stats.sizes < k
            if l is not None and stats.distinct is not None:
                bad |= stats.distinct < l
            row.append(int(stats.sizes[bad].sum()))
        out.append(row)
    return out


class _PairBounds:
    """Suppression forced by a pair of quasi-identifiers alone, computed lazily and cached."""

    def __init__(
        self,
        codes: list[list[np.ndarray]],
        cards: list[list[int]],
        s_codes: np.ndarray | None,
        m: int,
        weights: np.ndarray,
        k: int,
        l: int | None,  # noqa: E741
    ) -> None:
        self.codes, self.cards, self.s_codes, self.m = codes, cards, s_codes, m
        self.weights, self.k, self.l = weights, k, l
        self.cache: dict[tuple[int, int, int, int], int] = {}

    def exceeds(self, node: tuple[int, ...], heights: list[int], limit: float) -> bool:
        """Whether some pair of quasi-identifiers at the node's levels suppresses > limit."""
        live = [i for i, lv in enumerate(node) if lv < heights[i]]
        if len(live) < 3:  # with two or fewer the pair is the node itself
            return False
        return any(
            self._bound(i, node[i], j, node[j]) > limit for i, j in itertools.combinations(live, 2)
        )

    def _bound(self, i: int, a: int, j: int, b: int) -> int:
        key = (i, a, j, b)
        if key not in self.cache:
            ids, n_ids = class_ids(
                [self.codes[i][a], self.codes[j][b]],
                len(self.weights),
                [self.cards[i][a], self.cards[j][b]],
                dense=False,
            )
            stats = class_stats(
                ids, n_ids, self.s_codes, self.m, weights=self.weights, closeness=False
            )
            bad = stats.sizes < self.k
            if self.l is not None and stats.distinct is not None:
                bad |= stats.distinct < self.l
            self.cache[key] = int(stats.sizes[bad].sum())
        return self.cache[key]


def _loss(node: tuple[int, ...], heights: list[int]) -> float:
    return float(np.mean([lv / h if h else 0.0 for lv, h in zip(node, heights, strict=True)]))


def _release(
    frame: pd.DataFrame,
    encoded: Mapping[str, EncodedHierarchy],
    best: _Node,
    inputs: tuple[str, ...],
    sensitive: str | None,
) -> pd.DataFrame:
    kept = frame.loc[best.keep]
    columns: dict[str, Any] = {}
    for (q, e), lv in zip(encoded.items(), best.levels, strict=True):
        codes = e.codes[lv][best.keep]
        idx, uniques = pd.factorize(codes)
        columns[q] = e.decode(lv, np.asarray(uniques, dtype=np.int64))[idx]
    rest = [c for c in kept.columns if c not in inputs and c not in columns]
    out = pd.DataFrame(columns, index=kept.index).join(kept[rest])
    return out.reset_index(drop=True)
