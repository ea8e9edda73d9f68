"""Scan and redact whole inputs: a text file, a folder of text files, or a table column.

:func:`read_corpus` reads the documents (refusing binary and non-UTF-8 files with
the file and byte position, never the content); :func:`scan_corpus` counts
personal data by entity type and document; :func:`redact_corpus` writes a redacted
copy through a temporary file or folder that is renamed into place only when
complete, so nothing is left half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mohtasib.errors import ConfigError, InputError
from mohtasib.io import read_table
from mohtasib.privacy._pii import ENTITY_TYPES, find_pii
from mohtasib.privacy._redact import OPERATORS, redact

__all__ = ["DocumentCounts", "PiiScan", "TextCorpus", "read_corpus", "redact_corpus", "scan_corpus"]

_TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")
Progress = Callable[[int], None]


@dataclass(frozen=True, eq=False)
class TextCorpus:
    """Documents read from one input.

    Attributes
    ----------
    source
        The input path as given.
    kind
        ``file``, ``folder`` or ``table``.
    ids
        One identifier per document: the relative file name, or ``row N`` (1-based).
    texts
        The documents; ``None`` for a missing table cell.
    column
        The table column (``table`` only).
    table
        The whole table (``table`` only), kept to write the redacted copy.
    """

    source: str
    kind: str
    ids: tuple[str, ...]
    texts: tuple[str | None, ...]
    column: str | None = None
    table: pd.DataFrame | None = field(default=None, repr=False)


@dataclass(frozen=True)
class DocumentCounts:
    """How many spans of each entity type one document holds (never the values)."""

    document: str
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"document": self.document, "counts": dict(self.counts)}


@dataclass(frozen=True)
class PiiScan:
    """Counts of personal data in an input, by entity type and by document.

    Attributes
    ----------
    source
        The input path.
    documents
        Number of documents scanned (missing table cells excluded).
    totals
        Spans per entity type over all documents (every type in ``ENTITY_TYPES``, zeros included).
    by_document
        Documents with at least one span, in input order.
    """

    source: str
    documents: int
    totals: dict[str, int]
    by_document: tuple[DocumentCounts, ...]
    kind: str = "pii_scan"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping: counts only."""
        return {
            "kind": self.kind,
            "source": self.source,
            "documents": self.documents,
            "documents_with_pii": len(self.by_document),
            "totals": dict(self.totals),
            "by_document": [d.to_dict() for d in self.by_document],
        }


def _decode(path: Path, label: str) -> str:
    data = path.read_bytes()
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"binary content (a NUL byte at byte {nul}); want UTF-8 text",
            source=label,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 (invalid byte at position {exc.start}); re-save the file as UTF-8",
            source=label,
        ) from None


def read_corpus(path: str | Path, *, column: str | None = None) -> TextCorpus:
    """Read a text file, a folder of text files, or a CSV/Parquet column.

    Parameters
    ----------
    path
        A file or folder. Files ending in a table suffix (``.csv``, ``.parquet`` …) need ``column``.
    column
        The column holding the text (tables only).

    Raises
    ------
    InputError
        The path is missing, a file is binary or not UTF-8, a folder holds no files,
        the column is absent or not given for a table.
    """
    path = Path(path)
    label = str(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise InputError("the folder holds no files", source=label)
        ids = tuple(str(p.relative_to(path)) for p in files)
        return TextCorpus(label, "folder", ids, tuple(_decode(p, str(p)) for p in files))
    if not path.is_file():
        raise InputError("no such file or folder", source=label)
    if path.name.lower().endswith(_TABLE_SUFFIXES):
        if column is None:
            raise InputError("a table needs --column naming the text column", source=label)
        table = read_table(path).frame
        if column not in table.columns:
            have = ", ".join(map(str, table.columns))
            raise InputError(f"no such column; the table has: {have}", source=label, column=column)
        texts = tuple(None if pd.isna(v) else str(v) for v in table[column])
        ids = tuple(f"row {i}" for i in range(1, len(texts) + 1))
        return TextCorpus(label, "table", ids, texts, column=column, table=table)
    if column is not None:
        raise ConfigError(f"--column applies to CSV or Parquet input, not to {path.name}")
    return TextCorpus(label, "file", (path.name,), (_decode(path, label),))


def scan_corpus(
    corpus: TextCorpus, *, language: str = "auto", progress: Progress | None = None
) -> PiiScan:
    """Count personal data by entity type and document.

    Parameters
    ----------
    corpus
        From :func:`read_corpus`.
    language
        Passed to :func:`~mohtasib.privacy.find_pii`.
    progress
        Called with 1 after each document (for a progress bar).
    """
    totals: Counter[str] = Counter({e: 0 for e in ENTITY_TYPES})
    rows: list[DocumentCounts] = []
    for doc_id, text in zip(corpus.ids, corpus.texts, strict=True):
        if text is not None:
            counts = Counter(s.entity_type for s in find_pii(text, language=language))
            totals.update(counts)
            if counts:
                rows.append(
                    DocumentCounts(doc_id, {e: counts[e] for e in ENTITY_TYPES if counts[e]})
                )
        if progress is not None:
            progress(1)
    documents = sum(t is not None for t in corpus.texts)
    return PiiScan(corpus.source, documents, dict(totals), tuple(rows))


def redact_corpus(
    corpus: TextCorpus,
    out: str | Path,
    *,
    operator: str,
    key: str | bytes | None = None,
    language: str = "auto",
    progress: Progress | None = None,
) -> Path:
    """Write a redacted copy of ``corpus`` to ``out`` (a file, or a new folder for a folder).

    The copy is written to a temporary sibling and renamed into place when complete.

    Raises
    ------
    ConfigError
        Unknown operator, missing key, ``out`` is the input, or ``out`` exists for a folder.
    """
    if operator not in OPERATORS:
        raise ConfigError(f"got operator {operator!r}; want one of {', '.join(OPERATORS)}")
    out = Path(out)
    if out.resolve() == Path(corpus.source).resolve():
        raise ConfigError("--out is the input; write the redacted copy elsewhere")
    redact("", operator=operator, key=key)  # fail on a missing key before any work
    texts: list[str | None] = []
    for text in corpus.texts:
        texts.append(
            None if text is None else redact(text, operator=operator, key=key, language=language)
        )
        if progress is not None:
            progress(1)
    out.parent.mkdir(parents=True, exist_ok=True)
    if corpus.kind == "folder":
        _write_folder(corpus.ids, texts, out)
    else:
        _write_file(corpus, texts, out)
    return out


def _write_folder(ids: tuple[str, ...], texts: list[str | None], out: Path) -> None:
    if out.exists():
        raise ConfigError(f"{out} exists; give a new folder for --out")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for doc_id, text in zip(ids, texts, strict=True):
            target = tmp / doc_id
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text or "", encoding="utf-8")
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_file(corpus: TextCorpus, texts: list[str | None], out: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        if corpus.table is None:
            tmp.write_text(texts[0] or "", encoding="utf-8")
        else:
            table = corpus.table.copy()
            table[corpus.column] = pd.Series(texts, index=table.index, dtype="object")
            if out.name.lower().endswith((".parquet", ".pq")):
                table.to_parquet(tmp, index=False)
            else:
                table.to_csv(tmp, index=False, sep="\t" if ".tsv" in out.name.lower() else ",")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
