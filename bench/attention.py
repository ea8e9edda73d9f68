"""The attention audit on every department of The Markup's PredPol data, and a peer join.

For each of the 38 departments The Markup analysed (``prediction_count.csv``), the
prediction boxes (``pred_count_by_dept/<dept>.csv``, 103,648 points in all) are
joined to the department's block groups and the full audit runs: exposure per
1,000 residents with 1,000 bootstrap resamples over areas, shares with intervals,
Lorenz/Gini, income bands, The Markup's most-targeted comparison. Wall and CPU
time are measured over all departments in one process (imports paid before the
timer). Peer, same process: geopandas ``sjoin`` of the same points to the same
block groups plus a ``groupby`` sum (the join and tally step only, no statistics).

``--replication`` prints instead the replication table of the docs page (our
top-decile shares against The Markup's published ones). Needs ../shared/data;
exits with a message where it is absent. Usage::

    python bench/attention.py [--replication]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mohtasib.fairness import audit_attention
from mohtasib.io import read_geojson

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "crime" / "predpol-markup-audit"
PUBLISHED = ROOT / "tests" / "fairness" / "data" / "markup_top_decile_published.csv"
GROUPS = ["white_alone", "black_alone", "latino_alone", "asian_alone"]


def departments() -> list[str]:
    counts = pd.read_csv(DATA / "prediction_count.csv")
    return [d for d in counts["department"] if d != "Total"]


def run_ours(names: list[str]) -> tuple[float, float, int]:
    areas = {
        d: read_geojson(DATA / "blockgroup_geojson" / f"{d}-geojson-with-data.json") for d in names
    }
    wall, cpu = time.perf_counter(), time.process_time()
    points = 0
    for d in names:
        result = audit_attention(
            areas[d],
            predictions=DATA / "pred_count_by_dept" / f"{d}.csv",
            population_columns=GROUPS,
            total_column="total_estimate",
            reference="white_alone",
            income_column="eligible_for_frl",
            income_per="total_estimate_household",
            n_boot=1000,
        )
        points += result.inputs[-1].rows
    return time.perf_counter() - wall, time.process_time() - cpu, points


def run_geopandas(names: list[str]) -> tuple[float, float]:
    import geopandas as gpd

    areas = {
        d: gpd.read_file(DATA / "blockgroup_geojson" / f"{d}-geojson-with-data.json") for d in names
    }
    wall, cpu = time.perf_counter(), time.process_time()
    for d in names:
        frame = pd.read_csv(DATA / "pred_count_by_dept" / f"{d}.csv")
        points = gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
        )
        joined = gpd.sjoin(points, areas[d][["id", "geometry"]], predicate="intersects")
        joined.groupby("id")["pred_count"].sum()
    return time.perf_counter() - wall, time.process_time() - cpu


def replication() -> None:
    published = pd.read_csv(PUBLISHED, comment="#", index_col="department")
    header = ["department", "Black: ours", "theirs", "Latino: ours", "theirs", "White: ours"]
    print("| " + " | ".join([*header, "theirs", "agrees"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    most, whole = [], []
    for d, theirs in published.iterrows():
        result = audit_attention(
            read_geojson(DATA / "blockgroup_geojson" / f"{d}-geojson-with-data.json"),
            population_columns=GROUPS, total_column="total_estimate", n_boot=0,
        )  # fmt: skip
        ours = [result.by_group()[g].top_decile_share or 0.0 for g in GROUPS]
        same = np.allclose(ours, theirs[GROUPS].to_numpy(float), atol=1e-6)
        pairs = ((1, "black_alone"), (2, "latino_alone"), (0, "white_alone"))
        cells = " | ".join(f"{100 * ours[j]:.1f} | {100 * theirs[g]:.1f}" for j, g in pairs)
        print(f"| {d} | {cells} | {'yes' if same else 'no'} |")
        most.append([result.by_group()[g].most_targeted_share or 0.0 for g in GROUPS])
        whole.append([result.by_group()[g].population_share for g in GROUPS])
    m, w = np.array(most), np.array(whole)
    print("\nMean over departments, most-targeted 5 % / all block groups, and departments where")
    print("the most-targeted share is the larger (ours; The Markup: 41.3/50.3 % White, 15.2/9.7 %")
    print("Black, 16.5/14.1 % Latino, 4.1/4.1 % Asian; 8, 25, 21 and 13 departments):")
    for j, g in enumerate(GROUPS):
        print(f"  {g}: {100 * m[:, j].mean():.1f} % / {100 * w[:, j].mean():.1f} %, "
              f"{int((m[:, j] > w[:, j]).sum())} departments")  # fmt: skip
    print("Mean relative change, most-targeted vs all block groups (headline chart; The Markup:")
    print("White -17.1 %, Black +28.5 %, Latino +16.2 %, Asian +0.2 %):")
    for j, g in enumerate(GROUPS):
        keep = w[:, j] > 0
        change = (m[keep, j] - w[keep, j]) / w[keep, j]
        print(f"  {g}: {100 * change.mean():+.1f} % over {int(keep.sum())} departments")


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent: this benchmark needs ../shared/data (The Markup's data)")
    if "--replication" in sys.argv:
        replication()
        return
    names = departments()
    print(f"{len(names)} departments; load average before: {os.getloadavg()}")
    wall, cpu, points = run_ours(names)
    print(f"mohtasib audit_attention (join + full audit, 1,000 resamples): "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU, {points:,} points")  # fmt: skip
    peer_wall, peer_cpu = run_geopandas(names)
    print(f"geopandas sjoin + groupby (join and tally only): {peer_wall:.2f} s wall, "
          f"{peer_cpu:.2f} s CPU")  # fmt: skip
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
