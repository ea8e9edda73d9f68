"""Behaviour of :func:`mohtasib.io.read_table` on good and bad files."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from mohtasib.errors import InputError
from mohtasib.io import LoadedTable, read_table

CSV = "race,age,flag\nA,30,1\nB,41,0\nA,25,1\n"


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _expected() -> pd.DataFrame:
    return pd.DataFrame({"race": ["A", "B", "A"], "age": [30, 41, 25], "flag": [1, 0, 1]})


# ---------------------------------------------------------------- formats


def test_read_table_reads_csv_with_provenance(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", CSV)
    table = read_table(path)
    assert isinstance(table, LoadedTable)
    pd.testing.assert_frame_equal(table.frame, _expected())
    assert table.source == str(path)
    assert table.sha256 == hashlib.sha256(CSV.encode()).hexdigest()
    assert table.rows == 3
    assert table.notes == ()


def test_read_table_reads_gzip_csv(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv.gz", gzip.compress(CSV.encode()))
    table = read_table(path)
    pd.testing.assert_frame_equal(table.frame, _expected())
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_table_reads_tsv(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.tsv", CSV.replace(",", "\t"))
    pd.testing.assert_frame_equal(read_table(path).frame, _expected())


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_read_table_reads_parquet(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    _expected().to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_table(path).frame, _expected())


def test_read_table_returns_only_requested_columns_in_order(tmp_path: Path) -> None:
    _expected().to_parquet(tmp_path / "t.parquet", index=False)
    for path in (_write(tmp_path / "t.csv", CSV), tmp_path / "t.parquet"):
        table = read_table(path, columns=["flag", "race"])
        assert list(table.frame.columns) == ["flag", "race"]


# ---------------------------------------------------------------- missing values


def test_read_table_null_token_and_blank_cells_are_missing(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "a,b,c\n(null),x,1\n,y,2\n   ,N/A,(null)\nz,NA,4\n")
    frame = read_table(path).frame
    assert frame["a"].isna().tolist() == [True, True, True, False]
    assert frame["b"].isna().tolist() == [False, False, False, True]
    assert frame["c"].isna().tolist() == [False, False, True, False]
    # Text the reader does not know as a null token is kept as a value.
    assert frame.loc[2, "b"] == "N/A"


# ---------------------------------------------------------------- duplicated columns


def test_read_table_identical_duplicated_columns_are_noted(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "score,race,score\n3,A,3\n7,B,7\n")
    table = read_table(path, columns=["score", "race"])
    assert table.frame["score"].tolist() == [3, 7]
    (note,) = table.notes
    assert "'score' appears 2 times" in note
    assert "identical" in note


def test_read_table_differing_duplicated_requested_column_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "score,race,score\n3,A,3\n7,B,8\n")
    with pytest.raises(InputError, match="differing values") as info:
        read_table(path, columns=["score", "race"])
    assert info.value.column == "score"
    assert info.value.source == str(path)


def test_read_table_differing_duplicated_unrequested_column_is_noted(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "score,race,score\n3,A,3\n7,B,8\n")
    table = read_table(path, columns=["race"])
    assert list(table.frame.columns) == ["race"]
    (note,) = table.notes
    assert "different and none was used" in note


def test_read_table_requested_column_missing_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", CSV)
    with pytest.raises(InputError, match="column not found; the file has: race, age, flag") as info:
        read_table(path, columns=["race", "sex"])
    assert (info.value.column, info.value.source) == ("sex", str(path))


def test_read_table_requested_column_missing_from_parquet_raises(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _expected().to_parquet(path, index=False)
    with pytest.raises(InputError, match="column not found") as info:
        read_table(path, columns=["sex"])
    assert (info.value.column, info.value.source) == ("sex", str(path))


# ---------------------------------------------------------------- unreadable files


def test_read_table_missing_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(InputError, match="file not found") as info:
        read_table(path)
    assert info.value.source == str(path)


@pytest.mark.parametrize("name", ["t.xlsx", "t.json", "t"])
def test_read_table_unsupported_suffix_raises(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, CSV)
    with pytest.raises(InputError, match="unsupported file type") as info:
        read_table(path)
    assert info.value.source == str(path)
    assert "want CSV" in str(info.value)


BINARY_CONTENT = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "gzip without .gz": gzip.compress(CSV.encode()),
    "utf-16": CSV.encode("utf-16-le"),
    "nul bytes": b"race,age\x00\x00\nA,30\n",
}


@pytest.mark.parametrize("content", BINARY_CONTENT.values(), ids=BINARY_CONTENT.keys())
def test_read_table_binary_content_named_csv_raises(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path / "t.csv", content)
    with pytest.raises(InputError, match="want UTF-8 CSV") as info:
        read_table(path)
    assert info.value.source == str(path)


def test_read_table_csv_gz_that_is_not_gzip_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv.gz", CSV)
    with pytest.raises(InputError, match="cannot read as CSV text") as info:
        read_table(path)
    assert info.value.source == str(path)


def test_read_table_parquet_that_is_not_parquet_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.parquet", CSV)
    with pytest.raises(InputError, match="not a readable Parquet file") as info:
        read_table(path)
    assert info.value.source == str(path)


def test_read_table_empty_file_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", b"")
    with pytest.raises(InputError, match="no header row") as info:
        read_table(path)
    assert info.value.source == str(path)


@pytest.mark.parametrize(
    "content", ["a,b\n1,2,3\n4,5,6\n", "a,b\n1,2,3,4\n5\n", "a,b\n1,2\n3,4,5\n"]
)
def test_read_table_rows_longer_than_the_header_raise(tmp_path: Path, content: str) -> None:
    # pandas would otherwise take the extra leading fields as an index and shift
    # every value one column to the left without a word.
    path = _write(tmp_path / "t.csv", content)
    with pytest.raises(InputError, match="not a well-formed CSV file") as info:
        read_table(path)
    assert info.value.source == str(path)


def test_read_table_trailing_delimiter_on_data_rows_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "a,b\n1,2,\n3,4,\n")
    frame = read_table(path).frame
    assert frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
