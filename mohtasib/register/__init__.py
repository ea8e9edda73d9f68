"""The transparency register: system cards and the impact assessment.

A system card (:func:`load_card`, :func:`validate_card`, :func:`public_view`)
records one police AI system; the impact assessment (:func:`assess`) turns a
questionnaire's answers into an impact level with obligations, stored with the
card and recomputed whenever the card is loaded; :func:`city_scorecards`
summarises each city's systems from the cards and their access ledgers.
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
from mohtasib.register._scorecards import CityScorecard, SystemScore, city_scorecards, city_slug

__all__ = [
    "SCHEMA_VERSION",
    "VISIBILITIES",
    "Assessment",
    "CardError",
    "CityScorecard",
    "Questionnaire",
    "SystemCard",
    "SystemScore",
    "assess",
    "card_schema",
    "city_scorecards",
    "city_slug",
    "load_card",
    "load_questionnaire",
    "public_view",
    "validate_card",
]
