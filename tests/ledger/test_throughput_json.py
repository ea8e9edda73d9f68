"""The fast canonical JSON of access records is byte for byte the json module's output.

``AccessRecord.canonical_json`` writes the JSON field by field and keeps the text
before the target per combination of the nine fields before it (see its docstring).
The contract is ``json.dumps(to_dict(), sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8: these tests check it on random records
(Urdu and other non-ASCII text, quotes, backslashes, control characters, every kind
of legal authority, times with microseconds and odd offsets) and check that the
cache never hands one record's text to another.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mohtasib.ledger import _records
from mohtasib.ledger._records import ACTIONS, AccessRecord, CourtOrder, Fir, Warrant, pseudonymise

FAST = settings(max_examples=300, deadline=None)

# Non-empty text that is not only whitespace; no lone surrogates (not encodable as UTF-8).
_CHARS = st.characters(blacklist_categories=["Cs"])
_TRICKY = st.sampled_from(
    ["ڈسٹرکٹ لاہور", "تھانہ سول لائنز", 'a"b', "a\\b", "tab\there", "line\nbreak", "\x00x",
     "\u2028sep", "😀 emoji", "نمبر ۱۲۳/۲۰۲۵", "x" * 300]
)  # fmt: skip
text = st.one_of(_TRICKY, st.text(_CHARS, min_size=1, max_size=40)).filter(lambda s: s.strip())
dates = st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1))


@st.composite
def authorities(draw: st.DrawFn) -> Fir | Warrant | CourtOrder | None:
    kind = draw(st.sampled_from(["fir", "warrant", "court_order", "none"]))
    if kind == "fir":
        return Fir(draw(text), draw(text), draw(text))
    if kind == "warrant":
        start = draw(dates)
        end = start + dt.timedelta(days=draw(st.integers(0, 400)))
        return Warrant(draw(text), draw(text), draw(text), start, end)
    if kind == "court_order":
        return CourtOrder(draw(text), draw(text))
    return None


@st.composite
def times(draw: st.DrawFn) -> dt.datetime:
    offset = dt.timedelta(minutes=draw(st.integers(-14 * 60 + 1, 14 * 60 - 1)))
    if draw(st.booleans()):
        offset += dt.timedelta(seconds=draw(st.integers(0, 59)))
    naive = draw(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2090, 1, 1)))
    return naive.replace(tzinfo=dt.timezone(offset))


@st.composite
def records(draw: st.DrawFn) -> AccessRecord:
    return AccessRecord(
        requester=draw(text),
        role=draw(text),
        time=draw(times()),
        system=draw(text),
        action=draw(st.sampled_from(ACTIONS)),
        target=pseudonymise(draw(text), b"k" * 32),
        legal_authority=draw(authorities()),
        purpose=draw(text),
        approver=draw(st.one_of(st.none(), text)),
        outcome=draw(text),
        retention_class=draw(text),
    )


def _reference(record: AccessRecord) -> bytes:
    """The contract: the json module's canonical form of the schema object."""
    return json.dumps(
        record.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


@FAST
@given(records())
def test_canonical_json_equals_json_dumps(record: AccessRecord) -> None:
    expected = _reference(record)
    assert record.canonical_json() == expected
    assert record.canonical_json() == expected  # again, from the prefix cache
    assert record.canonical_json(record.time.isoformat()) == expected
    assert AccessRecord.from_json(expected) == record


@FAST
@given(records(), st.lists(st.tuples(st.text(_CHARS, min_size=1), times()), max_size=8))
def test_cached_prefix_never_leaks_into_another_record(
    record: AccessRecord, others: list[tuple[str, dt.datetime]]
) -> None:
    """Records sharing the nine prefix fields differ only in target and time."""
    record.canonical_json()  # warm the cache
    for value, when in others:
        other = AccessRecord(
            record.requester, record.role, when, record.system, record.action,
            pseudonymise(value, b"k" * 32), record.legal_authority, record.purpose,
            record.approver, record.outcome, record.retention_class,
        )  # fmt: skip
        assert other.canonical_json() == _reference(other)


def test_authorities_keyed_by_object_and_value(make_record: Callable[..., AccessRecord]) -> None:
    first = make_record(legal_authority=Fir("1/2025", "Saddar", "قصور"))
    other = make_record(legal_authority=Fir("1/2025", "Saddar", "Kasur"))
    again = make_record(legal_authority=Fir("1/2025", "Saddar", "قصور"))  # equal, new object
    for record in (first, other, again, first, other, again):
        assert record.canonical_json() == _reference(record)
    assert first.canonical_json() == again.canonical_json() != other.canonical_json()


def _fir_json(district: str) -> str:
    return json.dumps(
        {
            "action": "plate_search", "approver": None, "outcome": "no_match",
            "legal_authority": {"kind": "fir", "number": "1/2025", "police_station": "Saddar",
                                "district": district},
            "purpose": "investigation", "requester": "INSP-1", "retention_class": "standard",
            "role": "investigating_officer", "system": "psca-lahore-anpr",
            "target": pseudonymise("LEA-1", b"k" * 32), "time": "2025-01-05T10:00:00+05:00",
            "v": 1,
        },
        ensure_ascii=False,
    )  # fmt: skip


def test_prefix_cache_is_bounded_and_stays_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_records, "_PREFIX_CACHE", 8)
    monkeypatch.setattr(_records, "_PREFIX_JSON", {})
    made = [
        AccessRecord.from_json(_fir_json(f"district {i % 13}").replace("INSP-1", f"INSP-{i}"))
        for i in range(60)
    ]
    for record in made * 2:
        assert record.canonical_json() == _reference(record)
    assert len(_records._PREFIX_JSON) <= 8
