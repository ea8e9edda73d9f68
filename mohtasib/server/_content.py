"""What the public pages show: the register's cards (public view only) and their assessments.

Cards are read once, at start-up, from a directory of system-card YAML files
(:func:`mohtasib.register.load_card`); ``<name>.answers.yaml`` beside a card holds
its impact-assessment answers (:func:`mohtasib.register.assess`). Only
:func:`mohtasib.register.public_view` of each card is ever kept for the pages and
the API, so a restricted or oversight-only field cannot reach a response.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mohtasib.errors import ConfigError, InputError
from mohtasib.register import SystemCard, assess, load_card, public_view

__all__ = ["PublicCard", "Register", "load_register"]


@dataclasses.dataclass(frozen=True)
class PublicCard:
    """The public view of one card (also as YAML) and, when answers exist, its assessment."""

    system_id: str
    public: Mapping[str, Any]
    assessment: Mapping[str, Any] | None
    public_yaml: str = ""

    @property
    def city(self) -> str:
        """The card's city."""
        return str(self.public.get("public_summary", {}).get("city", ""))

    @property
    def capability(self) -> str:
        """The card's capability type."""
        return str(self.public.get("public_summary", {}).get("capability_type", ""))

    @property
    def status(self) -> str:
        """The card's life-cycle status."""
        return str(self.public.get("record", {}).get("status", ""))

    @property
    def illustrative(self) -> bool:
        """Whether the card is marked as an illustrative example."""
        return bool(self.public.get("public_summary", {}).get("illustrative", False))

    def name(self, lang: str) -> str:
        """The system's name in ``lang`` (English when there is none)."""
        names = self.public.get("public_summary", {}).get("name", {})
        return str(names.get(lang) or names.get("en") or self.system_id)

    def to_dict(self) -> dict[str, Any]:
        """The public card and assessment, as the API returns them."""
        return {
            "system_id": self.system_id,
            "card": dict(self.public),
            "impact_assessment": None if self.assessment is None else dict(self.assessment),
        }


@dataclasses.dataclass(frozen=True)
class Register:
    """The cards the portal serves, by system id, and the full cards for scorecards."""

    cards: tuple[PublicCard, ...]
    full_cards: tuple[SystemCard, ...] = ()

    def get(self, system_id: str) -> PublicCard | None:
        """The card of ``system_id``, or None."""
        return next((c for c in self.cards if c.system_id == system_id), None)

    def select(
        self, *, city: str | None = None, capability: str | None = None, status: str | None = None
    ) -> list[PublicCard]:
        """Cards matching every given filter (case-insensitive), by system id."""

        def keep(value: str, wanted: str | None) -> bool:
            return not wanted or value.casefold() == wanted.casefold()

        return [
            c
            for c in self.cards
            if keep(c.city, city) and keep(c.capability, capability) and keep(c.status, status)
        ]

    def facets(self) -> dict[str, list[str]]:
        """The distinct cities, capabilities and statuses, sorted (the filter choices)."""
        return {
            "city": sorted({c.city for c in self.cards}),
            "capability": sorted({c.capability for c in self.cards}),
            "status": sorted({c.status for c in self.cards}),
        }


def load_register(directory: str | Path | None) -> Register:
    """Read every card (and its answers) in ``directory``; None gives an empty register.

    Raises InputError (naming the file and field path) for a card or answers file
    that does not validate, and ConfigError when two cards share a system id;
    nothing is served half-loaded.
    """
    if directory is None:
        return Register(())
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError("register directory does not exist", path=str(root), key="register_dir")
    cards: list[PublicCard] = []
    full: list[SystemCard] = []
    for path in sorted(root.glob("*.yaml")):
        if path.name.endswith(".answers.yaml"):
            continue
        card = load_card(path)
        answers = path.with_name(f"{path.stem}.answers.yaml")
        assessment = assess(answers).to_dict() if answers.is_file() else None
        if any(c.system_id == card.system_id for c in cards):
            raise ConfigError(f"two cards have system id {card.system_id!r}", path=str(path))
        public = public_view(card)
        shown = yaml.safe_dump(public, allow_unicode=True, sort_keys=False)
        cards.append(PublicCard(card.system_id, public, assessment, shown))
        full.append(card)
    for path in sorted(root.glob("*.answers.yaml")):
        if not path.with_name(path.name.removesuffix(".answers.yaml") + ".yaml").is_file():
            raise InputError("answers without a system card beside them", source=str(path))
    return Register(tuple(cards), tuple(full))
