"""The cost of donut geomasking to hotspot accuracy (issue 6), on a small subset of the
bundled Chicago 2017-2018 aggravated-assault points (public data, no names)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mohtasib.audit._geomask_cost import GeomaskCost, geomask_cost
from mohtasib.cli._main import _Group
from mohtasib.cli._privacy import privacy
from mohtasib.errors import ConfigError

cli = _Group(commands={"privacy": privacy})
TZ = "America/Chicago"
TEST_START = pd.Timestamp("2018-01-01", tz=TZ).value / 86_400e9


@pytest.fixture(scope="module")
def points() -> pd.DataFrame:
    path = resources.files("mohtasib") / "data/demo/chicago_agg_assaults_2017_2018_points.csv.gz"
    with resources.as_file(path) as local:
        frame = pd.read_csv(local)
    box = frame.longitude.between(-87.72, -87.66) & frame.latitude.between(41.76, 41.82)
    return frame[box].reset_index(drop=True)


def _run(points: pd.DataFrame, masks: tuple[tuple[float, float], ...]) -> GeomaskCost:
    return geomask_cost(
        points,
        test_start=TEST_START,
        masks=masks,
        tz=TZ,
        test_days=42,
        horizon_days=7,
        train_days=360,
        n_boot=200,
    )


@pytest.fixture(scope="module")
def result(points: pd.DataFrame) -> GeomaskCost:
    return _run(points, ((0.0, 1.0), (500.0, 1000.0)))


def test_tiny_mask_costs_almost_nothing(result: GeomaskCost) -> None:
    tiny = result.masks[0]
    naive = next(m for m in tiny.models if m.model == "naive")
    assert abs(naive.hit_rate_change) < 0.02
    assert naive.hit_rate_masked == pytest.approx(naive.hit_rate + naive.hit_rate_change)


def test_large_mask_costs_the_naive_count(result: GeomaskCost) -> None:
    large = result.masks[1]
    naive = next(m for m in large.models if m.model == "naive")
    assert naive.hit_rate_change < 0 and naive.hit_rate_change_ci[1] < 0
    assert naive.pai_masked < naive.pai


def test_pai_change_is_hit_rate_change_times_area_ratio(result: GeomaskCost) -> None:
    scale = result.n_cells / result.flagged_cells
    for mask in result.masks:
        for m in mask.models:
            assert m.pai_change == pytest.approx(m.hit_rate_change * scale)
            assert m.pai == pytest.approx(m.hit_rate * scale)


def test_larger_masks_hide_points_among_more_events(result: GeomaskCost) -> None:
    tiny, large = (m.anonymity for m in result.masks)
    assert large.k_median > tiny.k_median
    assert large.below_k < tiny.below_k
    assert large.displacement is not None and large.displacement.min_m >= 499.0


def test_json_layout_and_reproducibility(points: pd.DataFrame, result: GeomaskCost) -> None:
    again = _run(points, ((0.0, 1.0), (500.0, 1000.0)))
    assert again.to_dict() == result.to_dict()
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert d["kind"] == "geomask_cost" and [m["model"] for m in d["masks"][0]["models"]] == [
        "naive",
        "kde",
    ]
    assert d["origins"] == 6 and d["masks"][1]["spatial_k_anonymity"]["radius_m"] == 1000.0


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"models": ("naive", "sepp")}, "models"),
        ({"masks": ((250.0, 50.0),)}, "masks"),
        ({"masks": ()}, "masks"),
        ({"coverage": 1.5}, "coverage"),
    ],
)
def test_bad_settings_raise_config_error(
    points: pd.DataFrame, kwargs: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError, match=key.rstrip("s")):
        geomask_cost(points, test_start=TEST_START, tz=TZ, **kwargs)  # type: ignore[arg-type]


def test_cli_table_json_and_errors(points: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    points.to_csv(path, index=False)
    base = ["privacy", "geomask-cost", str(path), "--test-start", "2018-01-01", "--tz", TZ]
    short = ["--test-days", "14", "--train-days", "360", "--n-boot", "50", "--masks", "50-250"]
    table = CliRunner().invoke(cli, [*base, *short])
    assert table.exit_code == 0, table.output
    assert "50-250" in table.stdout and "kde" in table.stdout
    out = tmp_path / "cost.json"
    written = CliRunner().invoke(cli, [*base, *short, "--format", "json", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text())["masks"][0]["max_distance_m"] == 250.0
    assert not (tmp_path / "cost.json.partial").exists()
    bad = CliRunner().invoke(cli, [*base, "--masks", "fifty"])
    assert bad.exit_code != 0 and "MIN-MAX" in bad.output
