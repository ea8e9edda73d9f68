"""Reading cells, records and the truth: bad input is named, never silently dropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mohtasib.errors import InputError
from mohtasib.feedback import read_cell_grid, read_cell_history, read_truth


def test_grid_reads_ids_centres_and_groups(grid_file: Path) -> None:
    grid = read_cell_grid(grid_file, id_property="cell", group_property="zone")
    assert grid.n_cells == 36 and grid.ids[0] == "c0"
    assert grid.centroids is not None
    np.testing.assert_allclose(grid.centroids[0], [74.3025, 31.5025])
    assert grid.groups is not None and grid.groups[0] == "south" and grid.groups[35] == "north"
    assert grid.distances_m()[0, 1] == pytest.approx(0.005 * 111_195 * np.cos(np.radians(31.5)),
                                                     rel=0.01)  # fmt: skip


def test_grid_without_the_id_property_names_the_feature(grid_file: Path) -> None:
    with pytest.raises(InputError, match=r"row 1.*'bin'"):
        read_cell_grid(grid_file, id_property="bin")


def test_history_counts_every_record(grid_file: Path, records_file: Path) -> None:
    grid = read_cell_grid(grid_file, id_property="cell")
    history = read_cell_history(records_file, grid, source_col="source")
    n_rows = len(records_file.read_text().splitlines()) - 1
    assert history.counts.sum() == n_rows
    assert history.reported is not None
    assert 0 < history.reported.sum() < n_rows
    assert history.first_day == "2024-01-01"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return path


def test_records_without_a_cell_are_counted_in_warnings(tmp_path: Path, grid_file: Path) -> None:
    grid = read_cell_grid(grid_file, id_property="cell")
    history = read_cell_history(_write(tmp_path, "date,cell\n2024-01-01,c1\n2024-01-02,\n"), grid)
    assert history.counts.sum() == 1
    assert history.warnings == ("1 record(s) without a cell in column 'cell' not used",)


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        ("date,cell\n2024-01-01,c1\n,c2\n", {}, "row 2, column 'date'.*missing date"),
        ("date,cell\n2024-01-01,c1\n2024-13-45,c2\n", {}, "row 2, column 'date'.*unparseable"),
        ("date,cell\n2024-01-01,c99\n", {}, "row 1, column 'cell'.*'c99' is not in the grid"),
        ("date,cell,n\n2024-01-01,c1,-2\n", {"count_col": "n"}, "row 1, column 'n'.*>= 0"),
        ("date,cell,n\n2024-01-01,c1,\n", {"count_col": "n"}, "row 1, column 'n'"),
    ],
)
def test_bad_records_raise_input_error_naming_row_and_column(
    tmp_path: Path, grid_file: Path, text: str, kwargs: dict[str, str], match: str
) -> None:
    grid = read_cell_grid(grid_file, id_property="cell")
    with pytest.raises(InputError, match=match):
        read_cell_history(_write(tmp_path, text), grid, **kwargs)  # type: ignore[arg-type]


def test_truth_must_cover_every_cell_with_a_non_negative_rate(
    tmp_path: Path, grid_file: Path
) -> None:
    grid = read_cell_grid(grid_file, id_property="cell")
    rows = "\n".join(f"c{i},0.1" for i in range(36))
    assert read_truth(_write(tmp_path, "cell,rate\n" + rows + "\n"), grid).sum() == pytest.approx(
        3.6
    )
    with pytest.raises(InputError, match="row 2, column 'rate'"):
        read_truth(_write(tmp_path, "cell,rate\nc0,0.1\nc1,-1\n"), grid)
    with pytest.raises(InputError, match="want exactly 1"):
        read_truth(_write(tmp_path, "cell,rate\nc0,0.1\n"), grid)
