"""Comparison-score tables: the long layout, the NIST BSSR1 matrix layout, and their checks.

A comparison is one probe sample scored against one reference sample. It is
*genuine* (mated) when both samples show the same subject, *impostor*
(non-mated) otherwise. Scores are stored similarity-oriented: distances are
negated on reading, so that everywhere inside the package "a match" means
``score >= threshold`` (for distances: ``distance <= threshold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.errors import InputError
from mohtasib.io import read_table, sha256_file

__all__ = [
    "COMPARISON_COLUMNS",
    "Comparisons",
    "comparisons_from_frame",
    "read_comparisons",
    "read_score_matrix",
]

#: Columns of the long comparisons layout (docs/reference/data-contracts.md).
COMPARISON_COLUMNS = ("probe_id", "reference_id", "probe_subject", "reference_subject", "score")

_CONVENTION = "higher_is_similar"


@dataclass(frozen=True, eq=False)
class Comparisons:
    """Validated comparison scores, subjects coded as integers.

    Attributes
    ----------
    subjects
        Subject identifiers; ``probe_subject`` and ``reference_subject`` index into it.
    probe_subject, reference_subject
        Integer codes (``int32``), one per comparison.
    score
        Similarity-oriented scores (``float64``): distances are stored negated.
    higher_is_similar
        The convention of the scores as supplied.
    symmetric
        Each row is an unordered pair (``a`` vs ``b`` is the same comparison as ``b`` vs ``a``).
    source, sha256
        Where the scores came from.
    warnings
        Counted problems that were resolved (dropped sentinel cells, ...).
    """

    subjects: tuple[str, ...]
    probe_subject: NDArray[np.int32]
    reference_subject: NDArray[np.int32]
    score: NDArray[np.float64]
    higher_is_similar: bool
    symmetric: bool = False
    source: str = "<memory>"
    sha256: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def genuine(self) -> NDArray[np.bool_]:
        """True for mated comparisons (probe and reference show the same subject)."""
        return np.asarray(self.probe_subject == self.reference_subject)

    @property
    def n(self) -> int:
        """Number of comparisons."""
        return int(self.score.size)

    def to_native(self, threshold: float) -> float:
        """Convert a similarity-oriented threshold back to the scores' own convention."""
        return threshold if self.higher_is_similar else -threshold


def _first_row(mask: NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def _check_scores(raw: pd.Series, source: str, on_nonfinite: str) -> tuple[NDArray[np.bool_], int]:
    score = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    text_bad = np.isnan(score) & raw.notna().to_numpy()
    if text_bad.any():
        row = _first_row(text_bad)
        raise InputError(
            f"got {raw.iloc[row - 1]!r}; want a number", source=source, row=row, column="score"
        )
    bad = ~np.isfinite(score)
    if bad.any() and on_nonfinite == "raise":
        row = _first_row(bad)
        raise InputError(
            f"got {score[row - 1]!r} ({int(bad.sum())} such rows); want a finite score "
            "(pass on_nonfinite='drop' to drop and count them)",
            source=source,
            row=row,
            column="score",
        )
    return ~bad, int(bad.sum())


def _check_ids(frame: pd.DataFrame, source: str, symmetric: bool) -> None:
    for column in COMPARISON_COLUMNS[:4]:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            raise InputError(
                "missing value; want an identifier",
                source=source,
                row=_first_row(missing),
                column=column,
            )
    probe, ref = frame["probe_id"].astype(str), frame["reference_id"].astype(str)
    same = (probe == ref).to_numpy()
    if same.any():
        raise InputError(
            f"sample {probe.iloc[_first_row(same) - 1]!r} is compared with itself; "
            "want different probe and reference samples",
            source=source,
            row=_first_row(same),
            column="reference_id",
        )
    key = pd.DataFrame({"a": probe, "b": ref})
    if symmetric:
        swap = (key["a"] > key["b"]).to_numpy()
        key.loc[swap, ["a", "b"]] = key.loc[swap, ["b", "a"]].to_numpy()
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:2] + 1
        raise InputError(
            f"duplicate comparison of the same pair of samples (rows {rows[0]} and {rows[1]}"
            + (", in either order" if symmetric else "")
            + "); want each pair once",
            source=source,
            row=int(rows[1]),
            column="reference_id",
        )


def _check_convention(frame: pd.DataFrame, higher_is_similar: bool, source: str) -> None:
    if _CONVENTION not in frame.columns:
        return
    flags = frame[_CONVENTION].astype(str).str.strip().str.lower().isin(["true", "1", "yes"])
    values = flags.to_numpy()
    if values.size and (values != values[0]).any():
        raise InputError(
            "mixed similarity and distance scores in one table; want one convention",
            source=source,
            row=_first_row(values != values[0]),
            column=_CONVENTION,
        )
    if values.size and bool(values[0]) != higher_is_similar:
        raise InputError(
            f"the table says {_CONVENTION}={bool(values[0])} but the audit was asked for "
            f"{_CONVENTION}={higher_is_similar}",
            source=source,
            row=1,
            column=_CONVENTION,
        )


def comparisons_from_frame(
    frame: pd.DataFrame,
    *,
    higher_is_similar: bool = True,
    symmetric: bool = False,
    on_nonfinite: str = "raise",
    source: str = "<memory>",
    sha256: str | None = None,
) -> Comparisons:
    """Validate a long comparisons table (columns :data:`COMPARISON_COLUMNS`).

    Parameters
    ----------
    frame
        One row per comparison. An optional ``higher_is_similar`` column must be
        constant and agree with ``higher_is_similar``.
    higher_is_similar
        True for similarity scores, False for distances (match if ``distance <= t``).
    symmetric
        Rows are unordered pairs; ``(a, b)`` and ``(b, a)`` then count as duplicates.
    on_nonfinite
        ``"raise"`` (default) or ``"drop"``: NaN or infinite scores are an
        InputError, or are dropped and counted in ``warnings``.
    source, sha256
        Where the table came from (used in errors and reports).

    Raises
    ------
    InputError
        A column is missing; an identifier is missing; a score is not a finite
        number; a sample is compared with itself; a pair appears twice;
        conventions are mixed. The error names the source, 1-based row and column.
    """
    missing = [c for c in COMPARISON_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError("column not found", source=source, column=missing[0])
    if on_nonfinite not in {"raise", "drop"}:
        raise ValueError(f"got on_nonfinite={on_nonfinite!r}; want 'raise' or 'drop'")
    _check_convention(frame, higher_is_similar, source)
    keep, dropped = _check_scores(frame["score"], source, on_nonfinite)
    _check_ids(frame, source, symmetric)
    kept = frame.loc[keep]
    codes, subjects = pd.factorize(
        pd.concat([kept["probe_subject"], kept["reference_subject"]]).astype(str), sort=True
    )
    half = len(kept)
    score = pd.to_numeric(kept["score"]).to_numpy(dtype=np.float64)
    warnings = (f"{dropped} comparisons with a NaN or infinite score were dropped",) * (dropped > 0)
    return Comparisons(
        subjects=tuple(str(s) for s in subjects),
        probe_subject=codes[:half].astype(np.int32),
        reference_subject=codes[half:].astype(np.int32),
        score=score if higher_is_similar else -score,
        higher_is_similar=higher_is_similar,
        symmetric=symmetric,
        source=source,
        sha256=sha256,
        warnings=warnings,
    )


def read_comparisons(
    path: str | Path,
    *,
    higher_is_similar: bool = True,
    symmetric: bool = False,
    on_nonfinite: str = "raise",
) -> Comparisons:
    """Read a long comparisons table from CSV or Parquet and validate it.

    See :func:`comparisons_from_frame` for the parameters and checks.
    """
    table = read_table(path)
    return comparisons_from_frame(
        table.frame,
        higher_is_similar=higher_is_similar,
        symmetric=symmetric,
        on_nonfinite=on_nonfinite,
        source=table.source,
        sha256=table.sha256,
    )


def read_score_matrix(
    path: str | Path, *, higher_is_similar: bool = True, sentinel: float | None = None
) -> Comparisons:
    """Read a square score matrix in the NIST BSSR1 layout.

    The first row holds reference (enrolled) subject ids, the first column probe
    subject ids; cell ``(i, j)`` is probe ``i`` scored against reference ``j``.
    A cell whose row and column ids are equal is genuine. Each row is one probe
    sample and each column one reference sample of the named subject.

    Parameters
    ----------
    path
        CSV file in the BSSR1 matrix layout.
    higher_is_similar
        True for similarity scores, False for distances.
    sentinel
        A score value meaning "no score" (BSSR1 matcher C uses -1.0 for a failed
        enrolment). Such cells are dropped and counted in ``warnings``.

    Raises
    ------
    InputError
        The file is missing or a cell is not a finite number (sentinels excepted).
    """
    source = str(path)
    if not Path(path).is_file():
        raise InputError("file not found", source=source)
    frame = pd.read_csv(path, index_col=0, dtype={0: str})
    frame.columns = frame.columns.astype(str).str.strip()
    frame.index = frame.index.astype(str).str.strip()
    values = frame.to_numpy(dtype=float)
    rows, cols = np.indices(values.shape)
    keep = np.ones(values.shape, dtype=bool)
    warnings: tuple[str, ...] = ()
    if sentinel is not None:
        keep = values != sentinel
        if (~keep).any():
            warnings = (f"{int((~keep).sum())} cells equal to the sentinel {sentinel} dropped",)
    bad = keep & ~np.isfinite(values)
    if bad.any():
        r, c = (int(x[0]) for x in np.nonzero(bad))
        raise InputError(
            f"got {values[r, c]!r}; want a finite score",
            source=source,
            row=r + 1,
            column=str(frame.columns[c]),
        )
    long = pd.DataFrame(
        {
            "probe_subject": frame.index.to_numpy()[rows[keep]],
            "reference_subject": frame.columns.to_numpy()[cols[keep]],
            "score": values[keep],
        }
    )
    long["probe_id"] = long["probe_subject"] + "/probe"
    long["reference_id"] = long["reference_subject"] + "/reference"
    out = comparisons_from_frame(
        long, higher_is_similar=higher_is_similar, source=source, sha256=sha256_file(path)
    )
    return Comparisons(**{**out.__dict__, "warnings": warnings})
