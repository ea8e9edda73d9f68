"""Generate the SYNTHETIC Pakistan-shaped example data: vehicle stops and risk flags.

No incident-level police data from Pakistan are public, so this example is
generated. Every row and every value is fictional: the cities and district
names are real places used as labels, but no stop, person, score or outcome
here happened. The script writes no CNIC numbers, names or number plates;
``driver_cnic_province`` and ``cnic_province`` hold only the province of issue
that the first digit of a CNIC encodes (1 Khyber Pakhtunkhwa, 2 FATA, 3 Punjab,
4 Sindh, 5 Balochistan, 6 Islamabad, 7 Gilgit-Baltistan).

Two files are written to ``--out`` (default: this script's folder):

``vehicle_stops_synthetic.csv.gz``
    One row per (fictional) Safe City number-plate-reader alert that led an
    officer to stop the vehicle: ``stop_date``, ``stop_time`` (local clock
    time, Asia/Karachi, which has no daylight saving), ``city``, ``district``,
    ``driver_cnic_province`` (about 2% blank), ``searched`` (Y/N), ``found``
    (Y/N, blank when there was no search), ``lat``, ``lon`` (the city centre).

``risk_flags_synthetic.csv``
    One row per (fictional) person scored by a risk-scoring system:
    ``score`` (0-100), ``flagged`` (Y when ``score >= 70``), ``reoffended``
    (Y/N, about 5% blank), ``cnic_province``, ``sex``, ``age_band``.

Planted effects (the audit in ``audit.yaml`` should recover them):

* Search rate: drivers with a Khyber Pakhtunkhwa CNIC are searched with
  probability 0.15, everyone else with 0.10 (ratio 1.5 against Punjab).
* Hit rate: searches of Khyber Pakhtunkhwa drivers find something with
  probability 0.20, everyone else's with 0.30 (ratio 2/3): they were searched
  on less evidence.
* Veil of darkness: after civil dusk (sun 6 degrees below the horizon) the log
  odds that a stopped driver holds a Khyber Pakhtunkhwa CNIC are lower by
  ``log(2)`` than in daylight at the same clock time (odds ratio 0.5).
* Risk flags: among people who did not reoffend, Khyber Pakhtunkhwa CNIC
  holders are flagged with probability 0.30, everyone else with 0.15 (false
  positive rate ratio 2.0); among people who did, everyone is flagged with
  probability 0.60 (equal true positive rates). The recorded outcome rate
  depends on the age band only.

The output depends only on ``--seed``, ``--rows`` and ``--risk-rows``: the
same arguments give the same bytes. Only uniform draws (``Generator.random``)
are used, turned into categories and scores by this script, so the output does
not depend on how a NumPy version samples other distributions. The stops file
is gzip-compressed with a zero timestamp; its compressed bytes may still differ
between zlib builds, its text does not.

Usage::

    python examples/pakistan/generate.py [--seed 2025] [--rows 15000]
        [--risk-rows 8000] [--out examples/pakistan]
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

#: Seed of the committed files.
DEFAULT_SEED = 2025
#: Stop rows and risk-flag rows of the committed files.
DEFAULT_ROWS = 15_000
DEFAULT_RISK_ROWS = 8_000

STOPS_FILE = "vehicle_stops_synthetic.csv.gz"
RISK_FILE = "risk_flags_synthetic.csv"

#: Province of issue, as decoded from the first digit of a CNIC.
PROVINCES = (
    "Khyber Pakhtunkhwa",
    "FATA",
    "Punjab",
    "Sindh",
    "Balochistan",
    "Islamabad",
    "Gilgit-Baltistan",
)
TARGET = "Khyber Pakhtunkhwa"

#: City: (share of stops, latitude, longitude, districts, province mix in PROVINCES order).
CITIES: dict[str, tuple[float, str, str, tuple[str, ...], tuple[float, ...]]] = {
    "Lahore": (
        0.42,
        "31.5204",
        "74.3587",
        ("City", "Cantonment", "Civil Lines", "Iqbal Town", "Model Town", "Sadar"),
        (0.10, 0.02, 0.80, 0.03, 0.02, 0.02, 0.01),
    ),
    "Islamabad": (
        0.26,
        "33.6844",
        "73.0479",
        ("City", "Industrial Area", "Rural", "Saddar"),
        (0.22, 0.04, 0.45, 0.05, 0.03, 0.18, 0.03),
    ),
    "Karachi": (
        0.16,
        "24.8607",
        "67.0011",
        ("South", "East", "West", "Central", "Korangi", "Malir", "Keamari"),
        (0.20, 0.03, 0.15, 0.55, 0.05, 0.01, 0.01),
    ),
    "Peshawar": (
        0.10,
        "34.0151",
        "71.5249",
        ("City", "Cantonment", "Rural", "Saddar"),
        (0.70, 0.15, 0.10, 0.02, 0.01, 0.01, 0.01),
    ),
    "Quetta": (
        0.06,
        "30.1798",
        "66.9750",
        ("City", "Cantonment", "Saddar", "Sariab"),
        (0.25, 0.03, 0.12, 0.05, 0.53, 0.01, 0.01),
    ),
}

#: Relative number of stops in each local clock hour 00-23 (an evening peak).
HOURLY = (2, 1, 1, 1, 1, 2, 3, 5, 7, 7, 7, 7, 7, 7, 7, 7, 8, 10, 11, 11, 10, 8, 5, 3)

SEARCH_RATE = {TARGET: 0.15, "other": 0.10}
HIT_RATE = {TARGET: 0.20, "other": 0.30}
DARK_LOG_ODDS = -float(np.log(2.0))
MISSING_PROVINCE = 0.02

RISK_PROVINCE_MIX = (0.15, 0.03, 0.50, 0.22, 0.05, 0.03, 0.02)
FALSE_POSITIVE_RATE = {TARGET: 0.30, "other": 0.15}
TRUE_POSITIVE_RATE = 0.60
THRESHOLD = 70
#: Age band: (share, recorded reoffence rate).
AGE_BANDS = {
    "18-25": (0.30, 0.40),
    "26-35": (0.35, 0.32),
    "36-45": (0.20, 0.25),
    "46+": (0.15, 0.18),
}
MALE_SHARE = 0.92
MISSING_OUTCOME = 0.05

UTC_OFFSET_MINUTES = 5 * 60  # Asia/Karachi, no daylight saving since 2009
YEAR_START = np.datetime64("2024-01-01")
DAYS = 366


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and write both files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="number of stops")
    parser.add_argument("--risk-rows", type=int, default=DEFAULT_RISK_ROWS)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    stops_seed, risk_seed = np.random.SeedSequence(args.seed).spawn(2)
    args.out.mkdir(parents=True, exist_ok=True)
    stops = vehicle_stops(np.random.default_rng(stops_seed), args.rows)
    risk = risk_flags(np.random.default_rng(risk_seed), args.risk_rows)
    text = stops.to_csv(index=False, lineterminator="\n").encode("utf-8")
    with (
        open(args.out / STOPS_FILE, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as handle,
    ):
        handle.write(text)
    risk.to_csv(args.out / RISK_FILE, index=False, lineterminator="\n")
    print(f"wrote {len(stops)} stops and {len(risk)} risk flags (SYNTHETIC) to {args.out}")


def _pick(u: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Category index per row from uniforms ``u`` and per-row probabilities (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative[..., -1] = 1.0
    return (u[:, None] >= np.atleast_2d(cumulative)).sum(axis=1)


def _yes_no(flags: np.ndarray) -> np.ndarray:
    return np.where(flags, "Y", "N").astype(object)


def vehicle_stops(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    """Stops after number-plate-reader alerts, with the planted disparities (module docstring)."""
    names = list(CITIES)
    shares = np.array([CITIES[c][0] for c in names])
    city = _pick(rng.random(rows), shares / shares.sum())
    district = np.empty(rows, dtype=object)
    u = rng.random(rows)
    for i, name in enumerate(names):
        options = np.array(CITIES[name][3], dtype=object)
        here = city == i
        district[here] = options[(u[here] * len(options)).astype(int)]
    day = (rng.random(rows) * DAYS).astype(int)
    hourly = np.array(HOURLY, dtype=float)
    minute = _pick(rng.random(rows), hourly / hourly.sum()) * 60
    minute += (rng.random(rows) * 60).astype(int)
    lat = np.array([float(CITIES[c][1]) for c in names])[city]
    lon = np.array([float(CITIES[c][2]) for c in names])[city]
    dark = _is_dark(lat, lon, day, minute)
    mix = np.array([CITIES[c][4] for c in names])[city]
    province = _pick(rng.random(rows), _shift_target(mix, dark))
    target = province == PROVINCES.index(TARGET)
    searched = rng.random(rows) < np.where(target, SEARCH_RATE[TARGET], SEARCH_RATE["other"])
    hit = rng.random(rows) < np.where(target, HIT_RATE[TARGET], HIT_RATE["other"])
    label = np.array(PROVINCES, dtype=object)[province]
    label[rng.random(rows) < MISSING_PROVINCE] = ""
    frame = pd.DataFrame(
        {
            "stop_date": np.datetime_as_string(YEAR_START + day, unit="D"),
            "stop_time": [f"{m // 60:02d}:{m % 60:02d}" for m in minute],
            "city": np.array(names, dtype=object)[city],
            "district": district,
            "driver_cnic_province": label,
            "searched": _yes_no(searched),
            "found": np.where(searched, _yes_no(hit), ""),
            "lat": np.array([CITIES[c][1] for c in names], dtype=object)[city],
            "lon": np.array([CITIES[c][2] for c in names], dtype=object)[city],
        }
    )
    order = np.lexsort((minute, day))
    return frame.iloc[order].reset_index(drop=True)


def _shift_target(mix: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """Province probabilities with the target's log odds moved by DARK_LOG_ODDS after dusk.

    The other provinces keep their relative shares, so the log odds of the
    target against any one of them move by DARK_LOG_ODDS too.
    """
    k = PROVINCES.index(TARGET)
    p = mix[:, k]
    odds = p / (1 - p) * np.exp(np.where(dark, DARK_LOG_ODDS, 0.0))
    shifted = odds / (1 + odds)
    out = mix * ((1 - shifted) / (1 - p))[:, None]
    out[:, k] = shifted
    return out


def _is_dark(lat: np.ndarray, lon: np.ndarray, day: np.ndarray, minute: np.ndarray) -> np.ndarray:
    """True after civil dusk or before civil dawn (NOAA solar equations, to about a minute)."""
    gamma = 2 * np.pi / 365 * day  # day 0 is 1 January
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(gamma)
        - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma)
        - 0.040849 * np.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(gamma)
        + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma)
        + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma)
        + 0.00148 * np.sin(3 * gamma)
    )
    phi = np.radians(lat)
    cos_ha = np.cos(np.radians(96.0)) / (np.cos(phi) * np.cos(decl)) - np.tan(phi) * np.tan(decl)
    half_night = 4 * np.degrees(np.arccos(np.clip(cos_ha, -1, 1)))
    noon = 720 - 4 * lon - eqtime + UTC_OFFSET_MINUTES
    return (minute > noon + half_night) | (minute < noon - half_night)


def risk_flags(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    """Risk-scoring flags with a planted false-positive-rate gap (module docstring)."""
    province = _pick(rng.random(rows), np.array(RISK_PROVINCE_MIX))
    bands = list(AGE_BANDS)
    band = _pick(rng.random(rows), np.array([AGE_BANDS[b][0] for b in bands]))
    outcome = rng.random(rows) < np.array([AGE_BANDS[b][1] for b in bands])[band]
    target = province == PROVINCES.index(TARGET)
    fpr = np.where(target, FALSE_POSITIVE_RATE[TARGET], FALSE_POSITIVE_RATE["other"])
    flagged = rng.random(rows) < np.where(outcome, TRUE_POSITIVE_RATE, fpr)
    # A score inside the band its flag implies: 70-100 when flagged, 0-69 otherwise;
    # the larger of two uniforms leans flagged scores, the smaller unflagged ones, to the middle.
    u = np.column_stack([rng.random(rows), rng.random(rows)])
    high = THRESHOLD + (u.max(axis=1) * (101 - THRESHOLD)).astype(int)
    low = (u.min(axis=1) * THRESHOLD).astype(int)
    score = np.where(flagged, high, low)
    reoffended = _yes_no(outcome)
    reoffended[rng.random(rows) < MISSING_OUTCOME] = ""
    return pd.DataFrame(
        {
            "score": score,
            "flagged": _yes_no(score >= THRESHOLD),
            "reoffended": reoffended,
            "cnic_province": np.array(PROVINCES, dtype=object)[province],
            "sex": np.where(rng.random(rows) < MALE_SHARE, "M", "F"),
            "age_band": np.array(bands, dtype=object)[band],
        }
    )


if __name__ == "__main__":
    main()
