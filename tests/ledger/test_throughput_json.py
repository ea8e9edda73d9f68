"""The fast canonical JSON of access records is byte for byte the json module's output.

``AccessRecord.canonical_json`` writes the JSON field by field and keeps the text
before the target per combination of the nine fields before it (see its docstring).
The contract is ``json.dumps(to_dict(), sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8: these tests check it on random records
(Urdu and other non-ASCII text, quotes, backslashes, control characters, every kind
of legal authority, times with microseconds and odd offsets) and check that the
cache never hands one record's text to another. The append path's serialiser
(``canonical_documents``) is checked the same way with the ledger's C extension and
without it, and the extension's own ``isoformat`` and JSON escaping against Python's
on any time (IANA zones and DST folds, offsets with seconds and microseconds, odd
tzinfo and datetime subclasses) and any text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mohtasib.ledger import _native, _records
from mohtasib.ledger._records import (
    ACTIONS,
    AccessRecord,
    CourtOrder,
    Fir,
    Warrant,
    canonical_documents,
    pseudonymise,
)
from tests.conftest import require

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


# canonical_documents: the append path's serialiser, written in C by the ledger's extension
# where it is built (mohtasib.ledger._native.documents) and in Python otherwise.

_NATIVE_MODES = ["c", "python"]


def _mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv(_native.ENV, "1" if mode == "c" else "0")
    if mode == "c" and not _native.available():
        require("MOHTASIB_REQUIRE_NATIVE", "the ledger's C extension is not built")


@pytest.mark.parametrize("mode", _NATIVE_MODES)
def test_canonical_documents_equal_json_dumps(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _mode(monkeypatch, mode)

    @FAST
    @given(st.lists(records(), max_size=6))
    def check(batch: list[AccessRecord]) -> None:
        times, documents = canonical_documents(batch)
        assert times == [record.time.isoformat() for record in batch]
        assert documents == [_reference(record) for record in batch]
        assert all(type(t) is str for t in times) and all(type(d) is bytes for d in documents)

    check()


class _Zone(dt.tzinfo):
    """A tzinfo whose offset is whatever it is given (a timedelta subclass, seconds, µs)."""

    def __init__(self, offset: dt.timedelta | None) -> None:
        self.offset = offset

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta | None:
        return self.offset

    def dst(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None


class _Delta(dt.timedelta):
    pass


class _Stamp(dt.datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "its own " + super().isoformat(sep, timespec)


_ZONES = ["Asia/Karachi", "Europe/London", "America/St_Johns", "Australia/Lord_Howe",
          "Pacific/Chatham", "Asia/Kathmandu", "UTC"]  # fmt: skip
_OFFSETS = st.one_of(
    st.builds(
        dt.timedelta,
        hours=st.integers(-23, 23),
        minutes=st.integers(-59, 59),
        seconds=st.integers(-59, 59),
        microseconds=st.integers(-999_999, 999_999),
    ),
    st.just(dt.timedelta(microseconds=-1)),
    st.just(dt.timedelta(0)),
)


@st.composite
def _any_time(draw: st.DrawFn) -> dt.datetime:
    naive = draw(st.datetimes(dt.datetime(1, 1, 1, 12), dt.datetime(9999, 12, 30)))
    kind = draw(st.sampled_from(["zone", "fixed", "custom", "subclass", "delta-subclass"]))
    if kind == "zone":
        zone = zoneinfo.ZoneInfo(draw(st.sampled_from(_ZONES)))
        return naive.replace(tzinfo=zone, fold=draw(st.integers(0, 1)))
    offset = draw(_OFFSETS)
    if kind == "fixed":
        return naive.replace(tzinfo=dt.timezone(offset))
    if kind == "custom":
        return naive.replace(tzinfo=_Zone(offset))
    if kind == "delta-subclass":
        return naive.replace(tzinfo=_Zone(_Delta(seconds=offset.total_seconds())))
    return _Stamp.fromisoformat(naive.replace(tzinfo=dt.timezone(offset)).isoformat())


@dataclasses.dataclass
class _Loose:
    """Stands in for a record: any target text (the record type only allows hex)."""

    target: object
    time: object


@FAST
@given(st.lists(st.tuples(_any_time(), st.one_of(_TRICKY, st.text(_CHARS))), max_size=6))
def test_c_times_and_escapes_match_python(items: list[tuple[dt.datetime, str]]) -> None:
    if _native._NATIVE is None:
        require("MOHTASIB_REQUIRE_NATIVE", "the ledger's C extension is not built")
    loose = [_Loose(target, when) for when, target in items]
    heads = [f'{{"n":{i},"target":' for i in range(len(loose))]
    times, documents = _native.documents(heads, loose, ',"t":', "}")
    assert times == [when.isoformat() for when, _ in items]
    escape = json.encoder.encode_basestring
    assert documents == [
        f'{head}{escape(target)},"t":{escape(when.isoformat())}}}'.encode()
        for head, (when, target) in zip(heads, items, strict=True)
    ]


def test_c_serialiser_refuses_what_python_refuses() -> None:
    if _native._NATIVE is None:
        require("MOHTASIB_REQUIRE_NATIVE", "the ledger's C extension is not built")
    when = dt.datetime(2025, 1, 5, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="got 1 prefixes for 2 records"):
        _native.documents(["{"], [_Loose("a", when)] * 2, "", "")
    with pytest.raises(TypeError, match="target of record 1 is int; want str"):
        _native.documents(["{", "{"], [_Loose("a", when), _Loose(7, when)], "", "")
    with pytest.raises(UnicodeEncodeError):
        _native.documents(["{"], [_Loose("\ud800", when)], "", "")
    with pytest.raises(UnicodeEncodeError):
        "\ud800".encode()
    with pytest.raises(AttributeError):
        _native.documents(["{"], [object()], "", "")
    with pytest.raises(AttributeError, match="isoformat"):
        _native.documents(["{"], [_Loose("a", 5)], "", "")
    for offset in (dt.timedelta(hours=24), dt.timedelta(days=-1), dt.timedelta(days=213503982)):
        bad = dt.datetime(2025, 1, 5, tzinfo=_Zone(offset))  # out of range
        with pytest.raises(ValueError) as python:
            bad.isoformat()
        with pytest.raises(ValueError) as c:
            _native.documents(["{"], [_Loose("a", bad)], "", "")
        assert str(c.value) == str(python.value)
    for odd in (_Zone(None), _Zone(_Delta(hours=-3, microseconds=5))):  # no offset; a subclass
        when = dt.datetime(999, 1, 5, 7, tzinfo=odd)
        assert _native.documents(["{"], [_Loose("a", when)], "", "")[0] == [when.isoformat()]
    with pytest.raises(TypeError) as python_type:
        dt.datetime(2025, 1, 5, tzinfo=_Zone(5)).isoformat()  # type: ignore[arg-type]
    with pytest.raises(TypeError) as c_type:
        _native.documents(["{"], [_Loose("a", dt.datetime(2025, 1, 5, tzinfo=_Zone(5)))], "", "")  # type: ignore[arg-type]
    assert str(c_type.value) == str(python_type.value)
