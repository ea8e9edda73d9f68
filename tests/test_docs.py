"""The documentation cannot go stale (STYLE rule 15).

Generated pages equal freshly generated content; every command, configuration
key, public name and flag is documented; no page certifies a system.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from mohtasib.audit import SECTION_KEYS, TOP_LEVEL_KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
GENERATED = {REFERENCE / "cli.md", REFERENCE / "api.md"}
STALE = "is stale: run `make docs` and commit the result"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mohtasib_docs_generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = _generator()


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _handwritten() -> list[Path]:
    return [p for p in _pages() if p not in GENERATED]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# (1) generated pages are up to date ------------------------------------------------------------


def test_cli_reference_is_freshly_generated() -> None:
    assert _read(REFERENCE / "cli.md") == GENERATE.cli_markdown(), f"docs/reference/cli.md {STALE}"


def test_api_reference_is_freshly_generated() -> None:
    assert _read(REFERENCE / "api.md") == GENERATE.api_markdown(), f"docs/reference/api.md {STALE}"


def test_generator_is_deterministic() -> None:
    assert GENERATE.cli_markdown() == GENERATE.cli_markdown()
    assert " at 0x" not in GENERATE.api_markdown(), "a memory address leaked into api.md"


# (2) every command is documented ---------------------------------------------------------------

COMMANDS = [" ".join(path) for path in GENERATE.command_paths()]


def test_command_walk_finds_the_known_commands() -> None:
    assert {"audit", "demo", "fairness", "fairness audit", "fairness stops"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_in_cli_reference(command: str) -> None:
    assert f"## mohtasib {command}\n" in _read(REFERENCE / "cli.md"), f"{command!r}: {STALE}"


@pytest.mark.parametrize("command", COMMANDS)
def test_command_in_a_handwritten_page(command: str) -> None:
    pattern = re.compile(rf"\bmohtasib {re.escape(command)}\b")
    guides = sorted((DOCS / "tutorial").glob("*.md")) + sorted((DOCS / "how-to").glob("*.md"))
    pages = [p for p in guides if pattern.search(_read(p))]
    assert pages, f"`mohtasib {command}` is used in no tutorial or how-to page"


# (3) every configuration key is documented -----------------------------------------------------


def _section_of(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find("\n## ", start + len(heading))
    return page[start : end if end != -1 else len(page)]


@pytest.mark.parametrize("key", TOP_LEVEL_KEYS)
def test_top_level_key_documented(key: str) -> None:
    page = _section_of(_read(REFERENCE / "audit-config.md"), "## Top level")
    assert f"| `{key}` |" in page, f"top-level key {key!r} missing from audit-config.md"


@pytest.mark.parametrize(
    ("section", "key"),
    [
        (section, key)
        for section, spec in SECTION_KEYS.items()
        for key in (*spec["required"], *spec["optional"])
    ],
)
def test_section_key_documented(section: str, key: str) -> None:
    page = _read(REFERENCE / "audit-config.md")
    heading = f"## `sections.{section}`"
    assert heading in page, f"section {section!r} has no heading in audit-config.md"
    assert f"| `{key}` |" in _section_of(page, heading), (
        f"key sections.{section}.{key} missing from audit-config.md"
    )


# (4) every public name has a docstring and is in api.md ----------------------------------------

PUBLIC = GENERATE.public_names()


def test_public_names_found() -> None:
    assert ("mohtasib.fairness", "audit") in PUBLIC
    assert ("mohtasib.errors", "InputError") in PUBLIC


@pytest.mark.parametrize(("module", "name"), PUBLIC)
def test_public_name_has_docstring(module: str, name: str) -> None:
    assert GENERATE.docstring(module, name).strip(), (
        f"{module}.{name} has no docstring (constants: a `#:` comment above the assignment)"
    )


@pytest.mark.parametrize(("module", "name"), PUBLIC)
def test_public_name_in_api_reference(module: str, name: str) -> None:
    assert f"### `{module}.{name}`" in _read(REFERENCE / "api.md"), f"{module}.{name}: {STALE}"


# (5) every flag the fairness code can emit is explained ----------------------------------------

FAIRNESS = ROOT / "mohtasib" / "fairness"
KNOWN_FLAGS = {
    "low_precision",
    "suppressed",
    "no_denominator",
    "missing_attribute",
    "outside_band",
    "interval_outside_band",
    "interval_crosses_band",
    "underpowered_for_ratio_1_25",
    "zero_count_koopman_interval",
    "exact_test",
    "reference_rate_zero",
}


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _flag_literals(tree: ast.AST) -> set[str]:
    """String literals that end up in a ``flags`` field.

    Covers ``flags.append("x")`` / ``.extend``, ``flags = (...)``, ``flags=(...)``
    keywords, the fifth positional argument of ``RateEstimate(...)`` and the
    return values of functions named ``*_flags``.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in {"append", "extend"}
                and isinstance(func.value, ast.Name)
                and func.value.id == "flags"
            ):
                found |= {s for a in node.args if not isinstance(a, ast.Call) for s in _strings(a)}
            found |= {s for k in node.keywords if k.arg == "flags" for s in _strings(k.value)}
            if isinstance(func, ast.Name) and func.id == "RateEstimate" and len(node.args) >= 5:
                found |= _strings(node.args[4])
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "flags" for t in node.targets
        ):
            found |= _strings(node.value)
        elif isinstance(node, ast.FunctionDef) and node.name.endswith("_flags"):
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    found |= _strings(ret.value)
    # Keep flag-shaped words only (f-string fragments such as ":" are not flags).
    return {s for s in found if re.fullmatch(r"[a-z][a-z0-9_]*", s)}


def _emitted_flags() -> set[str]:
    flags: set[str] = set()
    for path in sorted(FAIRNESS.glob("*.py")):
        flags |= _flag_literals(ast.parse(_read(path)))
    return flags


def test_flag_scan_finds_every_known_flag() -> None:
    emitted = _emitted_flags()
    assert emitted >= KNOWN_FLAGS, f"flags no longer emitted: {sorted(KNOWN_FLAGS - emitted)}"


@pytest.mark.parametrize("flag", sorted(KNOWN_FLAGS | _emitted_flags()))
def test_flag_explained(flag: str) -> None:
    pages = [DOCS / "explanation" / "glossary.md", DOCS / "tutorial" / "first-audit.md"]
    assert any(f"`{flag}`" in _read(p) for p in pages), (
        f"flag {flag!r} is explained in neither glossary.md nor the tutorial"
    )


# (6) no page certifies a system ----------------------------------------------------------------

FORBIDDEN = re.compile(r"\b(fair|unbiased|safe)\b", re.IGNORECASE)
QUOTED = re.compile(r"[\"“'](?:fair|unbiased|safe)[\"”']", re.IGNORECASE)
#: The name of Pakistan's "Safe City" camera programmes (and ids such as quetta-safe-city-…) is a
#: proper noun, not a claim about a system.
PROPER_NOUN = re.compile(r"\bsafe[- ]cit(?:y|ies)\b", re.IGNORECASE)
#: Sentences allowed to use the words unquoted (none yet; add exact sentences with a reason).
ALLOWED_SENTENCES: tuple[str, ...] = ()


def _offending_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        cleaned = PROPER_NOUN.sub("", QUOTED.sub("", line))
        for sentence in ALLOWED_SENTENCES:
            cleaned = cleaned.replace(sentence, "")
        if FORBIDDEN.search(cleaned):
            out.append(line.strip())
    return out


def test_forbidden_word_check_catches_a_certification() -> None:
    assert _offending_lines("The system is fair to every group.")
    assert _offending_lines("Deemed SAFE for use.")
    assert not _offending_lines('Never write that a system is "fair" or "unbiased".')
    assert not _offending_lines("Lahore's Safe City cameras (quetta-safe-city-cameras).")
    assert _offending_lines("The Safe City system is safe.")
    assert not _offending_lines("The fairness audit; shared safely.")


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_does_not_certify_a_system(page: Path) -> None:
    assert not _offending_lines(_read(page)), (
        f"{page.relative_to(ROOT)} uses 'fair', 'unbiased' or 'safe' outside a quotation of the "
        "rule against it (docs/explanation/talking-about-results.md)"
    )


def test_every_handwritten_page_is_linked_from_the_index() -> None:
    index = _read(DOCS / "index.md")
    for page in _handwritten():
        if page.name != "index.md":
            assert str(page.relative_to(DOCS)) in index, f"{page} is not linked from docs/index.md"
