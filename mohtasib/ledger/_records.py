"""Access records: who searched which surveillance data, when, and under which legal authority.

An :class:`AccessRecord` serialises to *canonical JSON* (keys sorted, no
whitespace, UTF-8, ``ensure_ascii`` off) with this schema, every field required
(``null`` where shown)::

    {
      "action": "plate_search",             # one of ACTIONS
      "approver": "SP-0042" | null,         # second officer (two-person rule)
      "legal_authority": {"kind": "fir", "number": "123/2025",
                          "police_station": "Civil Lines", "district": "Lahore"}
                       | {"kind": "warrant", "reference": "W-7", "court": "...",
                          "judge": "...", "valid_from": "2025-01-01",
                          "valid_until": "2025-02-15"}
                       | {"kind": "court_order", "reference": "CO-9", "court": "..."}
                       | null,
      "outcome": "no_match",                # free text, non-empty
      "purpose": "investigation",
      "requester": "INSP-1234", "role": "investigating_officer",
      "retention_class": "standard",
      "system": "psca-lahore-anpr",         # the transparency register's system id
      "target": "<64 hex>",                 # pseudonymise(plate or CNIC, key)
      "time": "2025-01-05T10:00:00+05:00",  # timezone-aware ISO 8601
      "v": 1
    }

The public Merkle leaf never holds the record: it holds a salted commitment
``SHA-256(salt || canonical_json)`` (see :mod:`mohtasib.ledger._sealing`), so
checkpoints and proofs reveal nothing about people.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mohtasib.errors import InputError
from mohtasib.ledger import _native

__all__ = [
    "ACTIONS",
    "AccessRecord",
    "CourtOrder",
    "Fir",
    "LegalAuthority",
    "Warrant",
    "canonical_documents",
    "pseudonymise",
]

#: Actions on surveillance data that the ledger records.
ACTIONS: tuple[str, ...] = (
    "camera_footage_view",
    "export",
    "face_match_action",
    "face_search",
    "plate_search",
    "record_view",
)
SCHEMA_VERSION = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SOURCE = "access record"
#: Canonical JSON of recently serialised legal authorities, by object id (see canonical_json).
_LEGAL_JSON: dict[int, tuple[object, str]] = {}
_LEGAL_CACHE = 4096
#: The canonical JSON up to the target's value, by the nine fields before it (the authority
#: by object id, the object kept beside the text so that its id cannot be reused).
_PREFIX_JSON: dict[tuple[object, ...], tuple[object, str]] = {}
_PREFIX_CACHE = 4096
#: json's own escaper for ``ensure_ascii=False`` (the C one when available).
_escape = json.encoder.encode_basestring
#: The canonical JSON between the target's value and the time's, and after the time's.
_BETWEEN = ',"time":'
_SUFFIX = f',"v":{SCHEMA_VERSION}}}'


def canonical_documents(records: Sequence[AccessRecord]) -> tuple[list[str], list[bytes]]:
    """Each record's ``time.isoformat()`` and :meth:`~AccessRecord.canonical_json`, in order.

    The ledger's append path: with the ledger's C extension
    (:func:`mohtasib.ledger._native.documents`) the text after the cached head (target,
    time, version) is written in C, else as :meth:`AccessRecord.canonical_json` writes
    it; the same bytes either way (``tests/ledger/test_throughput_json.py``).
    """
    if _native.available():
        heads = [record._json_head() for record in records]
        return _native.documents(heads, records, _BETWEEN, _SUFFIX)
    times = [record.time.isoformat() for record in records]
    return times, [record.canonical_json(t) for record, t in zip(records, times, strict=True)]


def pseudonymise(value: str, key: bytes) -> str:
    """Keyed hash of a plate, CNIC or face-probe id: HMAC-SHA256(key, value), hex.

    The raw value is never stored; only whoever holds ``key`` can link two
    records to the same target. ``key`` must be at least 16 bytes.
    """
    if len(key) < 16:
        raise InputError(f"pseudonym key is {len(key)} bytes; want at least 16", column="key")
    if not value:
        raise InputError("target value is empty", column="target")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"got {value!r}; want a non-empty string", source=_SOURCE, column=field)
    return value


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise InputError(f"got a datetime {value!r}; want a date", source=_SOURCE, column=field)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value, field))
    except ValueError:
        raise InputError(
            f"got {value!r}; want an ISO 8601 date", source=_SOURCE, column=field
        ) from None


def _time(value: object) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(
                f"got {value!r}; want an ISO 8601 time", source=_SOURCE, column="time"
            ) from None
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InputError(
            f"got {value!r}; want a timezone-aware time", source=_SOURCE, column="time"
        )
    return value


@dataclasses.dataclass(frozen=True)
class Fir:
    """First Information Report: the case an access belongs to."""

    number: str
    police_station: str
    district: str
    kind = "fir"

    def __post_init__(self) -> None:
        for name in ("number", "police_station", "district"):
            _text(getattr(self, name), f"legal_authority.{name}")


@dataclasses.dataclass(frozen=True)
class Warrant:
    """A warrant with its issuing court and judge and its validity window (inclusive dates)."""

    reference: str
    court: str
    judge: str
    valid_from: dt.date
    valid_until: dt.date
    kind = "warrant"

    def __post_init__(self) -> None:
        for name in ("reference", "court", "judge"):
            _text(getattr(self, name), f"legal_authority.{name}")
        start = _date(self.valid_from, "legal_authority.valid_from")
        end = _date(self.valid_until, "legal_authority.valid_until")
        if end < start:
            raise InputError(
                f"valid_until {end} is before valid_from {start}",
                source=_SOURCE,
                column="legal_authority.valid_until",
            )
        object.__setattr__(self, "valid_from", start)
        object.__setattr__(self, "valid_until", end)


@dataclasses.dataclass(frozen=True)
class CourtOrder:
    """A court order authorising the access."""

    reference: str
    court: str
    kind = "court_order"

    def __post_init__(self) -> None:
        for name in ("reference", "court"):
            _text(getattr(self, name), f"legal_authority.{name}")


#: The legal basis of an access: an FIR, a warrant or a court order.
LegalAuthority = Fir | Warrant | CourtOrder
_AUTHORITIES: dict[str, type[Fir] | type[Warrant] | type[CourtOrder]] = {
    "fir": Fir,
    "warrant": Warrant,
    "court_order": CourtOrder,
}


def _authority_to_dict(authority: LegalAuthority | None) -> dict[str, str] | None:
    if authority is None:
        return None
    # vars() holds exactly the dataclass fields (kind is a class attribute); much
    # faster than dataclasses.asdict, which deep-copies, on the append path.
    out = {k: str(v) for k, v in vars(authority).items()}
    out["kind"] = authority.kind
    return out


def _authority_from_dict(value: object) -> LegalAuthority | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or value.get("kind") not in _AUTHORITIES:
        raise InputError(
            f"got {value!r}; want an object with kind one of {sorted(_AUTHORITIES)}",
            source=_SOURCE,
            column="legal_authority",
        )
    cls = _AUTHORITIES[value["kind"]]
    names = [f.name for f in dataclasses.fields(cls)]
    if set(value) != {"kind", *names}:
        raise InputError(
            f"got keys {sorted(value)}; want {sorted(['kind', *names])}",
            source=_SOURCE,
            column="legal_authority",
        )
    return cls(**{name: value[name] for name in names})


@dataclasses.dataclass(frozen=True)
class AccessRecord:
    """One access to surveillance data (schema in the module docstring).

    Every field is validated on construction; a bad field raises
    :class:`~mohtasib.errors.InputError` naming it. ``target`` must already be
    pseudonymised (64 lower-case hex digits from :func:`pseudonymise`), so a raw
    plate or CNIC can never reach the ledger.
    """

    requester: str
    role: str
    time: dt.datetime
    system: str
    action: str
    target: str
    legal_authority: LegalAuthority | None
    purpose: str
    approver: str | None
    outcome: str
    retention_class: str

    def __post_init__(self) -> None:
        for name in ("requester", "role", "system", "purpose", "outcome", "retention_class"):
            _text(getattr(self, name), name)
        object.__setattr__(self, "time", _time(self.time))
        if self.action not in ACTIONS:
            raise InputError(
                f"got {self.action!r}; want one of {sorted(ACTIONS)}",
                source=_SOURCE,
                column="action",
            )
        if not isinstance(self.target, str) or not _HEX64.fullmatch(self.target):
            raise InputError(
                "got a value that is not a pseudonym; want 64 lower-case hex digits "
                "from pseudonymise(value, key) (raw plates or CNICs are never stored)",
                source=_SOURCE,
                column="target",
            )
        if not isinstance(self.legal_authority, Fir | Warrant | CourtOrder | None):
            raise InputError(
                f"got {type(self.legal_authority).__name__}; want Fir, Warrant, CourtOrder or None",
                source=_SOURCE,
                column="legal_authority",
            )
        if self.approver is not None:
            _text(self.approver, "approver")

    def to_dict(self) -> dict[str, Any]:
        """The record as the JSON object of the schema."""
        return {
            "action": self.action,
            "approver": self.approver,
            "legal_authority": _authority_to_dict(self.legal_authority),
            "outcome": self.outcome,
            "purpose": self.purpose,
            "requester": self.requester,
            "retention_class": self.retention_class,
            "role": self.role,
            "system": self.system,
            "target": self.target,
            "time": self.time.isoformat(),
            "v": SCHEMA_VERSION,
        }

    def canonical_json(self, time: str | None = None) -> bytes:
        """Canonical JSON bytes: sorted keys, no whitespace, UTF-8.

        Byte for byte ``json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
        ensure_ascii=False)``, written out field by field (the keys are fixed and already
        sorted) with the json module's own string escaper. ``time`` is
        ``self.time.isoformat()`` when the caller already has it. The text before the
        target (action, approver, legal authority, outcome, purpose, requester, retention
        class, role, system: an officer's accesses under one case repeat them) is kept per
        combination of those nine values, so a repeated combination costs one dict lookup;
        only target and time are escaped per record. ``tests/ledger/test_throughput_json.py``
        checks the bytes against ``json.dumps`` on random records.
        """
        esc = _escape
        stamp = self.time.isoformat() if time is None else time
        return f"{self._json_head()}{esc(self.target)}{_BETWEEN}{esc(stamp)}{_SUFFIX}".encode()

    def _json_head(self) -> str:
        """The canonical JSON from ``{`` to ``"target":``, cached (see :meth:`canonical_json`)."""
        authority = self.legal_authority
        key = (
            self.action, self.approver, id(authority), self.outcome, self.purpose,
            self.requester, self.retention_class, self.role, self.system,
        )  # fmt: skip
        cached = _PREFIX_JSON.get(key)
        if cached is not None and cached[0] is authority:
            return cached[1]
        prefix = self._json_prefix()
        if len(_PREFIX_JSON) >= _PREFIX_CACHE:
            _PREFIX_JSON.clear()
        _PREFIX_JSON[key] = (authority, prefix)
        return prefix

    def _json_prefix(self) -> str:
        """The canonical JSON text from ``{`` to ``"target":`` (see :meth:`canonical_json`)."""
        esc = _escape
        authority = self.legal_authority
        if authority is None:
            legal = "null"
        else:
            cached = _LEGAL_JSON.get(id(authority))
            if cached is not None and cached[0] is authority:
                legal = cached[1]
            else:
                fields = {k: str(v) for k, v in vars(authority).items()}
                fields["kind"] = authority.kind
                legal = "{" + ",".join(f"{esc(k)}:{esc(fields[k])}" for k in sorted(fields)) + "}"
                if len(_LEGAL_JSON) >= _LEGAL_CACHE:
                    _LEGAL_JSON.clear()
                _LEGAL_JSON[id(authority)] = (authority, legal)
        approver = "null" if self.approver is None else esc(self.approver)
        return (
            f'{{"action":{esc(self.action)},"approver":{approver},"legal_authority":{legal},'
            f'"outcome":{esc(self.outcome)},"purpose":{esc(self.purpose)},'
            f'"requester":{esc(self.requester)},"retention_class":{esc(self.retention_class)},'
            f'"role":{esc(self.role)},"system":{esc(self.system)},"target":'
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccessRecord:
        """Build and validate a record from a schema object (InputError names the field)."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [name for name in names if name not in data]
        if missing:
            raise InputError(f"missing field; want {names}", source=_SOURCE, column=missing[0])
        if data.get("v", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise InputError(
                f"got schema version {data['v']!r}; want {SCHEMA_VERSION}",
                source=_SOURCE,
                column="v",
            )
        values = {name: data[name] for name in names}
        values["legal_authority"] = _authority_from_dict(data["legal_authority"])
        return cls(**values)

    @classmethod
    def from_json(cls, text: bytes | str) -> AccessRecord:
        """Parse canonical (or any) JSON into a validated record."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"not JSON: {exc}", source=_SOURCE) from None
        if not isinstance(data, dict):
            raise InputError(f"got {type(data).__name__}; want a JSON object", source=_SOURCE)
        return cls.from_dict(data)
