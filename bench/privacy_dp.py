"""Benchmark: a differentially private release over 1,000,000 synthetic rows (goal < 10 s).

The rows are generated (not real data): 25 districts x 120 months x 10 categories
(30,000 cells), uniform at random. Timed: counting per cell in DuckDB through Ibis,
aligning to the public key set, calibrating the OpenDP measurement, drawing the noise
and writing the budget ledger. Not timed: generating the rows.

    .venv/bin/python bench/privacy_dp.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mohtasib.privacy import PrivacyBudget, keys_from_product, release_counts


def synthetic(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(20250101)
    months = [f"{y}-{m:02d}" for y in range(2010, 2020) for m in range(1, 13)]
    return pd.DataFrame(
        {
            "district": rng.integers(1, 26, rows),
            "month": np.asarray(months)[rng.integers(0, len(months), rows)],
            "category": rng.integers(0, 10, rows).astype(str),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = synthetic(args.rows)
    keys = keys_from_product(
        {
            "district": range(1, 26),
            "month": sorted(data["month"].unique()),
            "category": [str(i) for i in range(10)],
        }
    )
    by = ["district", "month", "category"]
    with tempfile.TemporaryDirectory() as folder:
        budget = Path(folder) / "budget.json"
        PrivacyBudget(100.0, 1e-3).save(budget)
        for mechanism, delta in (("laplace", None), ("gaussian", 1e-6)):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                release = release_counts(
                    data, by=by, epsilon=1.0, delta=delta, mechanism=mechanism,
                    keys=keys, budget=budget,
                )  # fmt: skip
                times.append(time.perf_counter() - start)
            print(
                f"{mechanism:8s} rows={args.rows:,} cells={release.cells:,} "
                f"best={min(times):.2f}s median={sorted(times)[len(times) // 2]:.2f}s "
                f"scale={release.scale:.3f} bound95={release.error_bound_95:.1f}"
            )


if __name__ == "__main__":
    main()
