"""JSON-safe numbers for result objects' ``to_dict()`` views.

JSON has no NaN or infinity; a result writes ``null`` instead and its flags or
warnings say why (an empty denominator, an unbounded interval).
"""

from __future__ import annotations

import math

__all__ = ["json_number", "json_pair"]


def json_number(value: float | None) -> float | None:
    """The value as a float, or None when it is None, NaN or infinite."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def json_pair(pair: tuple[float, float] | None) -> list[float | None] | None:
    """An interval as a two-element list of :func:`json_number` values (None stays None)."""
    return None if pair is None else [json_number(pair[0]), json_number(pair[1])]
