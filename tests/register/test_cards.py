"""System cards validate against the shipped schema; the public view hides the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mohtasib.errors import InputError
from mohtasib.register import VISIBILITIES, card_schema, load_card, public_view, validate_card
from tests.conftest import REPO

EXAMPLES = sorted(
    p for p in (REPO / "examples" / "register").glob("*.yaml") if "answers" not in p.name
)


def _leaves(schema: dict[str, Any], path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    if "properties" in schema:
        return [leaf for k, v in schema["properties"].items() for leaf in _leaves(v, f"{path}.{k}")]
    items = schema.get("items")
    if isinstance(items, dict) and "properties" in items:
        return _leaves(items, f"{path}[]")
    return [(path, schema)]


def test_schema_every_leaf_has_a_visibility():
    leaves = _leaves(card_schema())
    assert len(leaves) > 60
    untagged = [p for p, s in leaves if s.get("x-visibility") not in VISIBILITIES]
    assert not untagged


def test_schema_capability_types_are_an_enum():
    cap = card_schema()["properties"]["public_summary"]["properties"]["capability_type"]
    assert set(cap["enum"]) == {
        "live-face-search",
        "retrospective-face-search",
        "number-plate-reading",
        "video-analytics",
        "risk-scoring",
        "hotspot-forecasting",
    }


def test_examples_are_five_cities():
    cities = {load_card(p).data["public_summary"]["city"] for p in EXAMPLES}
    assert cities == {"Lahore", "Islamabad", "Karachi", "Peshawar", "Quetta"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_card_validates_and_says_it_is_illustrative(path: Path):
    assert validate_card(path) == []
    summary = load_card(path).data["public_summary"]
    assert summary["illustrative"] is True
    assert (
        "ILLUSTRATIVE EXAMPLE, not a description of a real deployment"
        in summary["description"]["en"]
    )


def test_validate_card_lists_every_error_with_its_path(tmp_path: Path):
    data = yaml.safe_load(EXAMPLES[0].read_text(encoding="utf-8"))
    data["public_summary"]["capability_type"] = "mind-reading"
    data["deployment"]["cameras"]["installed"] = -5
    del data["record"]["next_review"]
    data["technical"]["surprise"] = 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    paths = {e.path for e in validate_card(bad)}
    assert paths == {
        "$.public_summary.capability_type",
        "$.deployment.cameras.installed",
        "$.record",
        "$.technical",
    }
    with pytest.raises(InputError, match=r"4 schema error\(s\).*capability_type"):
        load_card(bad)


def test_validate_card_rejects_invalid_yaml(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("record: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid YAML"):
        validate_card(bad)


def _visibility(schema: dict[str, Any], parts: list[Any]) -> str | None:
    node = schema
    for part in parts:
        node = node["items"] if isinstance(part, int) else node["properties"][part]
        if node.get("x-visibility", "public") != "public":
            return str(node["x-visibility"])
    return node.get("x-visibility")


def _paths(value: Any, parts: list[Any]) -> list[list[Any]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, [*parts, k])]
    if value in ([], {}):
        return []  # an empty container holds no field
    if isinstance(value, list) and isinstance(value[0], dict):
        return [p for i, v in enumerate(value) for p in _paths(v, [*parts, i])]
    return [parts]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_public_view_keeps_only_public_fields_at_any_depth(path: Path):
    card = load_card(path)
    view = public_view(card)
    leaves = _paths(view, [])
    assert leaves
    assert all(_visibility(card_schema(), p) == "public" for p in leaves)


def test_public_view_drops_restricted_and_oversight_fields():
    card = load_card(REPO / "examples" / "register" / "lahore-face-search.yaml")
    full, view = card.to_dict(), public_view(card)
    assert "locations" in full["deployment"]["cameras"]
    assert "locations" not in view["deployment"]["cameras"]
    assert "watchlist_criteria" not in view["technical"]
    assert "value" not in view["technical"]["thresholds"]
    assert "contract_reference" not in view["accountability"]["suppliers"][0]
    assert "endpoint" not in view["technical"]["ledger"]
    assert view["public_summary"]["name"]["ur"]
