"""check_anonymity: textbook tables, the pycanon oracle, risk and bad input.

All tables here are SYNTHETIC (generated or textbook), not real incidents.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.privacy import check_anonymity

# Machanavajjhala et al. (2007), table 3 style: a 4-anonymous inpatient table (12 rows).
TEXTBOOK = pd.DataFrame(
    {
        "zip": [*["130**"] * 4, *["1485*"] * 4, *["130**"] * 4],
        "age": ["<30"] * 4 + [">=40"] * 4 + ["3*"] * 4,
        "condition": [*["heart"] * 2, *["viral"] * 2, "cancer", "heart", "viral", "viral"]
        + ["cancer"] * 4,
    }
)


def _incidents(n: int, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC incident table."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age_band": rng.choice(["<18", "18-29", "30-44", "45+"], n),
            "sex": rng.choice(["female", "male"], n),
            "district": rng.choice(["Lahore", "Karachi", "Quetta"], n),
            "offence": rng.choice(["theft", "assault", "robbery", "fraud"], n),
            "loss_pkr": rng.integers(0, 9, n) * 1000,
        }
    )


def test_check_anonymity_textbook_table_values():
    r = check_anonymity(TEXTBOOK, quasi_identifiers=["zip", "age"], sensitive="condition", k=4)
    assert (r.k_achieved, r.n_classes, r.l_distinct) == (4, 3, 1)
    assert r.satisfies_k and r.satisfies_l is False
    # Class 3 is all cancer; table P(cancer) = 5/12: EMD = 1 - 5/12 (equal distance).
    assert r.t_achieved == pytest.approx(7 / 12)
    assert r.t_distance == "equal"
    assert r.failing_classes_total == 2  # class 1 fails t (EMD 5/12); class 3 fails l and t
    assert r.risk.prosecutor_highest == pytest.approx(0.25)
    assert r.risk.prosecutor_average == pytest.approx(3 / 12)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sensitive", ["offence", "loss_pkr"])
def test_check_anonymity_equals_pycanon(seed, sensitive):
    anonymity = pytest.importorskip("pycanon.anonymity")
    rng = np.random.default_rng(seed)
    data = _incidents(int(rng.integers(20, 400)), seed)
    qis = ["age_band", "sex", "district"][: 1 + seed % 3]
    r = check_anonymity(data, quasi_identifiers=qis, sensitive=sensitive, k=1, l=1, t=1.0)
    assert r.k_achieved == anonymity.k_anonymity(data, qis)
    assert r.l_distinct == anonymity.l_diversity(data, qis, [sensitive])
    assert r.t_achieved == pytest.approx(anonymity.t_closeness(data, qis, [sensitive]), abs=1e-12)
    # pycanon floors exp(entropy) computed as e ** H, which can land just below an integer.
    assert anonymity.entropy_l_diversity(data, qis, [sensitive]) in {
        math.floor(r.l_entropy + 1e-9),
        math.floor(r.l_entropy + 1e-9) - 1,
    }
    assert r.t_distance == ("ordered" if sensitive == "loss_pkr" else "equal")


def test_check_anonymity_ordered_emd_matches_definition():
    # Li et al. (2007) example: salaries 3k..11k; class {3k,4k,5k} has EMD 0.375.
    data = pd.DataFrame({"q": ["a"] * 3 + ["b"] * 6, "salary": [3, 4, 5, 6, 7, 8, 9, 10, 11]})
    r = check_anonymity(data, quasi_identifiers=["q"], sensitive="salary", k=1, l=1, t=1.0)
    assert r.t_achieved == pytest.approx(0.375)


def test_check_anonymity_failing_classes_are_aggregates():
    data = _incidents(200)
    r = check_anonymity(data, quasi_identifiers=["age_band", "sex", "district"], k=30, l=None)
    assert r.failing_classes_total == r.classes_below_k > 0
    first = r.failing_classes[0].to_dict()
    assert set(first) == {"values", "size", "distinct_l", "entropy_l", "emd", "fails"}
    assert set(first["values"]) == {"age_band", "sex", "district"}
    assert first["size"] == min(c.size for c in r.failing_classes)
    d = r.to_dict()
    assert d["k_anonymity"]["records_below_k"] == r.records_below_k
    assert d["risk"]["journalist"]["highest"] is None
    assert "not computed" in d["risk"]["journalist"]["note"]


def test_check_anonymity_journalist_risk_with_population():
    data = pd.DataFrame({"district": ["A", "A", "B"], "sex": ["f", "f", "m"]})
    population = pd.DataFrame({"district": ["A", "B"], "sex": ["f", "m"], "people": [10, 4]})
    r = check_anonymity(
        data,
        quasi_identifiers=["district", "sex"],
        k=1,
        population=population,
        population_count="people",
    )
    assert r.risk.journalist_highest == pytest.approx(1 / 4)
    assert r.risk.marketer == pytest.approx((2 / 10 + 1 / 4) / 3)


def test_check_anonymity_rejects_population_smaller_than_table():
    data = pd.DataFrame({"district": ["A", "A", "B"]})
    population = pd.DataFrame({"district": ["A", "B"]})
    with pytest.raises(InputError, match="fewer than"):
        check_anonymity(data, quasi_identifiers=["district"], k=1, population=population)


def test_check_anonymity_rejects_all_unique_quasi_identifier():
    data = pd.DataFrame({"cnic_tail": range(10), "sex": ["f", "m"] * 5})
    with pytest.raises(InputError, match="singles out every record") as info:
        check_anonymity(data, quasi_identifiers=["sex", "cnic_tail"], k=2)
    assert info.value.column == "cnic_tail"


def test_check_anonymity_rejects_k_larger_than_data():
    with pytest.raises(InsufficientDataError, match="k=50"):
        check_anonymity(_incidents(10), quasi_identifiers=["sex"], k=50)


def test_check_anonymity_rejects_missing_column():
    with pytest.raises(InputError) as info:
        check_anonymity(_incidents(10), quasi_identifiers=["sex", "religion"], k=2)
    assert info.value.column == "religion"


def test_check_anonymity_rejects_empty_table():
    with pytest.raises(InsufficientDataError, match="no rows"):
        check_anonymity(_incidents(0), quasi_identifiers=["sex"], k=1)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"k": 0}, "k"), ({"l": 0}, "l"), ({"t": 1.5}, "t"), ({"sensitive": "sex"}, "sensitive")],
)
def test_check_anonymity_rejects_bad_targets(kwargs, key):
    with pytest.raises(ConfigError) as info:
        check_anonymity(_incidents(10), quasi_identifiers=["sex"], **kwargs)
    assert info.value.key == key


def test_check_anonymity_counts_missing_values_as_a_group():
    data = pd.DataFrame({"sex": ["f", None, None, "m"], "offence": ["a", "b", "a", "b"]})
    r = check_anonymity(data, quasi_identifiers=["sex"], sensitive="offence", k=1)
    assert r.n_classes == 3
    assert any("2 missing values" in w for w in r.warnings)


def test_check_anonymity_chicago_districts(shared_data):
    path = shared_data / "crime" / "chicago-agg-assaults" / "chicago_aggravated_assaults.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    data = pd.read_csv(path, nrows=20_000)
    data["hour"] = data["date"].str[11:13]
    r = check_anonymity(
        data, quasi_identifiers=["district", "hour"], sensitive="loc_cat", k=5, l=2, t=0.5
    )
    assert r.n_records == 20_000
    assert r.k_achieved >= 1
    assert 0.0 <= r.t_achieved <= 1.0
