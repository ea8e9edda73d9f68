"""Read CSV and Parquet files into validated pandas tables.

Missing values: blanks, whitespace-only cells and the literal tokens in
:data:`NULL_TOKENS` (``(null)`` as in the NYPD stop data, ``NA``, ``NaN``,
``null``, ``NULL``, ``None``) are read as missing. Other text such as ``N/A``
is kept as a value: the reader does not guess what a publisher meant by it.

Duplicated column names (the COMPAS file repeats ``decile_score`` and
``priors_count``) are detected from the header. A duplicated column that the
analysis uses is accepted only when every copy holds the same values;
otherwise InputError names the column. Either way the table's ``notes`` say so.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mohtasib.errors import InputError
from mohtasib.io._hashing import sha256_file

__all__ = ["NULL_TOKENS", "LoadedTable", "read_table"]

#: Cell texts read as missing (exact match, case-sensitive); blank and whitespace-only
#: cells are missing too. ``N/A`` and other texts are kept as values.
NULL_TOKENS: tuple[str, ...] = ("", "(null)", "NA", "NaN", "nan", "null", "NULL", "None")

_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class LoadedTable:
    """A table read from a file, with its provenance.

    Attributes
    ----------
    frame
        The data. Missing values are ``NaN``/``None``/``pd.NA``.
    source
        The path as given, used in error messages and reports.
    sha256
        Hex SHA-256 of the file's bytes.
    notes
        Things the reader noticed and resolved (duplicated columns), for the report.
    """

    frame: pd.DataFrame
    source: str
    sha256: str
    notes: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return len(self.frame)


def read_table(path: str | Path, *, columns: Sequence[str] | None = None) -> LoadedTable:
    """Read a CSV (optionally gzip-compressed) or Parquet file.

    Parameters
    ----------
    path
        ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or ``.pq``.
    columns
        If given, only these columns are returned; each must exist.

    Raises
    ------
    InputError
        The file is missing, of another format, unreadable, or a requested
        column is missing or duplicated with differing values.
    """
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise InputError("file not found", source=source)
    name = file.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        frame, notes = _read_csv(file, source, columns)
    elif name.endswith(_PARQUET_SUFFIXES):
        frame, notes = _read_parquet(file, source, columns), ()
    else:
        raise InputError(
            f"unsupported file type {file.suffix!r}; want CSV (.csv, .csv.gz, .tsv) or "
            "Parquet (.parquet, .pq)",
            source=source,
        )
    return LoadedTable(frame=frame, source=source, sha256=sha256_file(file), notes=notes)


def _open_text(file: Path) -> io.TextIOBase:
    if file.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(file, "rb"), encoding="utf-8", newline="")
    return open(file, encoding="utf-8", newline="")


def _read_header(file: Path, source: str, delimiter: str) -> list[str]:
    try:
        with _open_text(file) as handle:
            # NUL is valid UTF-8 and csv accepts it (Python >= 3.11), so UTF-16 text and
            # binary files would otherwise be read as garbage without an error.
            if "\x00" in handle.read(65536):
                raise InputError(
                    "contains NUL characters (binary or UTF-16 data); want UTF-8 CSV text",
                    source=source,
                )
        with _open_text(file) as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
    except (UnicodeDecodeError, gzip.BadGzipFile, OSError, csv.Error) as exc:
        raise InputError(
            f"cannot read as CSV text ({exc}); want UTF-8 CSV", source=source
        ) from None
    if not header or all(not h.strip() for h in header):
        raise InputError("the file is empty or has no header row; want a CSV header", source=source)
    return header


def _read_csv(
    file: Path, source: str, columns: Sequence[str] | None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    delimiter = "\t" if ".tsv" in file.name.lower() else ","
    header = _read_header(file, source, delimiter)
    counts = Counter(header)
    duplicated = sorted(name for name, count in counts.items() if count > 1)
    try:
        # index_col=False: rows with more fields than the header are an error, not an
        # index (pandas would otherwise shift every value left without a word).
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                file,
                sep=delimiter,
                keep_default_na=False,
                na_values=list(NULL_TOKENS),
                skipinitialspace=False,
                low_memory=False,
                index_col=False,
            )
    except pd.errors.ParserWarning:
        raise InputError(
            "not a well-formed CSV file: data rows have more fields than the header",
            source=source,
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a well-formed CSV file: {exc}", source=source) from None
    frame = _blank_to_missing(frame)
    notes = _resolve_duplicates(frame, duplicated, source, columns)
    if columns is not None:
        _check_requested(frame, columns, source)
        frame = frame[list(columns)]
    return frame, notes


def _blank_to_missing(frame: pd.DataFrame) -> pd.DataFrame:
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object:
            text = col.astype("string")
            blank = text.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
            if blank.any():
                frame[name] = col.mask(blank)
    return frame


def _resolve_duplicates(
    frame: pd.DataFrame, duplicated: list[str], source: str, columns: Sequence[str] | None
) -> tuple[str, ...]:
    notes = []
    for name in duplicated:
        copies = [
            name,
            *(
                c
                for c in frame.columns
                if c.startswith(f"{name}.") and c[len(name) + 1 :].isdigit()
            ),
        ]
        same = all(frame[name].equals(frame[c]) for c in copies[1:])
        if columns is not None and name in columns and not same:
            raise InputError(
                f"column name appears {len(copies)} times with differing values; "
                "want one column of that name (rename the copies)",
                source=source,
                column=name,
            )
        notes.append(
            f"column {name!r} appears {len(copies)} times in the header; the copies are "
            + ("identical and the first was used" if same else "different and none was used")
        )
    return tuple(notes)


def _check_requested(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, list(frame.columns)[:30]))
        raise InputError(
            f"column not found; the file has: {have}", source=source, column=missing[0]
        )


def _read_parquet(file: Path, source: str, columns: Sequence[str] | None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(file)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", source=source) from None
    dupes = sorted(n for n, c in Counter(schema.names).items() if c > 1)
    if dupes:
        raise InputError("column name appears more than once", source=source, column=dupes[0])
    if columns is not None:
        missing = [c for c in columns if c not in schema.names]
        if missing:
            raise InputError(
                f"column not found; the file has: {', '.join(schema.names[:30])}",
                source=source,
                column=missing[0],
            )
    table = pq.read_table(file, columns=list(columns) if columns is not None else None)
    frame: pd.DataFrame = table.to_pandas()
    return frame
