"""Specification of the veil-of-darkness test (Grogger & Ridgeway 2006; Pierson et al. 2020)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astral import Observer
from astral.sun import dusk, sunset

from mohtasib.errors import ConfigError, InputError, InsufficientDataError
from mohtasib.fairness import DisparityAudit, audit_stops
from mohtasib.fairness._twilight import darkness_table

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
NYPD = SHARED / "data" / "fairness" / "nypd-sqf-2020" / "sqf-2020.csv.gz"

LAHORE = (31.5497, 74.3436)
KARACHI = (24.8607, 67.0011)
PKT = "Asia/Karachi"


def _twilight(lat: float, lon: float, day: dt.date, tz: str) -> tuple[int, int]:
    observer, zone = Observer(lat, lon), zoneinfo.ZoneInfo(tz)
    s, d = sunset(observer, day, tzinfo=zone), dusk(observer, day, tzinfo=zone)
    return s.hour * 60 + s.minute, d.hour * 60 + d.minute


def _simulate(
    *,
    n: int,
    beta: float,
    seed: int,
    places: tuple[tuple[float, float], ...] = (LAHORE,),
    tz: str = PKT,
) -> pd.DataFrame:
    """Stops between 16:00 and 21:00 over 2023; log-odds of group G vs R shift by beta after dusk.

    The share of G also varies smoothly with clock time and by place, which the
    test must adjust for.
    """
    rng = np.random.default_rng(seed)
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=int(i)) for i in rng.integers(0, 365, n)]
    minutes = rng.integers(16 * 60, 21 * 60, n)
    place = rng.integers(0, len(places), n)
    cache: dict[tuple[int, dt.date], tuple[int, int]] = {}
    dark = np.empty(n, dtype=bool)
    for i, (p, day) in enumerate(zip(place, days, strict=True)):
        key = (int(p), day)
        if key not in cache:
            cache[key] = _twilight(*places[p], day, tz)
        dark[i] = minutes[i] > cache[key][1]
    logit = -0.4 + 0.5 * np.sin(minutes / 90.0) + 0.6 * place + beta * dark
    in_group = rng.random(n) < 1 / (1 + np.exp(-logit))
    lat = np.array([places[p][0] for p in place]) + rng.uniform(-0.001, 0.001, n)
    lon = np.array([places[p][1] for p in place]) + rng.uniform(-0.001, 0.001, n)
    return pd.DataFrame(
        {
            "group": np.where(in_group, "G", "R"),
            "searched": rng.random(n) < 0.3,
            "found": rng.random(n) < 0.2,
            "date": [d.isoformat() for d in days],
            "time": [f"{m // 60:02d}:{m % 60:02d}:00" for m in minutes],
            "lat": lat,
            "lon": lon,
        }
    )


def _veil(frame: pd.DataFrame, **options: object) -> DisparityAudit:
    kwargs: dict[str, object] = {
        "group": "group",
        "searched": "searched",
        "found": ["found"],
        "date": "date",
        "time": "time",
        "location": LAHORE,
        "timezone": PKT,
        "reference": "R",
    }
    kwargs.update(options)
    return audit_stops(frame, **kwargs)  # type: ignore[arg-type]


def test_veil_recovers_known_darkness_effect() -> None:
    result = _veil(_simulate(n=40_000, beta=-0.5, seed=1))
    veil = result.veil_of_darkness
    assert veil is not None
    assert veil.group == "all groups except R" and veil.reference == "R"
    assert veil.ci[0] < -0.5 < veil.ci[1]
    assert veil.ci[1] < 0 and veil.p_value < 1e-6
    assert abs(veil.coef + 0.5) < 0.15
    assert veil.spline_df == 6
    assert [g.group for g in result.veil_of_darkness_by_group] == ["G"]


def test_veil_interval_covers_zero_without_effect() -> None:
    veil = _veil(_simulate(n=20_000, beta=0.0, seed=2)).veil_of_darkness
    assert veil is not None
    assert veil.ci[0] < 0 < veil.ci[1]
    assert veil.p_value > 0.05


def test_veil_filters_count_each_step() -> None:
    frame = _simulate(n=5_000, beta=0.0, seed=4)
    frame.loc[:9, "time"] = None
    veil = _veil(frame).veil_of_darkness
    assert veil is not None
    steps = dict(veil.filters)
    assert list(steps) == [
        "stops with the compared group or the reference",
        "date and time present",
        "inside inter-twilight window",
        "ambiguous sunset-to-dusk removed",
    ]
    assert steps["stops with the compared group or the reference"] == 5_000
    assert steps["date and time present"] == 4_990
    # Lahore: earliest dusk ~17:26, latest sunset ~19:10; 16:00-21:00 is 300 minutes.
    assert 0.25 < steps["inside inter-twilight window"] / 4_990 < 0.40
    assert veil.n_used == steps["ambiguous sunset-to-dusk removed"]
    assert veil.n_used < steps["inside inter-twilight window"]


def test_veil_window_is_between_earliest_dusk_and_latest_sunset() -> None:
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    twilight = [_twilight(*LAHORE, d, PKT) for d in days]
    min_dusk, max_sunset = min(t[1] for t in twilight), max(t[0] for t in twilight)
    times = [min_dusk, min_dusk + 1, max_sunset - 1, max_sunset]
    frame = pd.DataFrame(
        {
            "group": ["G"] * (4 * 365),
            "date": [d.isoformat() for d in days for _ in times],
            "time": [f"{m // 60:02d}:{m % 60:02d}" for _ in days for m in times],
        }
    )
    table = darkness_table(
        frame,
        source="<test>",
        groups=frame["group"],
        date="date",
        time="time",
        lat=None,
        lon=None,
        location=LAHORE,
        tz=zoneinfo.ZoneInfo(PKT),
    ).frame
    inside = table.groupby(table.index % 4)["in_window"].all()
    assert inside.tolist() == [False, True, True, False]


def test_veil_uses_local_clock_time_across_daylight_saving() -> None:
    # New York, 21 June: sunset 20:30 EDT, dusk 21:04 EDT; 21 December: dusk ~17:02 EST.
    frame = pd.DataFrame(
        {
            "group": ["G"] * 4,
            "date": ["2020-06-21", "2020-06-21", "2020-06-21", "2020-12-21"],
            "time": ["20:20", "20:45", "21:10", "17:30"],
        }
    )
    table = darkness_table(
        frame,
        source="<test>",
        groups=frame["group"],
        date="date",
        time="time",
        lat=None,
        lon=None,
        location=(40.7128, -74.0060),
        tz=zoneinfo.ZoneInfo("America/New_York"),
    ).frame
    assert table["ambiguous"].tolist() == [False, True, False, False]
    assert table["is_dark"].tolist() == [False, False, True, True]


def test_veil_adds_location_effects_for_several_places() -> None:
    frame = _simulate(n=30_000, beta=-0.4, seed=5, places=(LAHORE, KARACHI))
    frame.loc[:4, "lat"] = None
    veil = _veil(frame, location=None, lat="lat", lon="lon").veil_of_darkness
    assert veil is not None
    steps = dict(veil.filters)
    assert steps["location present"] == 29_995
    assert "locations where both classes were stopped" in steps
    assert veil.ci[0] < -0.4 < veil.ci[1]
    assert veil.ci[1] < 0


def test_veil_per_group_skips_small_groups_with_warning() -> None:
    frame = _simulate(n=8_000, beta=0.0, seed=6)
    frame.loc[:59, "group"] = "tiny"  # 60 stops, few of them inside the window
    result = _veil(frame)
    assert [v.group for v in result.veil_of_darkness_by_group] == ["G"]
    assert any("tiny vs R" in w and "fewer than 50" in w for w in result.warnings)
    veil = result.veil_of_darkness
    assert veil is not None
    assert dict(veil.filters)["stops with the compared group or the reference"] == 8_000


def test_veil_group_option_chooses_headline_comparison() -> None:
    frame = _simulate(n=8_000, beta=0.0, seed=7)
    frame.loc[frame.index % 3 == 0, "group"] = "H"
    result = _veil(frame, veil_group="H")
    veil = result.veil_of_darkness
    assert veil is not None and veil.group == "H"
    by_group = {v.group: v for v in result.veil_of_darkness_by_group}
    assert by_group["H"].coef == pytest.approx(veil.coef)
    with pytest.raises(ConfigError, match="veil_group"):
        _veil(frame, veil_group="R")


def test_veil_raises_when_a_class_is_never_stopped_after_dark() -> None:
    frame = _simulate(n=4_000, beta=0.0, seed=8)
    table = darkness_table(
        frame,
        source="<test>",
        groups=frame["group"],
        date="date",
        time="time",
        lat=None,
        lon=None,
        location=LAHORE,
        tz=zoneinfo.ZoneInfo(PKT),
    ).frame
    frame.loc[table["is_dark"].to_numpy() & (frame["group"] == "G").to_numpy(), "group"] = "R"
    with pytest.raises(InsufficientDataError, match="0 dark stops of all groups except R"):
        _veil(frame)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timezone": None}, "without a time zone"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"time": None}, "both a date and a time"),
        ({"location": None}, "needs a location"),
        ({"lat": "lat", "lon": "lon"}, "not both"),
        ({"lat": "lat", "location": None}, "latitude and a longitude"),
        ({"location": (95.0, 0.0)}, "latitude -90..90"),
    ],
)
def test_veil_rejects_bad_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _veil(_simulate(n=100, beta=0.0, seed=9), **options)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("time", "25:10", "24-hour clock time"),
        ("time", "half past six", "24-hour clock time"),
        ("date", "31/12/2023", "YYYY-MM-DD"),
        ("lat", "north", "want degrees"),
    ],
)
def test_veil_rejects_unreadable_values(column: str, value: str, message: str) -> None:
    frame = _simulate(n=100, beta=0.0, seed=10).astype({column: object})
    frame.loc[41, column] = value
    options: dict[str, object] = {"location": None, "lat": "lat", "lon": "lon"}
    with pytest.raises(InputError, match=message) as info:
        _veil(frame, **options)
    assert (info.value.row, info.value.column) == (42, column)


def test_veil_result_is_in_json_view() -> None:
    out = _veil(_simulate(n=5_000, beta=0.0, seed=11)).to_dict()
    veil = out["veil_of_darkness"]
    assert veil["filters"][0] == {
        "step": "stops with the compared group or the reference",
        "n": 5_000,
    }
    assert len(veil["ci"]) == 2 and veil["n_used"] > 0
    assert [v["group"] for v in out["veil_of_darkness_by_group"]] == ["G"]


def _natural_spline_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Truncated-power basis of the natural cubic spline (Hastie et al., ESL eq. 5.4-5.5)."""

    def d(k: int) -> np.ndarray:
        return (np.maximum(x - knots[k], 0) ** 3 - np.maximum(x - knots[-1], 0) ** 3) / (
            knots[-1] - knots[k]
        )

    return np.column_stack([x, *(d(k) - d(len(knots) - 2) for k in range(len(knots) - 2))])


@pytest.mark.shared
def test_veil_nypd_black_vs_white_matches_independent_fit() -> None:
    if not NYPD.is_file():
        pytest.skip(f"NYPD SQF 2020 data not found at {NYPD} (the shared/ data folder is absent)")
    import statsmodels.api as sm

    options: dict[str, object] = {
        "group": "SUSPECT_RACE_DESCRIPTION",
        "searched": "SEARCHED_FLAG",
        "found": ["WEAPON_FOUND_FLAG", "OTHER_CONTRABAND_FLAG"],
        "date": "STOP_FRISK_DATE",
        "time": "STOP_FRISK_TIME",
        "location": (40.7128, -74.0060),
        "timezone": "America/New_York",
        "reference": "WHITE",
    }
    result = audit_stops(NYPD, veil_group="BLACK", **options)  # type: ignore[arg-type]
    veil = result.veil_of_darkness
    assert veil is not None and (veil.group, veil.reference) == ("BLACK", "WHITE")
    # Values measured with this implementation (regression guard).
    assert veil.n_used == 1200
    assert veil.coef == pytest.approx(0.1574, abs=1e-3)
    assert veil.ci == pytest.approx((-0.2276, 0.5423), abs=1e-3)
    # Independent re-fit: the same stops with a hand-built natural spline basis
    # (knots at the 0, 1/6, ..., 1 quantiles, as R's ns(minute, df = 6)).
    frame = pd.read_csv(
        NYPD, usecols=["SUSPECT_RACE_DESCRIPTION", "STOP_FRISK_DATE", "STOP_FRISK_TIME"]
    )
    frame = frame[frame["SUSPECT_RACE_DESCRIPTION"].isin(["BLACK", "WHITE"])]
    minute = frame["STOP_FRISK_TIME"].str[:2].astype(int) * 60 + frame["STOP_FRISK_TIME"].str[
        3:5
    ].astype(int)
    ny = (40.7128, -74.0060)
    days = {
        d: _twilight(*ny, dt.date.fromisoformat(d), "America/New_York")
        for d in frame["STOP_FRISK_DATE"].unique()
    }
    sun = np.array([days[d][0] for d in frame["STOP_FRISK_DATE"]])
    dk = np.array([days[d][1] for d in frame["STOP_FRISK_DATE"]])
    m = minute.to_numpy()
    keep = (m > dk.min()) & (m < sun.max()) & ((m < sun) | (m > dk))
    m, dark = m[keep], (m > dk)[keep]
    y = (frame["SUSPECT_RACE_DESCRIPTION"].to_numpy()[keep] == "BLACK").astype(float)
    knots = np.quantile(m, np.linspace(0, 1, 7))
    design = sm.add_constant(
        np.column_stack([dark.astype(float), _natural_spline_basis(m.astype(float), knots)])
    )
    fit = sm.GLM(y, design, family=sm.families.Binomial()).fit()
    assert len(y) == veil.n_used
    assert veil.coef == pytest.approx(fit.params[1], abs=1e-6)
    assert veil.ci[0] == pytest.approx(fit.conf_int()[1][0], abs=1e-6)
    # The pooled comparison and the per-group list are reported too.
    pooled = audit_stops(NYPD, **options).veil_of_darkness  # type: ignore[arg-type]
    assert pooled is not None and pooled.group == "all groups except WHITE"
    assert pooled.n_used == 1777
