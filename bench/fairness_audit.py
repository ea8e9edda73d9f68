"""Benchmark: mohtasib's fairness audit against Aequitas 1.1 and Fairlearn 0.15.

All data here is SYNTHETIC (seeded random numbers; no real person or police
record). Every tool gets the same rows, read from the same Parquet file into an
in-memory pandas frame *before* its timer starts, in a fresh subprocess per
measurement, so peak memory is that tool's own. Usage::

    .venv/bin/python bench/fairness_audit.py            # 10M rows, peers on 1M
    .venv/bin/python bench/fairness_audit.py --rows 2000000 --skip-spark

Timings: wall (``time.perf_counter``) and CPU (``time.process_time``, all threads
of the process; for Spark also the JVM's user+system time from ``/proc``). Peak
memory: the process's peak resident set (``VmHWM``, reset with
``/proc/self/clear_refs`` after the frame is loaded, so it covers the measured
call and includes the input frame already resident); for Spark the JVM's own
peak is added.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "_data"
ATTRIBUTES = ("race", "sex", "age")
SEED = 20261127
TOOLS = (
    "mohtasib-duckdb",
    "mohtasib-duckdb-engine",
    "mohtasib-spark",
    "mohtasib-spark-parquet",
    "aequitas",
    "fairlearn",
)
# Engine tools read the Parquet file inside the timed call (the rows never reach pandas);
# the others get the pandas frame before their timer starts.
ENGINE_TOOLS = ("mohtasib-duckdb-engine", "mohtasib-spark-parquet")
DEFAULT_TOOLS = TOOLS
CLK_TCK = os.sysconf("SC_CLK_TCK")

# --------------------------------------------------------------------------- data

RACE = ("White", "Black", "Hispanic", "Asian", "Indigenous", "Other")
RACE_P = (0.46, 0.24, 0.17, 0.07, 0.04, 0.02)
SEX = ("M", "F")
SEX_P = (0.72, 0.28)
AGE = ("<25", "25-44", "45+")
AGE_P = (0.31, 0.47, 0.22)


def synthetic_frame(rows: int, seed: int = SEED) -> pd.DataFrame:
    """SYNTHETIC rows: 3 protected attributes (6 x 2 x 3 values), label and decision.

    The recorded outcome's base rate and the decision's error rates both depend
    on the group, so every metric differs across groups.
    """
    rng = np.random.default_rng(seed)
    r = rng.choice(len(RACE), size=rows, p=RACE_P).astype(np.int8)
    s = rng.choice(len(SEX), size=rows, p=SEX_P).astype(np.int8)
    a = rng.choice(len(AGE), size=rows, p=AGE_P).astype(np.int8)
    race_shift = np.array([0.0, 0.35, 0.2, -0.25, 0.3, 0.05])[r]
    sex_shift = np.array([0.15, -0.2])[s]
    age_shift = np.array([0.3, 0.0, -0.4])[a]
    logit = -1.1 + race_shift + sex_shift + age_shift
    label = rng.random(rows) < 1 / (1 + np.exp(-logit))
    # The decision: a noisy view of the label plus a group bias.
    score = 1.6 * label + 0.5 * race_shift + 0.3 * age_shift + rng.normal(0, 1, rows)
    pred = score > 1.0
    return pd.DataFrame(
        {
            "race": pd.Categorical.from_codes(r, RACE).astype(object),
            "sex": pd.Categorical.from_codes(s, SEX).astype(object),
            "age": pd.Categorical.from_codes(a, AGE).astype(object),
            "label": label.astype(np.int8),
            "pred": pred.astype(np.int8),
        }
    )


def data_path(rows: int) -> Path:
    return DATA_DIR / f"synthetic_fairness_{rows}_seed{SEED}.parquet"


def ensure_data(rows_list: list[int]) -> dict[int, Path]:
    """Write each row count once; smaller files are prefixes of the largest."""
    paths = {n: data_path(n) for n in rows_list}
    todo = [n for n, p in paths.items() if not p.exists()]
    if todo:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        frame = synthetic_frame(max(rows_list))
        for n in todo:
            frame.iloc[:n].to_parquet(paths[n], index=False)
        print(f"[data] SYNTHETIC data written in {time.perf_counter() - t0:.1f} s (not timed)")
    return paths


# --------------------------------------------------------------------------- probes


def _status(pid: int | str = "self") -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM", "VmRSS")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) // 1024  # MiB
    return out


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = (task / "children").read_text().split()
            for child in map(int, children):
                out.append(child)
                todo.append(child)
    return out


def _cpu_ticks(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


class Meter:
    """Wall and CPU time of phases; CPU and peak memory of child processes too."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}
        self.reset_ok = _reset_peak()
        self.baseline_rss_mb = _status()["VmRSS"]
        self.children_cpu0 = self._children_cpu()

    def _children_cpu(self) -> dict[int, float]:
        out = {}
        for pid in _descendants(os.getpid()):
            with contextlib.suppress(OSError):
                out[pid] = _cpu_ticks(pid)
        return out

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        gc.collect()
        kids0 = self._children_cpu()
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        kids1 = self._children_cpu()
        child_cpu = sum(v - kids0.get(pid, 0.0) for pid, v in kids1.items())
        self.phases[name] = {
            "wall_s": wall,
            "cpu_s": cpu + child_cpu,
            "child_cpu_s": child_cpu,
            "peak_rss_mb_so_far": _status()["VmHWM"],
        }
        print(f"[{name}] wall {wall:.2f} s  cpu {cpu + child_cpu:.2f} s", flush=True)
        return result

    def report(self) -> dict[str, Any]:
        kids = {}
        for pid in _descendants(os.getpid()):
            with contextlib.suppress(OSError, KeyError):
                kids[pid] = _status(pid)["VmHWM"]
        return {
            "phases": self.phases,
            "baseline_rss_mb": self.baseline_rss_mb,
            "peak_rss_mb": _status()["VmHWM"],
            "children_peak_rss_mb": sum(kids.values()),
            "peak_reset_ok": self.reset_ok,
        }


# --------------------------------------------------------------------------- tools


def run_mohtasib(frame: pd.DataFrame, meter: Meter, engine: str) -> dict[str, Any]:
    from mohtasib import fairness
    from mohtasib.engine import connect

    if engine == "spark":
        # Start the JVM before the timer: a one-off cost per process, timed apart.
        meter.run("spark_session_start", lambda: connect("spark"))

    def go() -> Any:
        return fairness.audit(
            frame,
            label="label",
            prediction="pred",
            attributes=list(ATTRIBUTES),
            intersections=True,
            engine=engine,
        )

    result = meter.run("audit", go)
    # A second call in the same process: imports and engine start-up already paid.
    result = meter.run("audit_warm", go)
    extra = {}
    if engine == "spark":
        from mohtasib.engine import _spark_session

        conf = "spark.sql.execution.arrow.pyspark.enabled"
        extra[conf] = _spark_session().conf.get(conf)
    groups = len(result.groups)
    tested = sum(1 for d in result.disparities if d.p_value is not None)
    return {
        "groups": groups,
        "disparities": len(result.disparities),
        "tested": tested,
        "family_size": result.family_size,
        "metrics": len(result.metrics),
        **extra,
    }


def _groupings() -> list[tuple[str, ...]]:
    return [
        *((a,) for a in ATTRIBUTES),
        *combinations(ATTRIBUTES, 2),
        tuple(ATTRIBUTES),
    ]


def _with_intersections(df: pd.DataFrame) -> pd.DataFrame:
    """Aequitas has no intersections: add one string column per intersection."""
    out = df.copy()
    for grouping in _groupings():
        if len(grouping) > 1:
            col = out[grouping[0]]
            for name in grouping[1:]:
                col = col + " × " + out[name]
            out["×".join(grouping)] = col
    return out


def run_aequitas(frame: pd.DataFrame, meter: Meter, significance: bool) -> dict[str, Any]:
    from aequitas.bias import Bias
    from aequitas.group import Group

    df = frame.rename(columns={"pred": "score", "label": "label_value"})

    wide = meter.run("prep_intersection_columns", lambda: _with_intersections(df))
    attr_cols = [c for c in wide.columns if c not in ("score", "label_value")]

    def crosstabs_and_disparity() -> tuple[pd.DataFrame, dict[str, str]]:
        xtab, _ = Group().get_crosstabs(wide, attr_cols=attr_cols)
        largest = xtab.loc[xtab.groupby("attribute_name")["group_size"].idxmax()]
        refs = dict(zip(largest["attribute_name"], largest["attribute_value"], strict=True))
        bdf = Bias().get_disparity_predefined_groups(xtab, original_df=wide, ref_groups_dict=refs)
        return bdf, refs

    bdf, refs = meter.run("crosstabs_disparity", crosstabs_and_disparity)
    out = {"groups": len(bdf), "attributes": len(attr_cols)}
    if significance:
        xtab, _ = Group().get_crosstabs(wide, attr_cols=attr_cols)

        def sig() -> pd.DataFrame:
            return Bias().get_disparity_predefined_groups(
                xtab,
                original_df=wide,
                ref_groups_dict=refs,
                check_significance=True,
                mask_significance=False,
            )

        sdf = meter.run("significance_pass", sig)
        out["significance_columns"] = int(sdf.columns.str.endswith("_significance").sum())
    return out


def _fairlearn_metrics() -> dict[str, Callable[[Any, Any], float]]:
    from fairlearn.metrics import (
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import precision_score

    def npv(y_true: Any, y_pred: Any) -> float:
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        neg = yp == 0
        return float((yt[neg] == 0).mean()) if neg.any() else float("nan")

    def for_(y_true: Any, y_pred: Any) -> float:
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        neg = yp == 0
        return float((yt[neg] == 1).mean()) if neg.any() else float("nan")

    def fdr(y_true: Any, y_pred: Any) -> float:
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        pos = yp == 1
        return float((yt[pos] == 0).mean()) if pos.any() else float("nan")

    def base_rate(y_true: Any, y_pred: Any) -> float:
        return float(np.asarray(y_true).mean())

    def ppv(y_true: Any, y_pred: Any) -> float:
        return float(precision_score(y_true, y_pred, zero_division=np.nan))

    return {
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "tnr": true_negative_rate,
        "ppv": ppv,
        "npv": npv,
        "fdr": fdr,
        "for": for_,
        "base_rate": base_rate,
    }


def run_fairlearn(frame: pd.DataFrame, meter: Meter) -> dict[str, Any]:
    from fairlearn.metrics import MetricFrame

    metrics = _fairlearn_metrics()

    def go() -> list[Any]:
        frames = []
        for grouping in _groupings():
            mf = MetricFrame(
                metrics=metrics,
                y_true=frame["label"],
                y_pred=frame["pred"],
                sensitive_features=frame[list(grouping)],
            )
            frames.append(mf.by_group)
        return frames

    frames = meter.run("metricframes", go)
    return {"groups": sum(len(f) for f in frames), "metricframes": len(frames)}


def run_mohtasib_engine(path: Path, meter: Meter, engine: str) -> dict[str, Any]:
    """The in-engine path: Parquet read and checked by the engine inside the timed call."""
    from mohtasib import fairness
    from mohtasib.engine import connect

    if engine == "spark":
        meter.run("spark_session_start", lambda: connect("spark"))

    def go() -> Any:
        if engine == "duckdb":
            import ibis

            data: Any = ibis.duckdb.connect().read_parquet(str(path))
        else:
            data = path
        return fairness.audit(
            data,
            label="label",
            prediction="pred",
            attributes=list(ATTRIBUTES),
            intersections=True,
            engine=engine,
        )

    meter.run("audit", go)
    result = meter.run("audit_warm", go)
    return {
        "groups": len(result.groups),
        "disparities": len(result.disparities),
        "family_size": result.family_size,
        "metrics": len(result.metrics),
    }


def source_fingerprint() -> str:
    """SHA-256 over mohtasib/fairness/*.py and engine.py: which code was measured."""
    import hashlib

    root = HERE.parent / "mohtasib"
    digest = hashlib.sha256()
    for path in sorted([*root.glob("fairness/*.py"), root / "engine.py"]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def worker(tool: str, path: Path, significance: bool) -> dict[str, Any]:
    fingerprint = source_fingerprint()
    if tool in ENGINE_TOOLS:
        import pyarrow.parquet as pq

        meter = Meter()
        engine = "duckdb" if tool == "mohtasib-duckdb-engine" else "spark"
        info = run_mohtasib_engine(path, meter, engine)
        return {
            "tool": tool,
            "rows": pq.read_metadata(path).num_rows,
            "info": info,
            "mohtasib_source_sha256_16": fingerprint,
            **meter.report(),
        }
    frame = pd.read_parquet(path)
    gc.collect()
    meter = Meter()
    if tool == "mohtasib-duckdb":
        info = run_mohtasib(frame, meter, "duckdb")
    elif tool == "mohtasib-spark":
        info = run_mohtasib(frame, meter, "spark")
    elif tool == "aequitas":
        info = run_aequitas(frame, meter, significance)
    elif tool == "fairlearn":
        info = run_fairlearn(frame, meter)
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    return {
        "tool": tool,
        "rows": len(frame),
        "info": info,
        "mohtasib_source_sha256_16": fingerprint,
        **meter.report(),
    }


# --------------------------------------------------------------------------- driver


def measure(
    tool: str, path: Path, rows: int, timeout: float, significance: bool = False
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", tool, "--data", str(path)]
    if significance:
        cmd.append("--significance")
    print(f"\n=== {tool} on {rows:,} SYNTHETIC rows ===", flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"[{tool}] timed out after {timeout:.0f} s")
        return {"tool": tool, "rows": rows, "error": f"timed out after {timeout:.0f} s"}
    sys.stdout.write(proc.stdout.split("@@RESULT@@")[0])
    if proc.returncode != 0 or "@@RESULT@@" not in proc.stdout:
        tail = proc.stderr[-3000:]
        print(f"[{tool}] failed (rc {proc.returncode}):\n{tail}")
        return {"tool": tool, "rows": rows, "error": f"rc {proc.returncode}: {tail[-500:]}"}
    result = json.loads(proc.stdout.split("@@RESULT@@", 1)[1])
    result["subprocess_wall_s"] = time.perf_counter() - t0
    return result


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in (
        "mohtasib",
        "aequitas",
        "fairlearn",
        "scikit-learn",
        "pandas",
        "numpy",
        "duckdb",
        "ibis-framework",
        "pyspark",
        "pyarrow",
        "scipy",
    ):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "absent"
    return out


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kb / 1024**2, 1),
        "loadavg_at_start": os.getloadavg(),
        "platform": platform.platform(),
    }


ROWS_REPORTED = (
    # (label, tool, phases that make up the time)
    ("mohtasib (DuckDB)", "mohtasib-duckdb", ("audit_warm",)),
    ("mohtasib (DuckDB), first call", "mohtasib-duckdb", ("audit",)),
    ("mohtasib in-engine (DuckDB reads Parquet)", "mohtasib-duckdb-engine", ("audit_warm",)),
    ("mohtasib in-engine (DuckDB), first call", "mohtasib-duckdb-engine", ("audit",)),
    ("mohtasib (Spark local)", "mohtasib-spark", ("audit_warm",)),
    ("mohtasib (Spark local), first call", "mohtasib-spark", ("audit",)),
    ("mohtasib in-engine (Spark reads Parquet)", "mohtasib-spark-parquet", ("audit_warm",)),
    ("mohtasib in-engine (Spark), first call", "mohtasib-spark-parquet", ("audit",)),
    ("Aequitas crosstabs+disparity", "aequitas", ("crosstabs_disparity",)),
    ("Aequitas significance pass alone", "aequitas", ("significance_pass",)),
    ("Fairlearn 7 MetricFrames", "fairlearn", ("metricframes",)),
)


def summarise(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in results:
        for label, tool, phases in ROWS_REPORTED:
            if r["tool"] != tool:
                continue
            if "error" in r:
                if phases[0] in ("audit_warm", "crosstabs_disparity", "metricframes"):
                    rows.append({"tool": label, "rows": r["rows"], "error": r["error"]})
                continue
            if not all(p in r["phases"] for p in phases):
                continue
            ph = r["phases"]
            peak = ph[phases[-1]]["peak_rss_mb_so_far"] + r.get("children_peak_rss_mb", 0)
            rows.append(
                {
                    "tool": label,
                    "rows": r["rows"],
                    "wall_s": round(sum(ph[p]["wall_s"] for p in phases), 3),
                    "cpu_s": round(sum(ph[p]["cpu_s"] for p in phases), 3),
                    "peak_rss_mb": peak,
                    "baseline_rss_mb": r["baseline_rss_mb"],
                }
            )
    ref = {
        row["rows"]: row for row in rows if row["tool"] == "mohtasib (DuckDB)" and row.get("wall_s")
    }
    for row in rows:
        base = ref.get(row["rows"])
        if base and row.get("wall_s") and row["tool"] != "mohtasib (DuckDB)":
            row["wall_ratio_vs_mohtasib"] = round(row["wall_s"] / base["wall_s"], 2)
            row["cpu_ratio_vs_mohtasib"] = round(row["cpu_s"] / base["cpu_s"], 2)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--peer-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--skip-fairlearn", action="store_true")
    parser.add_argument("--skip-aequitas-significance", action="store_true")
    parser.add_argument(
        "--aequitas-full", action="store_true", help="also run Aequitas on --rows rows"
    )
    parser.add_argument(
        "--spark-rows", type=int, default=None, help="rows for Spark (default: --peer-rows)"
    )
    parser.add_argument(
        "--tools",
        default=",".join(DEFAULT_TOOLS),
        help="comma-separated subset of: " + ", ".join(TOOLS),
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per measurement")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "fairness_audit.json")
    parser.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--significance", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        result = worker(args.worker, args.data, args.significance)
        print("@@RESULT@@" + json.dumps(result), flush=True)
        return

    host = machine()  # load average before any measurement
    spark_rows = args.spark_rows or args.peer_rows
    sizes = sorted({args.rows, args.peer_rows} | (set() if args.skip_spark else {spark_rows}))
    paths = ensure_data(sizes)
    results: list[dict[str, Any]] = []

    wanted = set(args.tools.split(","))

    def record(tool: str, rows: int, significance: bool = False) -> None:
        if tool not in wanted:
            return
        results.append(measure(tool, paths[rows], rows, args.timeout, significance))

    record("mohtasib-duckdb", args.peer_rows)
    record("mohtasib-duckdb-engine", args.peer_rows)
    record("aequitas", args.peer_rows, significance=not args.skip_aequitas_significance)
    if not args.skip_fairlearn:
        record("fairlearn", args.peer_rows)
    if args.rows != args.peer_rows:
        record("mohtasib-duckdb", args.rows)
        record("mohtasib-duckdb-engine", args.rows)
        if args.aequitas_full:
            record("aequitas", args.rows)
    if not args.skip_spark:
        record("mohtasib-spark", spark_rows)
        record("mohtasib-spark-parquet", spark_rows)

    summary = summarise(results)
    out = {
        "note": "SYNTHETIC data (seeded); machine shared with other jobs",
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "seed": SEED,
        "machine": {**host, "loadavg_at_end": os.getloadavg()},
        "versions": versions(),
        "summary": summary,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    print(f"{'tool':34} {'rows':>11} {'wall s':>9} {'cpu s':>9} {'peak MB':>8} {'ratio':>7}")
    for row in summary:
        if row.get("error"):
            print(f"{row['tool']:34} {row['rows']:>11,} {row['error'][:40]}")
            continue
        ratio = row.get("wall_ratio_vs_mohtasib", "")
        print(
            f"{row['tool']:34} {row['rows']:>11,} {row['wall_s']:>9.2f} {row['cpu_s']:>9.2f} "
            f"{row['peak_rss_mb']:>8} {ratio!s:>7}"
        )


if __name__ == "__main__":
    main()
