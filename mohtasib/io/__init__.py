"""Validated readers for CSV, Parquet and GeoJSON, and file hashing.

Data contracts are in ``docs/reference/data-contracts.md``.
"""

from __future__ import annotations

from mohtasib.io._geojson import read_geojson
from mohtasib.io._hashing import sha256_file
from mohtasib.io._tables import NULL_TOKENS, LoadedTable, read_table

__all__ = ["NULL_TOKENS", "LoadedTable", "read_geojson", "read_table", "sha256_file"]
