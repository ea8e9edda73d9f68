"""Specification of the stop-and-search audit (search rate, hit rate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mohtasib.errors import ConfigError, InputError
from mohtasib.fairness import MISSING, DisparityAudit, RateEstimate, audit_stops

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
NYPD = SHARED / "data" / "fairness" / "nypd-sqf-2020" / "sqf-2020.csv.gz"


def _stops() -> pd.DataFrame:
    # A: 40 stops, 20 searched, hits 5 (weapon) + 3 (drugs only) = 8.
    # B: 60 stops, 15 searched, hits 6; C: 5 stops; 3 stops with no group.
    rows = []
    rows += [("A", "Y", "Y", "N")] * 5 + [("A", "Y", "N", "Y")] * 3 + [("A", "Y", "N", "N")] * 12
    rows += [("A", "N", "N", "N")] * 20
    rows += [("B", "yes", "yes", "no")] * 6 + [("B", "yes", "no", "no")] * 9
    rows += [("B", "no", "no", "no")] * 45
    rows += [("C", "1", "0", "0")] * 5
    rows += [(None, "Y", "Y", "N"), (None, "N", "N", "N"), (None, "N", "N", "N")]
    return pd.DataFrame(rows, columns=["race", "searched", "weapon", "drugs"])


def _rate(result: DisparityAudit, group: str, metric: str) -> RateEstimate:
    return next(g for g in result.groups if g.group == group).rates[metric]


def test_audit_stops_counts_search_and_hit_rates() -> None:
    result = audit_stops(
        _stops(), group="race", searched="searched", found=["weapon", "drugs"], reference="A"
    )
    assert result.kind == "stops"
    assert result.metrics == ("search_rate", "hit_rate")
    search, hit = _rate(result, "A", "search_rate"), _rate(result, "A", "hit_rate")
    assert (search.numerator, search.denominator) == (20, 40)
    assert (hit.numerator, hit.denominator) == (8, 20)
    assert hit.value == pytest.approx(0.4)
    b_hit = _rate(result, "B", "hit_rate")
    assert (b_hit.numerator, b_hit.denominator) == (6, 15)
    assert result.references == {"race": "A"}
    ratio = next(
        d for d in result.disparities if d.group == "B" and d.metric == "search_rate"
    ).ratio
    assert ratio == pytest.approx((15 / 60) / (20 / 40))


def test_audit_stops_hit_needs_any_found_flag() -> None:
    weapon_only = audit_stops(_stops(), group="race", searched="searched", found="weapon")
    both = audit_stops(_stops(), group="race", searched="searched", found=["weapon", "drugs"])
    assert _rate(weapon_only, "A", "hit_rate").numerator == 5
    assert _rate(both, "A", "hit_rate").numerator == 8


def test_audit_stops_counts_missing_group() -> None:
    result = audit_stops(_stops(), group="race", searched="searched", found=["weapon"])
    missing = next(g for g in result.groups if g.group == MISSING)
    assert missing.n == 3
    assert "missing_attribute" in missing.flags
    assert sum(g.n for g in result.groups) == result.n_rows == 108
    assert any("3 row(s) have no value for 'race'" in w for w in result.warnings)
    # The default reference is the largest known group, never <missing>.
    assert result.references == {"race": "B"}


def test_audit_stops_suppresses_small_groups() -> None:
    result = audit_stops(_stops(), group="race", searched="searched", found=["weapon"])
    c_search = _rate(result, "C", "search_rate")
    assert c_search.value is None and "suppressed" in c_search.flags
    assert any("fewer than 10 rows" in w for w in result.warnings)


def test_audit_stops_reports_missing_found_flag_among_searched() -> None:
    frame = _stops()
    frame.loc[0, "drugs"] = None  # a searched stop (A, weapon found)
    frame.loc[30, "drugs"] = None  # not searched: irrelevant to the hit rate
    result = audit_stops(frame, group="race", searched="searched", found=["weapon", "drugs"])
    assert any(
        w.startswith("1 searched stop(s) have no value for 'drugs'") for w in result.warnings
    )
    assert _rate(result, "A", "hit_rate").numerator == 8


def test_audit_stops_rejects_non_binary_flag() -> None:
    frame = _stops()
    frame.loc[6, "searched"] = "maybe"
    with pytest.raises(InputError) as info:
        audit_stops(frame, group="race", searched="searched", found=["weapon"])
    assert (info.value.row, info.value.column) == (7, "searched")
    assert "'maybe'" in str(info.value)


def test_audit_stops_rejects_missing_searched_flag() -> None:
    frame = _stops()
    frame.loc[2, "searched"] = None
    with pytest.raises(InputError) as info:
        audit_stops(frame, group="race", searched="searched", found=["weapon"])
    assert (info.value.row, info.value.column) == (3, "searched")


def test_audit_stops_rejects_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "stops.csv"
    _stops().to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        audit_stops(path, group="race", searched="searched", found=["weapon", "cash"])
    assert info.value.column == "cash"
    assert info.value.source == str(path)


def test_audit_stops_rejects_unknown_reference() -> None:
    with pytest.raises(InputError, match="reference group 'Z' does not occur"):
        audit_stops(_stops(), group="race", searched="searched", found=["weapon"], reference="Z")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"found": []}, "no found column"),
        ({"confidence": 1.5}, "confidence"),
        ({"min_denominator": 0}, "min_denominator"),
        ({"veil_group": "A"}, "veil_group was given without date and time"),
        ({"found": ["weapon", "weapon"]}, "named for two roles"),
    ],
)
def test_audit_stops_rejects_bad_options(options: dict[str, object], message: str) -> None:
    kwargs: dict[str, object] = {"group": "race", "searched": "searched", "found": ["weapon"]}
    kwargs.update(options)
    with pytest.raises(ConfigError, match=message):
        audit_stops(_stops(), **kwargs)  # type: ignore[arg-type]


def test_audit_stops_to_dict_has_no_veil_without_times() -> None:
    out = audit_stops(_stops(), group="race", searched="searched", found=["weapon"]).to_dict()
    assert out["kind"] == "stops"
    assert "veil_of_darkness" not in out
    assert out["parameters"]["found"] == ["weapon"]


def _nypd_path() -> Path:
    if not NYPD.is_file():
        pytest.skip(f"NYPD SQF 2020 data not found at {NYPD} (the shared/ data folder is absent)")
    return NYPD


@pytest.mark.shared
def test_audit_stops_matches_nypd_source_table() -> None:
    result = audit_stops(
        _nypd_path(),
        group="SUSPECT_RACE_DESCRIPTION",
        searched="SEARCHED_FLAG",
        found=["WEAPON_FOUND_FLAG", "OTHER_CONTRABAND_FLAG"],
    )
    # SOURCE.md: stops, searches, search rate, hit rate among searched.
    expected = {
        "BLACK": (5367, 2249, 0.419, 0.388),
        "WHITE HISPANIC": (2050, 873, 0.426, 0.377),
        "WHITE": (856, 373, 0.436, 0.314),
        "BLACK HISPANIC": (829, 322, 0.388, 0.422),
        "ASIAN / PACIFIC ISLANDER": (219, 79, 0.361, 0.380),
    }
    for group, (stops, searches, search_rate, hit_rate) in expected.items():
        g = next(x for x in result.groups if x.group == group)
        assert g.n == stops
        assert g.rates["search_rate"].numerator == searches
        assert round(g.rates["search_rate"].value, 3) == search_rate
        assert round(g.rates["hit_rate"].value, 3) == hit_rate
    missing = next(x for x in result.groups if x.group == MISSING)
    assert missing.n == 74
    assert result.n_rows == 9544
    assert result.references == {"SUSPECT_RACE_DESCRIPTION": "BLACK"}
    white = next(d for d in result.disparities if d.group == "WHITE" and d.metric == "hit_rate")
    assert white.ratio == pytest.approx((117 / 373) / (872 / 2249))
    assert white.ratio_ci[0] < white.ratio < white.ratio_ci[1]


def test_audit_stops_accepts_boolean_and_integer_flags() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "g": rng.choice([1.0, 2.0], size=200),
            "s": rng.random(200) < 0.5,
            "f": (rng.random(200) < 0.3).astype(int),
        }
    )
    result = audit_stops(frame, group="g", searched="s", found=["f"])
    assert {g.group for g in result.groups} == {"1", "2"}
    total_hits = sum(g.rates["hit_rate"].numerator for g in result.groups)
    assert total_hits == int((frame["s"] & (frame["f"] == 1)).sum())
