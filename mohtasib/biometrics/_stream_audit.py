"""The 1:1 verification audit in one streamed pass over a Parquet comparisons table.

:func:`audit_stream` gives the same :class:`BiometricAudit` as
:func:`~mohtasib.biometrics.audit_comparisons` without holding the scores in
memory. Per record batch it keeps:

* integer counts per (probe group, reference group, threshold bin) over a
  threshold grid that contains the operating threshold
  (:mod:`~mohtasib.biometrics._streaming`): FMR, FNMR and the cross-group
  matrix at the operating threshold are **exact**;
* for the subject-level bootstrap, the *per-subject-pair* counts of false
  matches and impostor comparisons inside each group, and per-subject counts of
  false non-matches and genuine comparisons, at the operating threshold. These
  are the sufficient statistics of the clustered bootstrap of Bolle, Ratha &
  Pankanti (2004) used in memory (:mod:`~mohtasib.biometrics._bootstrap`):
  resampling subjects from them gives **the same replicates, draw for draw**,
  as the in-memory path with the same seed. Memory grows with the number of
  distinct within-group subject pairs, not with the number of rows;
* a 128-bit hash of every ``(probe_id, reference_id)`` pair, spilled to
  temporary bucket files, so that duplicate pairs are found after the pass
  (an error naming both rows, as in memory); a probe compared with itself is
  an error at once. Two different pairs share a hash with probability about
  ``n**2 / 2**129`` (below 1e-20 for 10^8 rows). A file without the id
  columns cannot be checked: a counted warning says so.

What differs from the in-memory path, by design: DET curves, EERs and the
threshold advice are computed on the grid (exact counts at every grid point,
``grid_points`` points between the smallest and largest score, read from the
Parquet statistics), not at every distinct score; the check for swapped
similarity/distance conventions compares means rather than medians.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray
from scipy import sparse

from mohtasib.biometrics._audit import (
    _fta,
    _group_flags,
    _opt,
    _summaries,
    check_safeguards,
    det_curve,
    group_warnings,
    input_records,
)
from mohtasib.biometrics._bootstrap import GroupCounts, clustered_bootstrap
from mohtasib.biometrics._estimates import error_rates
from mohtasib.biometrics._result import (
    BiometricAudit,
    CrossGroupCell,
    DetCurve,
    GroupErrorRates,
    ThresholdAdvice,
    ThresholdRow,
)
from mohtasib.biometrics._streaming import _group_codes, _Lookup
from mohtasib.biometrics._subjects import Samples, SubjectTable, read_samples, read_subjects
from mohtasib.errors import InputError
from mohtasib.io import sha256_file

__all__ = ["audit_stream"]

Int = NDArray[np.int64]
Float = NDArray[np.float64]
_SUBJECT_COLUMNS = ("probe_subject", "reference_subject", "score")
_ID_COLUMNS = ("probe_id", "reference_id")
_CONVENTION = "higher_is_similar"
_KEYS = (b"mohtasib-pair-k1", b"mohtasib-pair-k2")
_BUCKETS = 16
_RECORD = np.dtype([("k1", "<u8"), ("k2", "<u8"), ("row", "<i8")])


def _mix(a: NDArray[np.uint64], b: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """A 64-bit hash of an ordered pair of 64-bit hashes (splitmix64 finaliser)."""
    with np.errstate(over="ignore"):
        x = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E019))
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _hashes(column: pa.Array | pa.ChunkedArray) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Two independent 64-bit hashes of each identifier (hashing each distinct value once)."""
    encoded = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    values = np.asarray(encoded.dictionary.cast(pa.string()).to_pylist(), dtype=object)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    out = []
    for key in _KEYS:
        table = pd.util.hash_array(values, hash_key=key.decode(), categorize=False)
        out.append(np.asarray(table, dtype=np.uint64)[indices])
    return out[0], out[1]


class _PairCheck:
    """Self-comparisons at once; duplicate pairs from hashed, bucketed spill files."""

    def __init__(self, source: str, symmetric: bool, folder: Path) -> None:
        self.source, self.symmetric = source, symmetric
        self.files = [open(folder / f"pairs-{b}.bin", "wb") for b in range(_BUCKETS)]  # noqa: SIM115
        self.paths = [folder / f"pairs-{b}.bin" for b in range(_BUCKETS)]

    def add(self, probe: pa.Array, reference: pa.Array, offset: int) -> None:
        """Check one batch's id columns; ``offset`` is the rows read before it."""
        for name, column in (("probe_id", probe), ("reference_id", reference)):
            if column.null_count:
                row = offset + int(np.flatnonzero(column.is_null().to_numpy(False))[0]) + 1
                raise InputError(
                    "missing value; want an identifier", source=self.source, row=row, column=name
                )
        same = pc.equal(probe.cast(pa.string()), reference.cast(pa.string())).to_numpy(False)
        if same.any():
            first = int(np.flatnonzero(same)[0])
            raise InputError(
                f"sample {probe.cast(pa.string())[first].as_py()!r} is compared with itself; "
                "want different probe and reference samples",
                source=self.source,
                row=offset + first + 1,
                column="reference_id",
            )
        p1, p2 = _hashes(probe.cast(pa.string()))
        r1, r2 = _hashes(reference.cast(pa.string()))
        if self.symmetric:  # an unordered pair: put the smaller hash first
            swap = (p1 > r1) | ((p1 == r1) & (p2 > r2))
            p1, r1 = np.where(swap, r1, p1), np.where(swap, p1, r1)
            p2, r2 = np.where(swap, r2, p2), np.where(swap, p2, r2)
        records = np.empty(p1.size, dtype=_RECORD)
        records["k1"], records["k2"] = _mix(p1, r1), _mix(p2, r2)
        records["row"] = np.arange(offset, offset + p1.size)
        bucket = (records["k1"] >> np.uint64(60)).astype(np.intp)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(_BUCKETS + 1))
        for b in range(_BUCKETS):
            records[order[bounds[b] : bounds[b + 1]]].tofile(self.files[b])

    def close(self) -> None:
        """Close the spill files (idempotent)."""
        for f in self.files:
            f.close()

    def finish(self) -> None:
        """Raise on the first duplicated pair: the smallest row that repeats an earlier one."""
        self.close()
        first: tuple[int, int] | None = None
        for path in self.paths:
            records = np.fromfile(path, dtype=_RECORD)
            if records.size < 2:
                continue
            records.sort(order=["k1", "k2", "row"])
            same = (records["k1"][1:] == records["k1"][:-1]) & (
                records["k2"][1:] == records["k2"][:-1]
            )
            if same.any():
                later = records["row"][1:][same]
                pick = int(np.argmin(later))
                pair = (int(records["row"][:-1][same][pick]), int(later[pick]))
                if first is None or pair[1] < first[1]:
                    first = pair
        if first is not None:
            a, b = first[0] + 1, first[1] + 1
            raise InputError(
                f"duplicate comparison of the same pair of samples (rows {a} and {b}"
                + (", in either order" if self.symmetric else "")
                + "); want each pair once",
                source=self.source,
                row=b,
                column="reference_id",
            )


def _grid(parquet: pq.ParquetFile, threshold: float, points: int) -> Float:
    """Thresholds (scores' own convention): the operating point and an even grid over the scores."""
    column = parquet.schema_arrow.get_field_index("score")
    lo, hi = np.inf, -np.inf
    meta = parquet.metadata
    stats = [meta.row_group(i).column(column).statistics for i in range(meta.num_row_groups)]
    if all(s is not None and s.has_min_max for s in stats):
        for s in stats:
            lo, hi = min(lo, float(s.min)), max(hi, float(s.max))
    else:
        for batch in parquet.iter_batches(columns=["score"], batch_size=1 << 22):
            values = batch.column(0).to_numpy(zero_copy_only=False).astype(float)
            values = values[np.isfinite(values)]
            if values.size:
                lo, hi = min(lo, float(values.min())), max(hi, float(values.max()))
    if not np.isfinite(lo) or not np.isfinite(hi):
        return np.array([threshold])
    return np.unique(np.r_[threshold, np.linspace(lo, hi, max(points, 2))])


class _Pass:
    """Everything accumulated in the one pass over the file."""

    def __init__(self, subjects: SubjectTable, sim_grid: Float, t_sim: float, sign: float) -> None:
        self.sign = sign
        self.g, self.n_t = len(subjects.group_names), sim_grid.size
        self.sim_grid, self.t_sim = sim_grid, t_sim
        n = len(subjects.ids)
        self.fm_hist = np.zeros(self.g * self.g * (self.n_t + 1), dtype=np.int64)
        self.gen_hist = np.zeros(self.g * (self.n_t + 1), dtype=np.int64)
        self.appeared = np.zeros(n, dtype=bool)
        self.fnm = np.zeros(n)
        self.gen = np.zeros(n)
        self.fm_pairs = sparse.csr_matrix((n, n))
        self.imp_pairs = sparse.csr_matrix((n, n))
        self.sums = np.zeros(2)  # similarity-oriented score sums: genuine, impostor
        self.counts = np.zeros(2, dtype=np.int64)

    def add(self, pg: Int, rg: Int, ps: Int, rs: Int, sim: Float, symmetric: bool) -> None:
        g, n_t = self.g, self.n_t
        bins = np.searchsorted(self.sim_grid, sim, side="right")
        genuine = ps == rs
        self.appeared[ps] = True
        self.appeared[rs] = True
        a, b = (np.minimum(pg, rg), np.maximum(pg, rg)) if symmetric else (pg, rg)
        cell = (a * g + b) * (n_t + 1) + bins
        self.fm_hist += np.bincount(cell[~genuine], minlength=self.fm_hist.size)
        self.gen_hist += np.bincount(
            pg[genuine] * (n_t + 1) + bins[genuine], minlength=self.gen_hist.size
        )
        match = sim >= self.t_sim
        n = self.appeared.size
        self.fnm += np.bincount(ps[genuine], weights=~match[genuine], minlength=n)
        self.gen += np.bincount(ps[genuine], minlength=n)
        within = ~genuine & (pg == rg)
        i, j = ps[within], rs[within]
        self.fm_pairs = (
            self.fm_pairs
            + sparse.coo_matrix((match[within].astype(float), (i, j)), shape=(n, n)).tocsr()
        )
        self.imp_pairs = (
            self.imp_pairs + sparse.coo_matrix((np.ones(i.size), (i, j)), shape=(n, n)).tocsr()
        )
        self.sums += (sim[genuine].sum(), sim[~genuine].sum())
        self.counts += (int(genuine.sum()), int((~genuine).sum()))

    def counts_at(self, symmetric: bool) -> tuple[Int, Int, Int, Int]:
        """``k[p, r, t]``, ``n[p, r]``, ``kn[g, t]``, ``nn[g]`` over the grid (ascending sim)."""
        g, n_t = self.g, self.n_t
        fm = self.fm_hist.reshape(g, g, n_t + 1)
        if symmetric:
            upper = np.triu(np.ones((g, g), dtype=bool), k=1)
            fm = fm + np.where(upper.T[..., None], fm.transpose(1, 0, 2), 0)
        gen = self.gen_hist.reshape(g, n_t + 1)
        above = np.cumsum(fm[..., ::-1], axis=-1)[..., ::-1][..., 1:]
        below = np.cumsum(gen, axis=-1)[:, :-1]
        return above, fm.sum(axis=-1), below, gen.sum(axis=-1)

    def group_counts(self, subjects: SubjectTable) -> list[GroupCounts]:
        """Per group, subjects that took part numbered in id order (as in memory)."""
        out = []
        ids = np.asarray(subjects.ids, dtype=str)
        fm, imp = self.fm_pairs.tocsr(), self.imp_pairs.tocsr()
        for grp in range(self.g):
            members = np.flatnonzero(self.appeared & (subjects.group == grp))
            members = members[np.argsort(ids[members], kind="stable")]
            out.append(
                GroupCounts(
                    n_subjects=members.size,
                    per_subject={"fnm": self.fnm[members], "gen": self.gen[members]},
                    per_pair={
                        "fm": fm[members][:, members].tocsr(),
                        "imp": imp[members][:, members].tocsr(),
                    },
                )
            )
        return out


def _det(
    names: tuple[str, ...],
    grid: Float,
    native: float,
    k: Int,
    n: Int,
    kn: Int,
    nn: Int,
    points: int,
) -> list[DetCurve]:
    out = []
    for g, name in enumerate(names):
        if not (n[g, g] and nn[g]):
            out.append(DetCurve(name, (), (), (), None, None))
            continue
        fmr, fnmr = k[g, g] / n[g, g], kn[g] / nn[g]
        out.append(det_curve(name, grid, fmr, fnmr, native=native, points=points))
    return out


def _advice(
    names: tuple[str, ...],
    grid: Float,
    at: int,
    target: float,
    native: float,
    counts: tuple[Int, Int, Int, Int],
) -> tuple[ThresholdAdvice, list[str]]:
    if not 0 <= target < 1:
        raise ValueError(f"got fmr_target={target}; want 0 <= target < 1")
    k, n, kn, nn = counts
    per_group = np.full(len(names), -np.inf)
    for g in range(len(names)):
        if n[g, g]:
            ok = np.flatnonzero(k[g, g] <= target * n[g, g] + 1e-9)
            per_group[g] = grid[ok[0]] if ok.size else np.inf
    best = float(per_group.max(initial=-np.inf))
    j = int(np.searchsorted(grid, best)) if np.isfinite(best) else at
    rows, notes = [], []
    for g, name in enumerate(names):
        nf, ng = int(n[g, g]), int(nn[g])
        fm = [k[g, g, i] / nf if nf else None for i in (at, j)]
        fn = [kn[g, i] / ng if ng else None for i in (at, j)]
        rows.append(
            ThresholdRow(
                name,
                fm[0],
                fm[1],
                fn[0],
                fn[1],
                _opt(per_group[g] * native),
                bool(np.isfinite(best) and per_group[g] == best),
            )
        )
        if 0 < nf < 3 / target:
            notes.append(
                f"group {name!r}: {nf} impostor comparisons cannot show FMR <= "
                f"{target:g} (rule of three needs {int(np.ceil(3 / target))})"
            )
    notes.append(
        f"streamed: the advised threshold is the lowest of {grid.size} grid thresholds meeting "
        "the target, not an exact score"
    )
    return ThresholdAdvice(target, grid[at] * native, _opt(best * native), tuple(rows)), notes


class _Convention:
    """Checks an optional ``higher_is_similar`` column: constant, and as the audit was asked."""

    def __init__(self, source: str, higher_is_similar: bool) -> None:
        self.source, self.want = source, higher_is_similar
        self.first: bool | None = None

    def add(self, column: pa.Array, offset: int) -> None:
        """Check one batch's flags; ``offset`` is the rows read before it."""
        text = column.to_pandas().astype(str).str.strip().str.lower()
        flags = text.isin(["true", "1", "yes"]).to_numpy()
        if not flags.size:
            return
        if self.first is None:
            self.first = bool(flags[0])
            if self.first != self.want:
                raise InputError(
                    f"the table says higher_is_similar={self.first} but the audit was asked "
                    f"for higher_is_similar={self.want}",
                    source=self.source,
                    row=offset + 1,
                    column="higher_is_similar",
                )
        other = flags != self.first
        if other.any():
            raise InputError(
                "mixed similarity and distance scores in one table; want one convention",
                source=self.source,
                row=offset + int(np.flatnonzero(other)[0]) + 1,
                column="higher_is_similar",
            )


def _one_pass(
    parquet: pq.ParquetFile,
    source: str,
    subj: SubjectTable,
    grid: Float,
    t_sim: float,
    sign: float,
    symmetric: bool,
    batch_size: int,
    with_ids: bool,
    convention: _Convention | None,
) -> tuple[_Pass, int]:
    """Read the file once: counts, bootstrap statistics and the pair checks."""
    state = _Pass(subj, grid, t_sim, sign)
    probe, ref = _Lookup(subj), _Lookup(subj)
    columns = [*_SUBJECT_COLUMNS, *(_ID_COLUMNS if with_ids else ())]
    if convention is not None:
        columns.append(_CONVENTION)
    rows = 0
    with tempfile.TemporaryDirectory(prefix="mohtasib-pairs-") as folder:
        check = _PairCheck(source, symmetric, Path(folder)) if with_ids else None
        try:
            for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
                if convention is not None:
                    convention.add(batch.column(len(columns) - 1), rows)
                if check is not None:
                    check.add(batch.column(3), batch.column(4), rows)
                pg, ps = _group_codes(batch.column(0), subj, source, "probe_subject", rows, probe)
                rg, rs = _group_codes(batch.column(1), subj, source, "reference_subject", rows, ref)
                score = (
                    batch.column(2).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
                )
                finite = np.isfinite(score)
                if not finite.all():
                    first = int(np.flatnonzero(~finite)[0])
                    raise InputError(
                        f"got {score[first]!r}; want a finite score",
                        source=source,
                        row=rows + first + 1,
                        column="score",
                    )
                state.add(pg, rg, ps, rs, score * state.sign, symmetric)
                rows += batch.num_rows
            if check is not None:
                check.finish()
        finally:
            if check is not None:
                check.close()
    return state, rows


def _stream_warnings(
    subj: SubjectTable, state: _Pass, rows: int, with_ids: bool, groups: list[GroupErrorRates]
) -> list[str]:
    """Counted warnings, in the order of the in-memory audit."""
    warnings = list(subj.warnings)
    if not with_ids:
        warnings.append(
            f"{rows} comparisons: duplicate pairs and self-comparisons not checked (the file "
            "has no probe_id/reference_id columns)"
        )
    means = state.sums / np.maximum(state.counts, 1)
    if state.counts.all() and means[0] < means[1]:
        warnings.append(
            "genuine comparisons score as less similar than impostor ones: check "
            "--higher-is-similar / --lower-is-similar"
        )
    return warnings + group_warnings(groups)


def audit_stream(
    path: str | Path,
    subjects: str | Path | SubjectTable,
    *,
    group_by: Sequence[str],
    threshold: float,
    higher_is_similar: bool = True,
    symmetric: bool = False,
    fmr_target: float | None = None,
    samples: str | Path | Samples | None = None,
    policy: str | Path | Mapping[str, Any] | None = None,
    alpha: float = 0.5,
    confidence: float = 0.95,
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
    det_points: int = 200,
    grid_points: int = 2000,
    batch_size: int = 1 << 20,
) -> BiometricAudit:
    """Audit 1:1 verification error rates by group in one pass over a Parquet file.

    Parameters are those of :func:`~mohtasib.biometrics.audit_comparisons`, plus:

    grid_points
        Thresholds of the grid for DET curves, EERs and threshold advice.
    batch_size
        Rows per record batch.

    Returns
    -------
    BiometricAudit
        FMR, FNMR and FTA per group, the cross-group matrix, the summaries and
        their subject-level bootstrap intervals: equal to the in-memory audit
        with the same seed. DET curves, EERs and threshold advice are on the
        grid (see the module docstring).

    Raises
    ------
    InputError
        A missing file or column, a missing identifier, a subject absent from the
        subjects table, a NaN or infinite score, a sample compared with itself, a
        pair listed twice, or an optional ``higher_is_similar`` column that is
        mixed or contradicts ``higher_is_similar`` (1-based rows of the file).
    """
    source = str(path)
    if not Path(path).is_file():
        raise InputError("file not found", source=source)
    subj = (
        subjects
        if isinstance(subjects, SubjectTable)
        else read_subjects(subjects, group_by=group_by)
    )
    samp = samples if isinstance(samples, Samples) or samples is None else read_samples(samples)
    parquet = pq.ParquetFile(path)
    have = set(parquet.schema_arrow.names)
    for column in _SUBJECT_COLUMNS:
        if column not in have:
            raise InputError("column not found", source=source, column=column)
    with_ids = all(c in have for c in _ID_COLUMNS)
    native = 1.0 if higher_is_similar else -1.0
    grid = np.sort(_grid(parquet, threshold, grid_points) * native)  # similarity, ascending
    t_sim = threshold * native
    at = int(np.searchsorted(grid, t_sim))
    state, rows = _one_pass(
        parquet,
        source,
        subj,
        grid,
        t_sim,
        native,
        symmetric,
        batch_size,
        with_ids,
        _Convention(source, higher_is_similar) if _CONVENTION in have else None,
    )
    k, n, kn, nn = counts = state.counts_at(symmetric)
    names, n_groups = subj.group_names, len(subj.group_names)
    diag = np.arange(n_groups)
    rng = np.random.default_rng(random_state)
    reps_fm = reps_fn = None
    if n_bootstrap:
        boot = clustered_bootstrap(state.group_counts(subj), n_boot=n_bootstrap, rng=rng)
        reps_fm, reps_fn = (boot["fm"], boot["imp"]), (boot["fnm"], boot["gen"])
    fmr, fmr_reps = error_rates(k[diag, diag, at], n[diag, diag], reps_fm, confidence=confidence)
    fnmr, fnmr_reps = error_rates(kn[:, at], nn, reps_fn, confidence=confidence)
    fta = _fta(samp, subj, n_bootstrap, rng, confidence)
    curves = _det(names, grid, native, k, n, kn, nn, det_points)
    in_comparisons = np.bincount(subj.group[state.appeared], minlength=n_groups)
    groups = [
        GroupErrorRates(
            names[g],
            int(in_comparisons[g]),
            fmr[g],
            fnmr[g],
            fta[g],
            curves[g].eer,
            _group_flags(fmr[g], fnmr[g]),
        )
        for g in range(n_groups)
    ]
    reps = (fmr_reps, fnmr_reps) if n_bootstrap else None
    summary = _summaries(fmr, fnmr, reps, alpha, confidence, names)
    warnings = _stream_warnings(subj, state, rows, with_ids, groups)
    advice = None
    if fmr_target is not None:
        advice, notes = _advice(names, grid, at, fmr_target, native, counts)
        warnings.extend(notes)
    safeguards = check_safeguards(policy, groups)
    inputs = input_records(
        {"role": "comparisons", "source": source, "sha256": sha256_file(path), "rows": rows},
        subj,
        samp,
    )
    parameters = {
        "alpha": alpha,
        "confidence": confidence,
        "n_bootstrap": n_bootstrap,
        "random_state": random_state,
        "fmr_target": fmr_target,
        "symmetric": symmetric,
        "match_rule": "score >= threshold" if higher_is_similar else "score <= threshold",
        "streamed": {"batch_size": batch_size, "grid_points": int(grid.size)},
    }
    return BiometricAudit(
        threshold=threshold,
        higher_is_similar=higher_is_similar,
        group_by=subj.group_by,
        groups=tuple(groups),
        cross_group_fmr=tuple(
            CrossGroupCell(
                names[p],
                names[r],
                k[p, r, at] / n[p, r] if n[p, r] else None,
                int(k[p, r, at]),
                int(n[p, r]),
            )
            for p in range(n_groups)
            for r in range(n_groups)
        ),
        summary=summary,
        threshold_advice=advice,
        det_curves=tuple(curves),
        safeguards=safeguards,
        inputs=tuple(inputs),
        parameters=parameters,
        warnings=tuple(warnings),
    )
