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


def _both(tmp_path, *, higher=True, symmetric=False, seed=5, **kw):
    from mohtasib.biometrics import audit_comparisons, audit_stream

    subjects, comp = _data(seed=seed, symmetric=symmetric)
    if not higher:
        comp["score"] = 1 - comp["score"]
    path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pandas(comp, preserve_index=False), path, row_group_size=97)
    table = subjects_from_frame(subjects, group_by=["sex", "band"])
    common = {"group_by": ["sex", "band"], "threshold": 0.5, "higher_is_similar": higher}
    common |= {"symmetric": symmetric, "n_bootstrap": 200, "random_state": 4, **kw}
    memory = audit_comparisons(
        comparisons_from_frame(comp, higher_is_similar=higher, symmetric=symmetric),
        table,
        **common,
    )
    streamed = audit_stream(path, table, batch_size=50, **common)
    return memory, streamed


@pytest.mark.parametrize(("higher", "symmetric"), [(True, False), (False, False), (True, True)])
def test_streamed_audit_equals_in_memory_audit(tmp_path, higher, symmetric):
    memory, streamed = _both(tmp_path, higher=higher, symmetric=symmetric)
    a, b = memory.to_dict(), streamed.to_dict()
    assert a["groups"] and [g["eer"] for g in b["groups"]]
    for g in a["groups"] + b["groups"]:
        g.pop("eer")  # EER: every distinct score in memory, the grid when streamed
    assert a["groups"] == b["groups"]  # rates, counts, bootstrap intervals, flags
    assert a["cross_group_fmr"] == b["cross_group_fmr"]
    assert a["summary"] == b["summary"]
    assert any(g["fmr_ci_method"] == "subject bootstrap" for g in b["groups"])
    assert memory.warnings == streamed.warnings


def test_streamed_advice_is_on_the_grid_and_meets_the_target(tmp_path):
    memory, streamed = _both(tmp_path, fmr_target=0.1)
    exact = memory.threshold_advice.recommended_threshold
    grid = streamed.threshold_advice.recommended_threshold
    assert grid >= exact  # the lowest grid point meeting the target is at or above the exact one
    rated = [r.fmr_at_recommended for r in streamed.threshold_advice.rows]
    assert all(v <= 0.1 for v in rated if v is not None) and len(rated) == 6
    assert any("grid" in w for w in streamed.warnings)


def _write(tmp_path, comp):
    path = tmp_path / "bad.parquet"
    comp.to_parquet(path, index=False)
    return path


def test_streaming_finds_self_comparisons_and_duplicate_pairs(tmp_path):
    from mohtasib.biometrics import audit_stream, read_comparisons

    subjects, comp = _data(n_subjects=8)
    table = subjects_from_frame(subjects, group_by=["sex"])
    kw = {"group_by": ["sex"], "threshold": 0.5, "n_bootstrap": 0, "batch_size": 5}
    self_compare = comp.copy()
    self_compare.loc[17, "reference_id"] = self_compare.loc[17, "probe_id"]
    path = _write(tmp_path, self_compare)
    with pytest.raises(InputError, match="compared with itself") as streamed:
        audit_stream(path, table, **kw)
    with pytest.raises(InputError, match="compared with itself") as memory:
        read_comparisons(path)
    assert streamed.value.row == memory.value.row == 18
    duplicate = pd.concat([comp.iloc[:40], comp.iloc[[9]], comp.iloc[40:]], ignore_index=True)
    path = _write(tmp_path, duplicate)
    with pytest.raises(InputError, match=r"duplicate .*rows 10 and 41") as streamed:
        audit_stream(path, table, **kw)
    with pytest.raises(InputError, match=r"duplicate .*rows 10 and 41") as memory:
        read_comparisons(path)
    assert streamed.value.row == memory.value.row == 41
    swapped = comp.copy()
    swapped.loc[30, ["probe_id", "reference_id"]] = comp.loc[3, ["reference_id", "probe_id"]].values
    path = _write(tmp_path, swapped)
    audit_stream(path, table, **kw)  # ordered pairs: (b, a) differs from (a, b)
    with pytest.raises(InputError, match="either order") as streamed:
        audit_stream(path, table, symmetric=True, **kw)
    assert streamed.value.row == 31


def test_streaming_without_ids_warns_that_pairs_were_not_checked(tmp_path):
    from mohtasib.biometrics import audit_stream

    subjects, comp = _data(n_subjects=6)
    path = _write(tmp_path, comp.drop(columns=["probe_id", "reference_id"]))
    table = subjects_from_frame(subjects, group_by=["sex"])
    result = audit_stream(path, table, group_by=["sex"], threshold=0.5, n_bootstrap=0)
    assert any("not checked" in w and str(len(comp)) in w for w in result.warnings)


def test_streaming_checks_the_convention_column_like_memory(tmp_path):
    from mohtasib.biometrics import audit_stream, read_comparisons

    subjects, comp = _data(n_subjects=6)
    table = subjects_from_frame(subjects, group_by=["sex"])
    kw = {"group_by": ["sex"], "threshold": 0.5, "n_bootstrap": 0, "batch_size": 4}
    comp["higher_is_similar"] = True
    path = _write(tmp_path, comp)
    assert audit_stream(path, table, **kw).groups  # constant and as asked: fine
    with pytest.raises(InputError, match="asked for higher_is_similar=False") as streamed:
        audit_stream(path, table, higher_is_similar=False, **kw)
    assert streamed.value.row == 1
    comp.loc[13, "higher_is_similar"] = False
    path = _write(tmp_path, comp)
    with pytest.raises(InputError, match="mixed similarity and distance") as streamed:
        audit_stream(path, table, **kw)
    with pytest.raises(InputError, match="mixed similarity and distance") as memory:
        read_comparisons(path)
    assert streamed.value.row == memory.value.row == 14
    assert streamed.value.column == "higher_is_similar"
