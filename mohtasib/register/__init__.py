"""The transparency register: system cards and the impact assessment.

A system card (:func:`load_card`, :func:`validate_card`, :func:`public_view`)
records one police AI system; the impact assessment (:func:`assess`) turns a
questionnaire's answers into an impact level with obligations.
"""

from __future__ import annotations

from mohtasib.register._assessment import (
    Assessment,
    Questionnaire,
    assess,
    load_questionnaire,
)
from mohtasib.register._cards import (
    SCHEMA_VERSION,
    VISIBILITIES,
    CardError,
    SystemCard,
    card_schema,
    load_card,
    public_view,
    validate_card,
)

__all__ = [
    "SCHEMA_VERSION",
    "VISIBILITIES",
    "Assessment",
    "CardError",
    "Questionnaire",
    "SystemCard",
    "assess",
    "card_schema",
    "load_card",
    "load_questionnaire",
    "public_view",
    "validate_card",
]
