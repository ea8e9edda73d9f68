"""release_counts: a public key set, noisy zeros, dropped cells, post-processing, bad input.

Statistical checks carry their false-failure probability in a comment (below 1e-8 each).
"""

from __future__ import annotations

import json
import math

import ibis
import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.privacy import DpRelease, PrivacyBudget, keys_from_product, release_counts

DATA = pd.DataFrame(
    {
        "district": [1, 1, 1, 2, 2, 9, 9, 9, None],
        "category": ["theft", "theft", "murder", "theft", "theft", "theft", "x", "x", "theft"],
    }
)
KEYS = keys_from_product({"district": [1, 2, 3], "category": ["theft", "murder"]})


def _release(data=DATA, **kwargs):
    options = {
        "by": ["district", "category"],
        "epsilon": 1.0,
        "keys": KEYS,
        "budget": PrivacyBudget(100.0, 1e-3),
        **kwargs,
    }
    return release_counts(data, **options)


def test_missing_keys_is_a_config_error_that_explains_existence_leak():
    with pytest.raises(ConfigError, match="at least one person"):
        _release(keys=None)


def test_release_lists_exactly_the_key_set_in_order():
    release = _release()
    assert isinstance(release, DpRelease)
    assert release.table[["district", "category"]].values.tolist() == KEYS.values.tolist()
    assert list(release.table.columns) == [
        "district",
        "category",
        "count",
        "noisy_count",
        "error_bound_95",
    ]


def test_cells_outside_keys_are_dropped_and_counted_in_warnings():
    release = _release()
    # Outside the keys: (9, theft), (9, x) and the row with no district: 3 cells, 4 rows.
    (warning,) = release.custodian_warnings
    assert warning.startswith("3 cell(s) holding 4 of 9 row(s) are not in the key set")
    assert "not for publication" in warning


def test_no_warning_when_every_cell_is_a_key():
    keys = pd.DataFrame({"district": ["1", "2"]})
    release = _release(DATA.dropna().query("district < 3"), by=["district"], keys=keys)
    assert release.custodian_warnings == ()


def test_keys_absent_from_data_are_released_as_noisy_zeros():
    # 4,000 keys, one of them in the data. Mean noise of 4,000 draws at scale 1 has
    # SE 0.022; the tolerance 0.2 is 9 SE (false failure < 1e-18).
    keys = pd.DataFrame({"cell": [str(i) for i in range(4000)]})
    data = pd.DataFrame({"cell": ["0"] * 50})
    release = _release(data, by=["cell"], keys=keys)
    empty = release.table["noisy_count"].to_numpy()[1:]
    assert len(release.table) == 4000
    assert abs(empty.mean()) < 0.2
    assert np.any(empty != 0)


def test_counts_are_non_negative_integers_and_clamp_only_negatives():
    release = _release(pd.DataFrame({"cell": ["a"]}), by=["cell"], keys=_many_keys(2000))
    table = release.table
    assert table["count"].dtype == np.int64
    assert (table["count"] >= 0).all()
    assert (table["count"] == table["noisy_count"].clip(lower=0)).all()
    assert (table["noisy_count"] < 0).any()  # P(no negative in 2,000 draws) < 1e-100


def test_large_counts_are_close_to_truth_within_bound():
    # Each cell misses its bound with probability <= 0.05: all 6 miss with p < 2e-8.
    data = pd.DataFrame({"district": np.repeat([1, 2, 3], 1000), "category": "theft"})
    release = _release(data)
    theft = release.table[release.table["category"] == "theft"]
    misses = np.abs(theft["noisy_count"].to_numpy() - 1000) >= release.error_bound_95
    assert not misses.all()


def test_gaussian_release_records_delta_and_bound():
    release = _release(mechanism="gaussian", delta=1e-6)
    assert release.mechanism == "gaussian"
    assert release.delta == 1e-6
    assert release.budget.spent_delta == pytest.approx(1e-6)
    assert release.error_bound_95 > 1.96 * release.scale * 0.99


def test_max_contributions_scales_the_noise():
    one = _release()
    three = _release(max_contributions=3)
    assert three.scale == pytest.approx(3 * one.scale)
    assert three.error_bound_95 > one.error_bound_95


def test_to_dict_is_strict_json_with_summary_view():
    release = _release()
    full = json.loads(json.dumps(release.to_dict(), allow_nan=False))
    assert len(full["table"]) == 6
    summary = release.to_dict(include_cells=False)
    assert "table" not in summary
    assert summary["cells"] == 6
    assert summary["budget"]["spent_total"]["epsilon"] == 1.0


def test_write_csv_writes_the_released_table(tmp_path):
    release = _release()
    out = tmp_path / "released.csv"
    release.write_csv(out)
    back = pd.read_csv(out, dtype={"district": str})
    assert back["district"].tolist() == ["1", "1", "2", "2", "3", "3"]
    assert [p.name for p in tmp_path.iterdir()] == ["released.csv"]


def test_key_values_match_across_types():
    data = pd.DataFrame({"district": [2.0, 2.0, 7.0]})
    keys = pd.DataFrame({"district": ["2", " 7 "]})
    release = _release(data, by=["district"], keys=keys, epsilon=50.0)
    # At epsilon 50 the noise is 0 with probability > 0.99999999999.
    assert release.table["count"].tolist() == [2, 1]


def test_month_derived_from_timestamps():
    data = pd.DataFrame({"date": ["2019-01-05 10:00", "2019-01-31 23:59", "2019-02-01 00:00"]})
    keys = keys_from_product({"month": ["2019-01", "2019-02", "2019-03"]})
    release = _release(data, by=["month"], keys=keys, month_from="date", epsilon=50.0)
    assert release.table["count"].tolist() == [2, 1, 0]


def test_unreadable_date_is_an_input_error():
    data = pd.DataFrame({"date": ["2019-01-05", "yesterday"]})
    keys = keys_from_product({"month": ["2019-01"]})
    with pytest.raises(InputError, match="1 value"):
        _release(data, by=["month"], keys=keys, month_from="date")


def test_ibis_table_input_is_counted_in_its_engine():
    table = ibis.memtable(DATA.dropna())
    release = _release(table, epsilon=50.0)
    assert release.table["count"].tolist() == [2, 1, 2, 0, 0, 0]


def test_csv_path_input(tmp_path):
    path = tmp_path / "events.csv"
    DATA.to_csv(path, index=False)
    assert _release(path).cells == 6


def test_missing_column_is_an_input_error():
    with pytest.raises(InputError, match="column 'category'"):
        _release(DATA[["district"]])


def test_empty_data_is_insufficient():
    with pytest.raises(InsufficientDataError, match="no rows"):
        _release(DATA.iloc[0:0])


@pytest.mark.parametrize("epsilon", [0.0, -0.5, math.inf])
def test_non_positive_epsilon_is_a_config_error(epsilon):
    with pytest.raises(ConfigError, match="epsilon"):
        _release(epsilon=epsilon)


def test_seed_is_refused_because_opendp_cannot_be_seeded():
    with pytest.raises(ConfigError, match="cannot be seeded"):
        _release(random_state=0)


def test_repeated_key_is_a_config_error():
    keys = pd.DataFrame({"district": ["1", 1.0], "category": ["theft", "theft"]})
    with pytest.raises(ConfigError, match="more than once"):
        _release(keys=keys)


def test_incomplete_key_row_is_a_config_error():
    keys = pd.DataFrame({"district": ["1", None], "category": ["theft", "theft"]})
    with pytest.raises(ConfigError, match="missing value"):
        _release(keys=keys)


def test_key_file_without_a_by_column_is_an_input_error(tmp_path):
    path = tmp_path / "keys.csv"
    pd.DataFrame({"district": [1]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="category"):
        _release(keys=path)


def test_keys_from_product_rejects_empty_lists():
    with pytest.raises(ConfigError, match="no values"):
        keys_from_product({"district": []})
    with pytest.raises(ConfigError, match="no columns"):
        keys_from_product({})


def test_keys_from_product_is_the_cartesian_product_without_repeats():
    keys = keys_from_product({"a": [1, 2, 2], "b": ["x", "y"]})
    assert keys.values.tolist() == [["1", "x"], ["1", "y"], ["2", "x"], ["2", "y"]]


def _many_keys(n):
    return pd.DataFrame({"cell": ["a", *(f"k{i}" for i in range(n - 1))]})
