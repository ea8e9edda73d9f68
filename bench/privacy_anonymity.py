"""Benchmark: anonymity check and generalisation on 1,000,000 SYNTHETIC incidents.

The incidents are generated here (Lahore-like coordinates, ages, times, offences):
SYNTHETIC, not real data. pycanon (test-only dependency) is timed on 100,000 rows
for comparison when it is installed.

Run: .venv/bin/python bench/privacy_anonymity.py [--n 1000000] [--pycanon-n 100000]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from mohtasib.privacy import (
    AgeHierarchy,
    CategoryHierarchy,
    LocationHierarchy,
    TimeHierarchy,
    check_anonymity,
    generalise,
)

QIS = ["age", "sex", "district", "occurred_at"]


def synthetic_incidents(n: int, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC incidents: age, sex, district, hour of occurrence, point, offence."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00")
    minutes = rng.integers(0, 365 * 24 * 60, n).astype("timedelta64[m]")
    return pd.DataFrame(
        {
            "age": np.clip(rng.normal(31, 12, n), 10, 90).astype(int),
            "sex": rng.choice(["female", "male"], n, p=[0.3, 0.7]),
            "district": rng.choice([f"D{i:02d}" for i in range(30)], n),
            "occurred_at": (start + minutes).astype("datetime64[h]"),
            "lon": 74.33 + rng.normal(0, 0.05, n),
            "lat": 31.52 + rng.normal(0, 0.05, n),
            "offence": rng.choice(
                ["theft", "assault", "robbery", "fraud", "murder", "harassment"],
                n,
                p=[0.35, 0.25, 0.15, 0.15, 0.02, 0.08],
            ),
        }
    )


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<58} {seconds:8.2f} s")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pycanon-n", type=int, default=100_000)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}; SYNTHETIC incidents")
    data, _ = timed(f"generate {args.n:,} incidents", lambda: synthetic_incidents(args.n))
    report, _ = timed(
        "check_anonymity (age, sex, district, hour; offence)",
        lambda: check_anonymity(data, quasi_identifiers=QIS, sensitive="offence", k=5, l=2, t=0.2),
    )
    print(f"  k={report.k_achieved} classes={report.n_classes:,} t={report.t_achieved:.3f}")
    hierarchies = {
        "age": AgeHierarchy(),
        "occurred_at": TimeHierarchy(),
        "place": LocationHierarchy(district="district"),
        "sex": CategoryHierarchy("sex"),
    }
    result, _ = timed(
        "generalise to k=5, l=2, <=5% suppressed (age, time, point, sex)",
        lambda: generalise(data, hierarchies=hierarchies, sensitive="offence", k=5, l=2),
    )
    print(
        f"  levels={dict(result.levels)} suppressed={result.suppressed:,} "
        f"nodes evaluated={result.nodes_evaluated}/{result.lattice_size} "
        f"precision loss={result.precision_loss:.3f}"
    )
    try:
        from pycanon import anonymity
    except ImportError:
        print("pycanon not installed: comparison skipped")
        return
    small = data.head(args.pycanon_n).copy()
    small["occurred_at"] = small["occurred_at"].astype(str)
    mine, _ = timed(
        f"mohtasib k, l, t on {args.pycanon_n:,}",
        lambda: check_anonymity(small, quasi_identifiers=QIS, sensitive="offence", k=1, l=1, t=1),
    )
    k_ref, _ = timed(
        f"pycanon k_anonymity on {args.pycanon_n:,}", lambda: anonymity.k_anonymity(small, QIS)
    )
    l_ref, _ = timed(
        f"pycanon l_diversity on {args.pycanon_n:,}",
        lambda: anonymity.l_diversity(small, QIS, ["offence"]),
    )
    print(f"  equal: k {mine.k_achieved == k_ref}, l {mine.l_distinct == l_ref}")


if __name__ == "__main__":
    main()
