"""1:N identification: FPIR and FNIR per group at a threshold and rank.

Definitions (ISO/IEC 19795-1:2021; Grother, Ngan & Hanaoka, NIST IR 8271, 2019):

* **FPIR(t, R)** -- share of *non-mated* searches (the probe's subject is not
  enrolled) that return at least one candidate at rank ``<= R`` with a score at
  or above ``t``;
* **FNIR(t, R)** -- share of *mated* searches whose mate is not returned at
  rank ``<= R`` with a score at or above ``t``.

A search belongs to the group of its probe subject. Intervals are
Clopper-Pearson (one search per probe).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib._json import json_number
from mohtasib.biometrics._intervals import clopper_pearson_interval
from mohtasib.biometrics._subjects import _FALSE, _TRUE, SubjectTable, read_subjects
from mohtasib.biometrics._summaries import max_min_ratio
from mohtasib.errors import InputError
from mohtasib.io import read_table

__all__ = [
    "IDENTIFICATION_SCHEMA_VERSION",
    "IdentificationAudit",
    "IdentificationRates",
    "audit_identification",
    "identification_rates",
]

#: Version of the JSON layout written by :meth:`IdentificationAudit.to_dict`.
IDENTIFICATION_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class IdentificationRates:
    """FPIR and FNIR of one group's searches, with counts and Clopper-Pearson intervals."""

    group: str
    n_mated: int
    n_nonmated: int
    fnir: float | None
    fnir_ci: tuple[float, float] | None
    fpir: float | None
    fpir_ci: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _check(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise InputError("column not found", source=source, column=column)


def _mated(column: pd.Series) -> NDArray[np.bool_]:
    text = column.astype("string").str.strip().str.lower()
    bad = (~text.isin(_TRUE | _FALSE)).fillna(True).to_numpy(dtype=bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(
            f"got {column.iloc[row - 1]!r}; want 0/1 or true/false",
            source="searches",
            row=row,
            column="mated",
        )
    return text.isin(_TRUE).to_numpy(dtype=bool)


def identification_rates(
    candidates: pd.DataFrame,
    searches: pd.DataFrame,
    subjects: SubjectTable,
    *,
    threshold: float,
    rank: int,
    higher_is_similar: bool = True,
    confidence: float = 0.95,
) -> tuple[IdentificationRates, ...]:
    """FPIR and FNIR per group of the probe subject.

    Parameters
    ----------
    candidates
        Candidate lists: ``probe_id, rank, reference_subject, score`` (rank 1 = best).
    searches
        One row per search: ``probe_id, probe_subject, mated`` (bool: the subject is enrolled).
    subjects
        The subjects table; a search belongs to its probe subject's group.
    threshold, rank
        A candidate counts when its rank is ``<= rank`` and its score passes the threshold.
    higher_is_similar
        Similarity scores (pass if ``>= threshold``) or distances (``<= threshold``).
    confidence
        Level of the Clopper-Pearson intervals.

    Raises
    ------
    InputError
        A column is missing or a probe subject is not in the subjects table.
    """
    _check(candidates, ("probe_id", "rank", "reference_subject", "score"), "candidates")
    _check(searches, ("probe_id", "probe_subject", "mated"), "searches")
    score = pd.to_numeric(candidates["score"]).to_numpy(dtype=float)
    passes = (score >= threshold) if higher_is_similar else (score <= threshold)
    hits = candidates.loc[passes & (candidates["rank"].to_numpy() <= rank)]
    probe_of = searches.set_index(searches["probe_id"].astype(str))["probe_subject"].astype(str)
    any_hit = set(hits["probe_id"].astype(str))
    mate = (
        hits["reference_subject"].astype(str).to_numpy()
        == probe_of.reindex(hits["probe_id"].astype(str)).to_numpy()
    )
    mate_found = set(hits["probe_id"].astype(str).to_numpy()[mate])
    where = subjects.ids.get_indexer(pd.Index(searches["probe_subject"].astype(str)))
    if (where < 0).any():
        row = int(np.flatnonzero(where < 0)[0]) + 1
        raise InputError(
            "subject is not in the subjects table",
            source="searches",
            row=row,
            column="probe_subject",
        )
    group = subjects.group[where]
    mated = _mated(searches["mated"])
    ids = searches["probe_id"].astype(str).to_numpy()
    missed = mated & ~np.isin(ids, list(mate_found))
    false_pos = ~mated & np.isin(ids, list(any_hit))
    out = []
    for g, name in enumerate(subjects.group_names):
        sel = group == g
        nm, nn = int((sel & mated).sum()), int((sel & ~mated).sum())
        km, kn = int((sel & missed).sum()), int((sel & false_pos).sum())
        lo, hi = clopper_pearson_interval([km, kn], [nm, nn], confidence=confidence)
        out.append(
            IdentificationRates(
                name,
                nm,
                nn,
                km / nm if nm else None,
                (float(lo[0]), float(hi[0])) if nm else None,
                kn / nn if nn else None,
                (float(lo[1]), float(hi[1])) if nn else None,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class IdentificationAudit:
    """Result of :func:`audit_identification`: FPIR and FNIR per group, with summaries."""

    threshold: float
    rank: int
    higher_is_similar: bool
    group_by: tuple[str, ...]
    groups: tuple[IdentificationRates, ...]
    inputs: tuple[dict[str, Any], ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    kind: str = "identification"

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON layout (``schema_version`` 1.0)."""
        fnir = [np.nan if g.fnir is None else g.fnir for g in self.groups]
        fpir = [np.nan if g.fpir is None else g.fpir for g in self.groups]
        return {
            "schema_version": IDENTIFICATION_SCHEMA_VERSION,
            "kind": self.kind,
            "threshold": self.threshold,
            "rank": self.rank,
            "higher_is_similar": self.higher_is_similar,
            "group_by": list(self.group_by),
            "groups": [g.to_dict() for g in self.groups],
            "summary": {
                "fnir_max_min_ratio": json_number(float(max_min_ratio(fnir))),
                "fpir_max_min_ratio": json_number(float(max_min_ratio(fpir))),
            },
            "inputs": list(self.inputs),
            "parameters": dict(self.parameters),
            "warnings": list(self.warnings),
        }


def _frame(value: str | Path | pd.DataFrame, role: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    if isinstance(value, pd.DataFrame):
        return value, {"role": role, "source": "<memory>", "sha256": None, "rows": len(value)}
    table = read_table(value)
    info = {"role": role, "source": table.source, "sha256": table.sha256, "rows": len(table.frame)}
    return table.frame, info


def audit_identification(
    candidates: str | Path | pd.DataFrame,
    searches: str | Path | pd.DataFrame,
    subjects: str | Path | SubjectTable,
    *,
    group_by: Sequence[str],
    threshold: float,
    rank: int = 1,
    higher_is_similar: bool = True,
    confidence: float = 0.95,
) -> IdentificationAudit:
    """Audit 1:N search: FPIR and FNIR per group of the probe subject, from files or frames.

    Parameters
    ----------
    candidates
        Candidate lists (CSV/Parquet or frame): ``probe_id, rank, reference_subject, score``.
    searches
        One row per search: ``probe_id, probe_subject, mated``.
    subjects
        Subjects table (``subject_id`` and the ``group_by`` attributes) or :class:`SubjectTable`.
    group_by
        Attributes whose combinations form the groups.
    threshold, rank
        A candidate counts when its rank is ``<= rank`` and its score passes the threshold.
    higher_is_similar
        Similarity scores (pass if ``>= threshold``) or distances (``<= threshold``).
    confidence
        Level of the Clopper-Pearson intervals.

    Returns
    -------
    IdentificationAudit
        Per-group rates and the max/min ratios of FNIR and FPIR.

    Raises
    ------
    InputError
        A column is missing or a probe subject is not in the subjects table.
    """
    if rank < 1:
        raise ValueError(f"got rank={rank}; want rank >= 1")
    cand, cand_info = _frame(candidates, "candidates")
    srch, srch_info = _frame(searches, "searches")
    subj = (
        subjects
        if isinstance(subjects, SubjectTable)
        else read_subjects(subjects, group_by=group_by)
    )
    rows = identification_rates(
        cand,
        srch,
        subj,
        threshold=threshold,
        rank=rank,
        higher_is_similar=higher_is_similar,
        confidence=confidence,
    )
    _check(cand, ("probe_id",), cand_info["source"])
    orphan = int((~cand["probe_id"].astype(str).isin(srch["probe_id"].astype(str))).sum())
    warnings = [*subj.warnings]
    if orphan:
        warnings.append(f"{orphan} candidate rows belong to no listed search and were ignored")
    for r in rows:
        if r.n_mated == 0:
            warnings.append(f"group {r.group!r} has no mated searches: FNIR not estimable")
        if r.n_nonmated == 0:
            warnings.append(f"group {r.group!r} has no non-mated searches: FPIR not estimable")
    subj_info = {
        "role": "subjects",
        "source": subj.source,
        "sha256": subj.sha256,
        "rows": len(subj.ids),
    }
    return IdentificationAudit(
        threshold=threshold,
        rank=rank,
        higher_is_similar=higher_is_similar,
        group_by=subj.group_by,
        groups=rows,
        inputs=(cand_info, srch_info, subj_info),
        parameters={
            "confidence": confidence,
            "ci_method": "clopper-pearson",
            "match_rule": "score >= threshold" if higher_is_similar else "score <= threshold",
        },
        warnings=tuple(warnings),
    )
