"""Streamed counts from Parquet equal the in-memory counts (SYNTHETIC data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from mohtasib.biometrics import (
    build_index,
    comparisons_from_frame,
    stream_counts,
    subjects_from_frame,
)
from mohtasib.errors import InputError


def _data(seed: int = 5, n_subjects: int = 30, symmetric: bool = False):
    rng = np.random.default_rng(seed)  # SYNTHETIC
    subjects = pd.DataFrame(
        {
            "subject_id": [f"s{i}" for i in range(n_subjects)],
            "sex": rng.choice(["F", "M"], n_subjects),
            "band": rng.choice(["a", "b", "c"], n_subjects),
        }
    )
    rows = []
    for i in range(n_subjects):
        for j in range(i if symmetric else 0, n_subjects):
            genuine = i == j
            score = round(float(rng.normal(0.8 if genuine else 0.3, 0.2)), 2)  # ties on purpose
            rows.append((f"s{i}/p", f"s{j}/r", f"s{i}", f"s{j}", score))
    comp = pd.DataFrame(
        rows, columns=["probe_id", "reference_id", "probe_subject", "reference_subject", "score"]
    )
    return subjects, comp


def _in_memory(subjects, comp, thresholds, higher, symmetric):
    table = subjects_from_frame(subjects, group_by=["sex", "band"])
    c = comparisons_from_frame(comp, higher_is_similar=higher, symmetric=symmetric)
    sg = table.groups_of(c)
    index = build_index(
        sg[c.probe_subject],
        sg[c.reference_subject],
        c.score,
        c.genuine,
        n_groups=len(table.group_names),
        symmetric=symmetric,
    )
    sim = np.asarray(thresholds, dtype=float) * (1 if higher else -1)
    return table, index.false_matches(sim), index.false_non_matches(sim)


@pytest.mark.parametrize(
    ("higher", "symmetric", "dictionary"),
    [(True, False, False), (True, False, True), (False, False, True), (True, True, False)],
)
def test_streamed_counts_equal_in_memory(tmp_path, higher, symmetric, dictionary):
    subjects, comp = _data(symmetric=symmetric)
    if not higher:
        comp["score"] = 1 - comp["score"]
    thresholds = np.round(np.linspace(-0.2, 1.2, 57), 2)  # includes tied score values
    path = tmp_path / "c.parquet"
    table = pa.Table.from_pandas(comp, preserve_index=False)
    if dictionary:
        table = table.set_column(2, "probe_subject", pc.dictionary_encode(table.column(2)))
        table = table.set_column(3, "reference_subject", pc.dictionary_encode(table.column(3)))
    pq.write_table(table, path, row_group_size=97)
    subj, (k, n), (kn, nn) = _in_memory(subjects, comp, thresholds, higher, symmetric)
    got = stream_counts(
        path,
        subj,
        thresholds=thresholds,
        higher_is_similar=higher,
        symmetric=symmetric,
        batch_size=50,
    )
    assert got.batches > 5 and got.rows == len(comp)
    np.testing.assert_array_equal(got.thresholds, np.sort(thresholds))
    order = np.argsort(thresholds, kind="stable")
    np.testing.assert_array_equal(got.impostor, n)
    np.testing.assert_array_equal(got.false_matches, k[..., order])
    np.testing.assert_array_equal(got.genuine, nn)
    np.testing.assert_array_equal(got.false_non_matches, kn[:, order])
    gk, gn = got.group_false_matches()
    np.testing.assert_array_equal(gk, k[np.arange(len(n)), np.arange(len(n))][:, order])
    np.testing.assert_array_equal(gn, np.diag(n))
    fmr = got.fmr()[np.diag(n) > 0]
    assert np.all(np.diff(fmr, axis=1) <= 0) if higher else np.all(np.diff(fmr, axis=1) >= 0)


def test_streamed_counts_reject_unknown_subject_and_nan(tmp_path):
    subjects, comp = _data(n_subjects=6)
    subj = subjects_from_frame(subjects, group_by=["sex"])
    bad = comp.copy()
    bad.loc[20, "reference_subject"] = "ghost"
    bad.to_parquet(tmp_path / "a.parquet", index=False)
    with pytest.raises(InputError, match="ghost") as err:
        stream_counts(tmp_path / "a.parquet", subj, thresholds=[0.5], batch_size=7)
    assert err.value.row == 21
    bad = comp.copy()
    bad.loc[30, "score"] = np.nan
    bad.to_parquet(tmp_path / "b.parquet", index=False)
    with pytest.raises(InputError, match="finite") as err:
        stream_counts(tmp_path / "b.parquet", subj, thresholds=[0.5], batch_size=7)
    assert err.value.row == 31
    comp.drop(columns="score").to_parquet(tmp_path / "c.parquet", index=False)
    with pytest.raises(InputError, match="column"):
        stream_counts(tmp_path / "c.parquet", subj, thresholds=[0.5])
