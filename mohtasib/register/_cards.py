"""System cards: load, validate against the shipped JSON Schema, and take the public view.

A system card is a YAML file describing one police AI system, validated by
``schema/system-card-1.0.json`` (JSON Schema 2020-12). Every leaf of the schema
carries an ``x-visibility`` keyword: ``public``, ``restricted`` or
``oversight-only``. :func:`public_view` keeps only the public leaves.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mohtasib.errors import InputError
from mohtasib.register._assessment import Assessment, assess

__all__ = [
    "SCHEMA_VERSION",
    "VISIBILITIES",
    "CardError",
    "SystemCard",
    "card_schema",
    "load_card",
    "public_view",
    "validate_card",
]

#: The system-card schema version this module ships and validates against.
SCHEMA_VERSION = "1.0"
#: The visibility tags a schema leaf may carry, from most to least open.
VISIBILITIES = ("public", "restricted", "oversight-only")


@dataclass(frozen=True)
class CardError:
    """One schema violation in a system card.

    Attributes
    ----------
    path
        JSON path of the offending value, e.g. ``$.deployment.cameras.working``.
    message
        What was wrong, as reported by the validator.
    """

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return ``{"path": ..., "message": ...}``."""
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class SystemCard:
    """A validated system card.

    Attributes
    ----------
    data
        The card as a JSON-compatible mapping (YAML dates become ISO strings).
    source
        The file the card was read from.
    assessment
        The impact assessment recomputed from the answers file the card names in
        ``risk_and_impact.impact_assessment`` (None when it names none).
    """

    data: Mapping[str, Any]
    source: str
    assessment: Assessment | None = None

    @property
    def system_id(self) -> str:
        """The card's ``record.id``."""
        return str(self.data["record"]["id"])

    def to_dict(self) -> dict[str, Any]:
        """Return the full card (all visibilities) as a plain dict."""
        return json.loads(json.dumps(self.data))  # type: ignore[no-any-return]


_SCHEMA: dict[str, Any] = {}


def card_schema() -> dict[str, Any]:
    """The system-card JSON Schema shipped with mohtasib (version :data:`SCHEMA_VERSION`).

    Read once per process; the returned mapping is shared, so do not modify it.
    """
    if not _SCHEMA:
        name = f"schema/system-card-{SCHEMA_VERSION}.json"
        ref = resources.files("mohtasib.register").joinpath(name)
        _SCHEMA.update(json.loads(ref.read_text(encoding="utf-8")))
    return _SCHEMA


def _jsonable(value: Any) -> Any:
    """YAML dates and datetimes become ISO strings; containers are copied."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _read_yaml(path: str | Path) -> Any:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the system card: {exc.strerror}", source=str(file)) from exc
    try:
        return _jsonable(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", source=str(file)) from exc


def _json_path(parts: Iterator[Any] | Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _errors(data: Any) -> list[CardError]:
    validator = jsonschema.Draft202012Validator(card_schema())
    found = sorted(
        validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)
    )
    return [CardError(_json_path(e.absolute_path), e.message) for e in found]


_STORED = "$.risk_and_impact.impact_assessment"


def _stored_assessment(data: Any, source: str | Path) -> tuple[Assessment | None, list[CardError]]:
    """Recompute the impact assessment a card stores and compare it with what the card says.

    The card names its answers file (relative to the card's folder) and the result
    it claims; the result is recomputed with :func:`~mohtasib.register.assess`, so
    a card cannot carry a level its own answers do not give.
    """
    risk = data.get("risk_and_impact") if isinstance(data, Mapping) else None
    stored = risk.get("impact_assessment") if isinstance(risk, Mapping) else None
    if not isinstance(stored, Mapping):
        return None, []
    answers_path = Path(source).parent / str(stored["answers"])
    try:
        doc = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return None, [CardError(f"{_STORED}.answers", f"cannot read {answers_path}: {exc}")]
    errors = []
    if isinstance(doc, Mapping) and doc.get("system", data["record"]["id"]) != data["record"]["id"]:
        errors.append(
            CardError(
                f"{_STORED}.answers",
                f"the answers file is for system {doc['system']!r}, not {data['record']['id']!r}",
            )
        )
    try:
        result = assess(answers_path)
    except InputError as exc:
        return None, [*errors, CardError(f"{_STORED}.answers", str(exc))]
    if result.questionnaire != stored["questionnaire"]:
        errors.append(
            CardError(
                f"{_STORED}.questionnaire",
                f"the card names "
                f"{stored['questionnaire']!r}; the answers were scored with "
                f"{result.questionnaire!r}",
            )
        )
    if result.unanswered_required:
        errors.append(
            CardError(
                f"{_STORED}.answers",
                "required question(s) unanswered: " + ", ".join(result.unanswered_required),
            )
        )
    claims = {
        "level": result.level,
        "adjusted_score": result.adjusted_score,
        "raw_max": result.raw_max,
    }
    for key, value in claims.items():
        if key in stored and stored[key] != value:
            errors.append(
                CardError(
                    f"{_STORED}.{key}", f"the card says {stored[key]!r}; its answers give {value!r}"
                )
            )
    level = risk.get("impact_level") if isinstance(risk, Mapping) else None
    if level is not None and level != result.level:
        errors.append(
            CardError(
                "$.risk_and_impact.impact_level",
                f"the card says {level!r}; its impact assessment gives {result.level!r}",
            )
        )
    return result, errors


def validate_card(path: str | Path) -> list[CardError]:
    """Every schema violation in a system card, each with its JSON path.

    Parameters
    ----------
    path
        A YAML system card.

    Returns
    -------
    list of CardError
        Empty when the card is valid; otherwise all violations, never only the first.
        A card that stores an impact assessment is also checked against it: the
        result is recomputed from the answers file and any difference is an error.

    Raises
    ------
    InputError
        When the file cannot be read or is not valid YAML.
    """
    data = _read_yaml(path)
    errors = _errors(data)
    return errors if errors else _stored_assessment(data, path)[1]


def load_card(path: str | Path) -> SystemCard:
    """Read and validate a system card.

    Raises
    ------
    InputError
        When the file is unreadable, not YAML, violates the schema, or stores an
        impact assessment its answers do not give; the message lists every
        violation with its JSON path.
    """
    data = _read_yaml(path)
    errors = _errors(data)
    result, mismatches = (None, []) if errors else _stored_assessment(data, path)
    errors += mismatches
    if errors:
        listed = "; ".join(str(e) for e in errors)
        raise InputError(f"{len(errors)} schema error(s): {listed}", source=str(path))
    return SystemCard(data=data, source=str(path), assessment=result)


def _has_children(schema: Mapping[str, Any]) -> bool:
    items = schema.get("items")
    return "properties" in schema or (isinstance(items, dict) and "properties" in items)


def _public(value: Any, schema: Mapping[str, Any]) -> Any:
    """Keep the parts of ``value`` whose schema is public; None when nothing is."""
    visibility = schema.get("x-visibility")
    if visibility is not None and visibility != "public":
        return None
    if not _has_children(schema):
        return value if visibility == "public" else None
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        kept = {k: _public(v, props[k]) for k, v in value.items() if k in props}
        return {k: v for k, v in kept.items() if v is not None}
    if isinstance(value, list):
        return [_public(v, schema["items"]) for v in value]
    return None


def public_view(card: SystemCard) -> dict[str, Any]:
    """The card with every restricted and oversight-only field removed, at any depth.

    A field survives only when its schema leaf is tagged ``public``; an untagged
    field (which the schema does not allow) is dropped too.
    """
    return _public(card.to_dict(), card_schema())  # type: ignore[no-any-return]
