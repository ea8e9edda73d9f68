"""Benchmark: per-group DET curves + cross-group FMR matrix vs pyeer and scikit-learn.

SYNTHETIC data (labelled so in every output line): normal impostor and genuine
scores over 8 groups, seeded. Each tool runs in its own subprocess; the
parent reports wall time, CPU time and peak RSS of each. Data generation is
not timed.

    python bench/biometrics.py --impostor 10000000 --genuine 100000
    python bench/biometrics.py --stream 100000000 --parquet /tmp/scores-1e8.parquet

``--stream N`` writes N SYNTHETIC comparisons to a Parquet file in chunks of
10^7 rows (once; generation is not timed) and times
:func:`mohtasib.biometrics.stream_counts` over it: exact counts at the
operating threshold plus a 1,000-point grid for DET curves, per (probe group,
reference group) cell, in one pass. With ``--stream-audit B`` it times
:func:`mohtasib.biometrics.audit_stream` instead: the whole audit in one pass,
with ``B`` subject-level bootstrap replicates.

    python bench/biometrics.py --stream 10000000 --parquet /tmp/s7.parquet --stream-audit 1000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

TOOLS = ("mohtasib", "sklearn", "pyeer")
_CHUNK = 10_000_000


def _data(n_imp: int, n_gen: int, groups: int, seed: int):
    rng = np.random.default_rng(seed)
    subjects = max(groups * 2, n_gen)
    sg = rng.integers(0, groups, subjects)
    ps, rs = rng.integers(0, subjects, n_imp), rng.integers(0, subjects, n_imp)
    rs = np.where(rs == ps, (rs + 1) % subjects, rs)
    gs = rng.integers(0, subjects, n_gen)
    score = np.r_[rng.normal(0.3 + 0.01 * sg[ps], 0.1), rng.normal(0.8, 0.1, n_gen)]
    probe, ref = np.r_[ps, gs], np.r_[rs, gs]
    return sg, probe, ref, score, np.r_[np.zeros(n_imp, bool), np.ones(n_gen, bool)]


def _run(tool: str, n_imp: int, n_gen: int, groups: int, seed: int) -> dict[str, object]:
    sg, probe, ref, score, genuine = _data(n_imp, n_gen, groups, seed)
    wall, cpu = time.perf_counter(), time.process_time()
    if tool == "mohtasib":
        from mohtasib.biometrics import build_index, equal_error_rate, error_curve

        index = build_index(sg[probe], sg[ref], score, genuine, n_groups=groups)
        eers = [
            equal_error_rate(*error_curve(index.genuine[g], index.impostor_cell(g, g))[1:])[0]
            for g in range(groups)
        ]
        index.false_matches([0.6])
        what = f"{groups} per-group DET curves + EERs + {groups}x{groups} cross-group FMR matrix"
        extra = {"eer_min": min(eers), "eer_max": max(eers)}
    elif tool == "sklearn":
        from sklearn.metrics import det_curve

        det_curve(genuine.astype(int), score)
        what, extra = "one DET curve (all scores)", {}
    else:
        from pyeer.eer_stats import calculate_roc

        calculate_roc(score[genuine], score[~genuine])
        what, extra = "one ROC curve, calculate_roc (all scores)", {}
    return {
        "tool": tool,
        "what": what,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **extra,
    }


def _write_parquet(path: str, n: int, groups: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_subjects = 100_000
    ids = pa.array([f"s{i}" for i in range(n_subjects)])
    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [
            ("probe_subject", pa.dictionary(pa.int32(), pa.string())),
            ("reference_subject", pa.dictionary(pa.int32(), pa.string())),
            ("score", pa.float64()),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n, _CHUNK):
            m = min(_CHUNK, n - start)
            ps = rng.integers(0, n_subjects, m, dtype=np.int32)
            rs = np.where(rng.random(m) < 0.01, ps, rng.integers(0, n_subjects, m, dtype=np.int32))
            score = np.where(ps == rs, rng.normal(0.8, 0.1, m), rng.normal(0.3, 0.1, m))
            table = pa.table(
                [
                    pa.DictionaryArray.from_arrays(pa.array(ps), ids),
                    pa.DictionaryArray.from_arrays(pa.array(rs), ids),
                    pa.array(score),
                ],
                schema=schema,
            )
            writer.write_table(table, row_group_size=1 << 20)
    del groups


def _stream(path: str, groups: int, n_boot: int) -> dict[str, object]:
    import pandas as pd

    from mohtasib.biometrics import audit_stream, stream_counts, subjects_from_frame

    n_subjects = 100_000
    subjects = subjects_from_frame(
        pd.DataFrame(
            {
                "subject_id": [f"s{i}" for i in range(n_subjects)],
                "group": [f"g{i % groups}" for i in range(n_subjects)],
            }
        ),
        group_by=["group"],
    )
    grid = np.r_[0.6, np.linspace(-0.2, 1.3, 1000)]
    wall, cpu = time.perf_counter(), time.process_time()
    if n_boot >= 0:
        result = audit_stream(path, subjects, group_by=["group"], threshold=0.6, n_bootstrap=n_boot)
        return {
            "tool": "mohtasib audit_stream",
            "rows": result.inputs[0]["rows"],
            "wall_s": time.perf_counter() - wall,
            "cpu_s": time.process_time() - cpu,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "what": f"whole audit, {groups} groups, {n_boot} subject-bootstrap replicates, "
            "2,000-point grid, one pass",
        }
    counts = stream_counts(path, subjects, thresholds=grid)
    return {
        "tool": "mohtasib stream_counts",
        "rows": counts.rows,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "what": f"{groups}x{groups} cells x {counts.thresholds.size} thresholds, one pass",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impostor", type=int, default=10_000_000)
    parser.add_argument("--genuine", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--stream", type=int, default=0, help="rows of the Parquet benchmark")
    parser.add_argument("--parquet", default="/tmp/mohtasib-bench-scores.parquet")
    parser.add_argument(
        "--stream-audit", type=int, default=-1, help="time audit_stream with this many replicates"
    )
    parser.add_argument("--worker", choices=(*TOOLS, "stream"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "stream":
        print(json.dumps(_stream(args.parquet, args.groups, args.stream_audit)))
        return
    if args.stream:
        import os

        if not os.path.exists(args.parquet):
            _write_parquet(args.parquet, args.stream, args.groups, args.seed)
        cmd = [sys.executable, __file__, "--worker", "stream", "--parquet", args.parquet]
        cmd += ["--groups", str(args.groups), "--stream-audit", str(args.stream_audit)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = json.loads(done.stdout)
        print(
            f"SYNTHETIC {row['rows']:,} comparisons from Parquet, {args.groups} groups | "
            f"{row['wall_s']:7.2f} s wall {row['cpu_s']:7.2f} s CPU "
            f"{row['peak_rss_mb']:7.0f} MB peak RSS | {row['what']}"
        )
        return
    if args.worker:
        print(json.dumps(_run(args.worker, args.impostor, args.genuine, args.groups, args.seed)))
        return
    for tool in args.tools.split(","):
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            tool,
            "--impostor",
            str(args.impostor),
            "--genuine",
            str(args.genuine),
            "--groups",
            str(args.groups),
            "--seed",
            str(args.seed),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode:
            print(f"{tool}: failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(done.stdout)
        size = f"{args.impostor:,} impostor + {args.genuine:,} genuine, {args.groups} groups"
        print(
            f"SYNTHETIC {size} | "
            f"{row['tool']:8s} {row['wall_s']:7.2f} s wall {row['cpu_s']:7.2f} s CPU "
            f"{row['peak_rss_mb']:7.0f} MB peak RSS (incl. data) | {row['what']}"
        )


if __name__ == "__main__":
    main()
