"""Streamed error counts over a Parquet comparisons table too large to hold in memory.

The table is read in record batches (:meth:`pyarrow.parquet.ParquetFile.iter_batches`),
only the columns ``probe_subject, reference_subject, score``. Each batch adds to
integer counts per (probe group, reference group, threshold bin), so memory is
bounded by the batch size and ``G * G * T`` counters, whatever the number of rows:

* for a sorted threshold set ``t_1 < ... < t_T`` each similarity-oriented score
  falls in bin ``b = #{j: t_j <= score}`` (:func:`numpy.searchsorted`,
  ``side="right"``); a reverse cumulative sum over the bins gives
  ``#{score >= t_j}``, the false matches at ``t_j`` **exactly** (same
  ``score >= t`` rule as :mod:`~mohtasib.biometrics._rates`); the forward sum
  gives the false non-matches ``#{score < t_j}``.
* a DET curve is the same count over a fine threshold grid (a histogram): exact
  at every grid point, interpolated by nothing.

Subject columns are dictionary-encoded per batch, so each distinct subject id is
looked up once per batch rather than once per row. Checks on the stream: every
score finite and every subject in the subjects table (an error names the
batch's first bad row). Duplicate pairs and self-comparisons are **not**
checked here (only the subject columns are read); :func:`~mohtasib.biometrics.audit_stream`
checks both on the stream, and :func:`read_comparisons` in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import ArrayLike, NDArray

from mohtasib.biometrics._subjects import SubjectTable
from mohtasib.errors import InputError

__all__ = ["StreamedCounts", "iter_comparison_batches", "stream_counts"]

Int = NDArray[np.int64]
_COLUMNS = ("probe_subject", "reference_subject", "score")


@dataclass(frozen=True, eq=False)
class StreamedCounts:
    """Error counts of a streamed comparisons table at a set of thresholds.

    Attributes
    ----------
    thresholds
        The thresholds, ascending, in the scores' own convention.
    group_names
        Group labels; index ``g`` of every array below.
    false_matches
        ``k[p, r, t]``: impostor comparisons of probe group ``p`` against
        reference group ``r`` that match at ``thresholds[t]``.
    impostor
        ``n[p, r]``: impostor comparisons per cell.
    false_non_matches
        ``k[g, t]``: genuine comparisons of group ``g`` that do not match.
    genuine
        ``n[g]``: genuine comparisons per group.
    rows, batches
        Comparisons and record batches read.
    higher_is_similar, symmetric
        Score convention; whether rows are unordered pairs (then ``[p, r]`` and
        ``[r, p]`` both hold the pairs between the two groups).
    """

    thresholds: NDArray[np.float64]
    group_names: tuple[str, ...]
    false_matches: Int
    impostor: Int
    false_non_matches: Int
    genuine: Int
    rows: int
    batches: int
    higher_is_similar: bool
    symmetric: bool

    def group_false_matches(self) -> tuple[Int, Int]:
        """``k[g, t]`` and ``n[g]`` of impostor pairs with both subjects in group ``g``."""
        g = np.arange(len(self.group_names))
        return self.false_matches[g, g], self.impostor[g, g]

    def fmr(self) -> NDArray[np.float64]:
        """Same-group FMR ``[g, t]``; NaN where a group has no impostor comparisons."""
        k, n = self.group_false_matches()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n[:, None] > 0, k / np.maximum(n, 1)[:, None], np.nan)

    def fnmr(self) -> NDArray[np.float64]:
        """FNMR ``[g, t]``; NaN where a group has no genuine comparisons."""
        n = self.genuine[:, None]
        return np.where(n > 0, self.false_non_matches / np.maximum(n, 1), np.nan)


def iter_comparison_batches(
    path: str | Path, *, batch_size: int = 1 << 20
) -> Iterator[pa.RecordBatch]:
    """Record batches of ``probe_subject, reference_subject, score`` from a Parquet file.

    Raises
    ------
    InputError
        The file is missing or lacks one of the columns.
    """
    source = str(path)
    if not Path(path).is_file():
        raise InputError("file not found", source=source)
    parquet = pq.ParquetFile(path)
    have = set(parquet.schema_arrow.names)
    for column in _COLUMNS:
        if column not in have:
            raise InputError("column not found", source=source, column=column)
    yield from parquet.iter_batches(batch_size=batch_size, columns=list(_COLUMNS))


class _Lookup:
    """Subject position of each entry of a batch's dictionary, reused while it repeats.

    Parquet writers usually keep one dictionary per column chunk, so consecutive
    batches often carry an equal dictionary: it is then looked up only once.
    """

    def __init__(self, subjects: SubjectTable) -> None:
        self.subjects = subjects
        self.dictionary: pa.Array | None = None
        self.ids = pd.Index([])
        self.where: NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def __call__(self, dictionary: pa.Array) -> tuple[pd.Index, NDArray[np.int64]]:
        """Return the dictionary's ids and their positions in the subjects table (-1: absent)."""
        if self.dictionary is None or not dictionary.equals(self.dictionary):
            self.dictionary = dictionary
            self.ids = pd.Index(dictionary.cast(pa.string()).to_pylist()).str.strip()
            self.where = self.subjects.ids.get_indexer(self.ids).astype(np.int64)
        return self.ids, self.where


def _group_codes(
    column: pa.Array | pa.ChunkedArray,
    subjects: SubjectTable,
    source: str,
    name: str,
    offset: int,
    lookup_of: _Lookup,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Group code and subject position of each row of one subject column."""
    encoded = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    if encoded.null_count:
        row = offset + int(np.flatnonzero(encoded.is_null().to_numpy(zero_copy_only=False))[0])
        raise InputError(
            "missing value; want an identifier", source=source, row=row + 1, column=name
        )
    ids, where = lookup_of(encoded.dictionary)
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if (where < 0).any():
        bad = np.flatnonzero(where[indices] < 0)
        if bad.size:
            raise InputError(
                f"subject {ids[indices[bad[0]]]!r} is not in the subjects table "
                f"{subjects.source}; want every compared subject listed with its attributes",
                source=source,
                row=offset + int(bad[0]) + 1,
                column=name,
            )
    lookup = np.where(where >= 0, subjects.group[np.maximum(where, 0)], -1).astype(np.int64)
    return lookup[indices], where[indices]


def stream_counts(
    path: str | Path,
    subjects: SubjectTable,
    *,
    thresholds: ArrayLike,
    higher_is_similar: bool = True,
    symmetric: bool = False,
    batch_size: int = 1 << 20,
) -> StreamedCounts:
    """Count false matches and non-matches per group cell at thresholds, in one pass.

    Parameters
    ----------
    path
        Parquet file with ``probe_subject, reference_subject, score`` (other
        columns are not read). A row is genuine when both subjects are the same.
    subjects
        Subjects and their groups (:func:`read_subjects`).
    thresholds
        Thresholds in the scores' own convention: the requested operating
        points, a fine grid for DET curves, or both.
    higher_is_similar
        Similarity scores (match if ``score >= t``) or distances (``score <= t``).
    symmetric
        Rows are unordered pairs: the cross-group matrix is folded and mirrored,
        as in :func:`build_index`.
    batch_size
        Rows per record batch; memory grows with it, not with the file.

    Returns
    -------
    StreamedCounts
        Exact counts, equal to those of :func:`build_index` on the whole table.

    Raises
    ------
    InputError
        Missing file or column, a missing subject id, a subject absent from the
        subjects table, or a NaN or infinite score (1-based row of the file).
    """
    native = np.unique(np.asarray(thresholds, dtype=float))
    if native.size == 0 or not np.isfinite(native).all():
        raise ValueError("want at least one finite threshold")
    sign = 1.0 if higher_is_similar else -1.0
    sim = np.sort(native * sign)  # similarity-oriented, ascending
    n_t, g = sim.size, len(subjects.group_names)
    source = str(path)
    fm_hist = np.zeros(g * g * (n_t + 1), dtype=np.int64)
    gen_hist = np.zeros(g * (n_t + 1), dtype=np.int64)
    rows = batches = 0
    probe, ref = _Lookup(subjects), _Lookup(subjects)
    for batch in iter_comparison_batches(path, batch_size=batch_size):
        pg, ps = _group_codes(batch.column(0), subjects, source, "probe_subject", rows, probe)
        rg, rs = _group_codes(batch.column(1), subjects, source, "reference_subject", rows, ref)
        score = batch.column(2).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        finite = np.isfinite(score)
        if not finite.all():
            row = rows + int(np.flatnonzero(~finite)[0]) + 1
            raise InputError(
                f"got {score[row - rows - 1]!r}; want a finite score",
                source=source,
                row=row,
                column="score",
            )
        bins = np.searchsorted(sim, score * sign, side="right")
        genuine = ps == rs
        if symmetric:
            pg, rg = np.minimum(pg, rg), np.maximum(pg, rg)
        cell = (pg * g + rg) * (n_t + 1) + bins
        if genuine.any():
            fm_hist += np.bincount(cell[~genuine], minlength=fm_hist.size)
            gen_hist += np.bincount(
                pg[genuine] * (n_t + 1) + bins[genuine], minlength=gen_hist.size
            )
        else:
            fm_hist += np.bincount(cell, minlength=fm_hist.size)
        rows += batch.num_rows
        batches += 1
    fm = fm_hist.reshape(g, g, n_t + 1)
    if symmetric:
        upper = np.triu(np.ones((g, g), dtype=bool), k=1)
        fm = fm + np.where(upper.T[..., None], fm.transpose(1, 0, 2), 0)
    gen = gen_hist.reshape(g, n_t + 1)
    # bin b holds scores with exactly b thresholds <= score: matches at t_j are bins > j
    above = np.cumsum(fm[..., ::-1], axis=-1)[..., ::-1][..., 1:]
    below = np.cumsum(gen, axis=-1)[:, :-1]
    order = np.argsort(sim * sign, kind="stable")
    return StreamedCounts(
        thresholds=(sim * sign)[order],
        group_names=subjects.group_names,
        false_matches=above[..., order],
        impostor=fm.sum(axis=-1),
        false_non_matches=below[:, order],
        genuine=gen.sum(axis=-1),
        rows=rows,
        batches=batches,
        higher_is_similar=higher_is_similar,
        symmetric=symmetric,
    )
