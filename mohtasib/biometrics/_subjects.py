"""Subjects and their attributes; groups; per-sample failure-to-acquire flags.

A *group* is one combination of the ``group_by`` attributes, labelled by joining
the values with ``|`` in ``group_by`` order (``"0-2|Female"``). A subject with a
missing attribute falls in a group whose label says ``missing``: reported, never
silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.biometrics._comparisons import Comparisons
from mohtasib.errors import InputError
from mohtasib.io import read_table

__all__ = [
    "MISSING",
    "Samples",
    "SubjectTable",
    "read_samples",
    "read_subjects",
    "samples_from_frame",
    "subjects_from_frame",
]

#: Label of a missing attribute value inside a group label.
MISSING = "missing"

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


@dataclass(frozen=True, eq=False)
class SubjectTable:
    """Subjects with the group each belongs to.

    Attributes
    ----------
    ids
        Subject identifiers, as text.
    group
        Group code of each subject (index into ``group_names``).
    group_names
        Group labels, sorted.
    group_by
        The attributes that define the groups.
    """

    ids: pd.Index
    group: NDArray[np.int32]
    group_names: tuple[str, ...]
    group_by: tuple[str, ...]
    source: str = "<memory>"
    sha256: str | None = None
    warnings: tuple[str, ...] = ()

    def groups_of(self, comparisons: Comparisons) -> NDArray[np.int32]:
        """Group code of each subject of ``comparisons`` (in ``comparisons.subjects`` order).

        Raises
        ------
        InputError
            A subject of the comparisons is not in this table; names the
            comparisons file, the first row that uses it and its column.
        """
        where = self.ids.get_indexer(pd.Index(comparisons.subjects))
        absent = np.flatnonzero(where < 0)
        if absent.size:
            code = int(absent[0])
            first = [
                (int(hits[0]), column)
                for column, hits in (
                    ("probe_subject", np.flatnonzero(comparisons.probe_subject == code)),
                    ("reference_subject", np.flatnonzero(comparisons.reference_subject == code)),
                )
                if hits.size
            ]
            row, column = min(first)
            raise InputError(
                f"subject {comparisons.subjects[code]!r} is not in the subjects table "
                f"{self.source} ({absent.size} such subjects); want every compared subject "
                "listed with its attributes",
                source=comparisons.source,
                row=row + 1,
                column=column,
            )
        return self.group[where].astype(np.int32)


def subjects_from_frame(
    frame: pd.DataFrame,
    *,
    group_by: Sequence[str],
    subject_column: str = "subject_id",
    source: str = "<memory>",
    sha256: str | None = None,
) -> SubjectTable:
    """Validate a subjects table and assign each subject its group.

    Raises
    ------
    InputError
        A column is missing, a subject id is missing or listed twice.
    """
    if not group_by:
        raise InputError("want at least one attribute to group by", source=source)
    for column in (subject_column, *group_by):
        if column not in frame.columns:
            have = ", ".join(map(str, frame.columns[:30]))
            raise InputError(
                f"column not found; the file has: {have}", source=source, column=column
            )
    ids = frame[subject_column]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1
        raise InputError("missing subject id", source=source, row=row, column=subject_column)
    text = ids.astype(str).str.strip()
    dup = text.duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0]) + 1
        raise InputError(
            f"subject {text.iloc[row - 1]!r} is listed twice",
            source=source,
            row=row,
            column=subject_column,
        )
    parts = [frame[a].astype("string").str.strip().fillna(MISSING) for a in group_by]
    labels = parts[0].copy()
    for part in parts[1:]:
        labels = labels + "|" + part
    codes, names = pd.factorize(labels, sort=True)
    n_missing = int(sum((frame[a].isna()).sum() for a in group_by))
    warnings = (
        f"{n_missing} missing attribute values; those subjects are in groups labelled {MISSING!r}",
    ) * (n_missing > 0)
    return SubjectTable(
        ids=pd.Index(text.to_numpy()),
        group=codes.astype(np.int32),
        group_names=tuple(str(n) for n in names),
        group_by=tuple(group_by),
        source=source,
        sha256=sha256,
        warnings=warnings,
    )


def read_subjects(
    path: str | Path, *, group_by: Sequence[str], subject_column: str = "subject_id"
) -> SubjectTable:
    """Read a subjects table (CSV or Parquet): one row per subject with its attributes."""
    table = read_table(path)
    return subjects_from_frame(
        table.frame,
        group_by=group_by,
        subject_column=subject_column,
        source=table.source,
        sha256=table.sha256,
    )


@dataclass(frozen=True, eq=False)
class Samples:
    """Per-sample failure-to-acquire (FTA) flags.

    ``subject`` holds subject ids (text); ``fta`` is True where no usable
    template could be made from the sample (no face found, quality too low).
    """

    subject: NDArray[np.object_]
    fta: NDArray[np.bool_]
    source: str = "<memory>"
    sha256: str | None = None


def samples_from_frame(
    frame: pd.DataFrame, *, source: str = "<memory>", sha256: str | None = None
) -> Samples:
    """Validate a samples table with columns ``sample_id``, ``subject_id``, ``fta`` (0/1).

    Raises
    ------
    InputError
        A column is missing, a sample is listed twice or ``fta`` is not 0/1/true/false.
    """
    for column in ("sample_id", "subject_id", "fta"):
        if column not in frame.columns:
            raise InputError("column not found", source=source, column=column)
    dup = frame["sample_id"].astype(str).duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0]) + 1
        raise InputError("sample listed twice", source=source, row=row, column="sample_id")
    flag = frame["fta"].astype("string").str.strip().str.lower()
    bad = (~flag.isin(_TRUE | _FALSE)).fillna(True).to_numpy(dtype=bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got {frame['fta'].iloc[row - 1]!r}; want 0/1 or true/false",
            source=source,
            row=row,
            column="fta",
        )
    return Samples(
        subject=frame["subject_id"].astype(str).str.strip().to_numpy(dtype=object),
        fta=flag.isin(_TRUE).to_numpy(dtype=bool),
        source=source,
        sha256=sha256,
    )


def read_samples(path: str | Path) -> Samples:
    """Read a samples table (CSV or Parquet) of failure-to-acquire flags."""
    table = read_table(path)
    return samples_from_frame(table.frame, source=table.source, sha256=table.sha256)
