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

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mohtasib.biometrics._intervals import clopper_pearson_interval
from mohtasib.biometrics._subjects import SubjectTable
from mohtasib.errors import InputError

__all__ = ["IdentificationRates", "identification_rates"]


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
    mated = searches["mated"].astype(bool).to_numpy()
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
