"""The fast path of find_pii returns what Presidio's AnalyzerEngine path returns (issue 6)."""

from __future__ import annotations

import random
import re

import phonenumbers
import pytest

from mohtasib.privacy._pii import (
    PiiSpan,
    _resolve_overlaps,
    find_pii,
    find_pii_with_engine,
    normalise_digits,
)
from mohtasib.privacy._recognizers import (
    CHARACTER_FIRST_PATTERNS,
    PLAIN_PATTERNS,
    RegexRecognizer,
    identifier_recognizers,
)
from mohtasib.privacy._recognizers_cues import _EN_NAME_BEFORE
from tests.privacy.eval import evaluate, generate


def _texts() -> list[str]:
    rows = evaluate.load(evaluate.SNIPPETS) + evaluate.load(evaluate.HELDOUT)
    return [str(r["text"]) for r in rows]


@pytest.mark.parametrize(
    "path", [evaluate.SNIPPETS, evaluate.HELDOUT], ids=["generated", "heldout"]
)
def test_fast_path_equals_engine_path(path: object) -> None:
    rows = evaluate.load(path)  # type: ignore[arg-type]
    mismatched = [
        r["id"] for r in rows if find_pii(str(r["text"])) != find_pii_with_engine(str(r["text"]))
    ]
    assert mismatched == []
    assert sum(len(find_pii(str(r["text"]))) for r in rows) > len(rows)  # spans were found


def test_fast_path_equals_engine_path_on_bench_documents() -> None:
    docs = [str(r["text"]) for r in generate.generate(600, seed=7)]
    assert [find_pii(d) for d in docs] == [find_pii_with_engine(d) for d in docs]


@pytest.mark.parametrize("name", sorted(PLAIN_PATTERNS))
def test_character_first_patterns_match_plain_forms(name: str) -> None:
    rng = random.Random(3)
    noise = "0123456789+-() .92300ABCabc\u2013/PSHICT"
    texts = [normalise_digits(t) for t in _texts()]
    texts += ["".join(rng.choice(noise) for _ in range(80)) for _ in range(3000)]
    fast, plain = re.compile(CHARACTER_FIRST_PATTERNS[name]), re.compile(PLAIN_PATTERNS[name])
    spans = [
        ([m.span() for m in fast.finditer(t)], [m.span() for m in plain.finditer(t)]) for t in texts
    ]
    assert all(a == b for a, b in spans)
    assert sum(len(a) for a, _ in spans) >= 20  # the patterns matched something


def test_phone_validator_agrees_with_phonenumbers_parse() -> None:
    phone = next(
        r
        for r in identifier_recognizers()
        if isinstance(r, RegexRecognizer) and r.entity == "PHONE_NUMBER"
    )
    rng = random.Random(5)
    prefixes = ["+92", "+92 ", "0092", "0092-", "00 92", "0", "(0"]
    values = [
        rng.choice(prefixes)
        + "".join(rng.choice("0123456789 -") for _ in range(rng.randint(8, 12)))
        for _ in range(4000)
    ]

    def reference(value: str) -> bool:
        try:
            number = phonenumbers.parse(re.sub(r"[^\d+]", "", value), "PK")
        except phonenumbers.NumberParseException:
            return False
        return bool(
            phonenumbers.region_code_for_number(number) == "PK"
            and phonenumbers.is_valid_number(number)
        )

    verdicts = [(phone.validate(v), reference(v)) for v in values]
    assert all(a == b for a, b in verdicts)
    assert sum(a for a, _ in verdicts) > 50  # valid numbers were among them


def test_screen_skips_patterns_but_not_matches() -> None:
    text = "Daily diary: patrol at 22:00, no incident."
    assert find_pii(text) == find_pii_with_engine(text) == []


def _reference_resolve(found: list[tuple[str, int, int, float]]) -> list[PiiSpan]:
    """The quadratic form of the overlap rule: each candidate against every kept span."""
    scored = [(e, s, t, round(float(c), 4)) for e, s, t, c in found if c >= 0.4 and t > s]
    kept: list[tuple[str, int, int, float]] = []
    for span in sorted(scored, key=lambda x: (-x[3], x[1] - x[2], x[1])):
        if all(span[2] <= k[1] or span[1] >= k[2] for k in kept):
            kept.append(span)
    return [PiiSpan(*k) for k in sorted(kept, key=lambda x: x[1])]


def test_overlap_resolution_equals_quadratic_reference() -> None:
    rng = random.Random(11)
    entities = ("CNIC", "PERSON", "ADDRESS")
    cases = []
    for _ in range(3000):
        found = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randint(0, 40)
            found.append(
                (
                    rng.choice(entities),
                    start,
                    start + rng.randint(0, 8),
                    rng.choice((0.3, 0.6, 0.7)),
                )
            )
        found += found[: rng.randint(0, 2)]  # exact repeats, as two cues can give
        cases.append(found)
    results = [(_resolve_overlaps(list(f)), _reference_resolve(f)) for f in cases]
    assert all(a == b for a, b in results)
    assert sum(len(a) for a, _ in results) > 3000  # spans were kept


def test_digit_normalisation_equals_full_translation() -> None:
    rng = random.Random(13)
    alphabet = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123 abcولد،"
    texts = ["".join(rng.choice(alphabet) for _ in range(30)) for _ in range(2000)] + _texts()
    table = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
    assert all(normalise_digits(t) == t.translate(table) for t in texts)
    assert normalise_digits("۰۳۰۰-١٢٣٤٥٦٧") == "0300-1234567"


def test_name_before_cue_pattern_equals_plain_form() -> None:
    word = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?"
    plain = re.compile(rf"((?:{word}[ \t]+){{0,3}}{word})[ \t]*,?[ \t]*$")
    rng = random.Random(17)
    windows = [t[max(0, i - 80) : i] for t in _texts() for i in range(0, len(t), 7)]
    windows += ["".join(rng.choice("AbC de-Fg  ,\tXy") for _ in range(60)) for _ in range(5000)]

    def span(pattern: re.Pattern[str], window: str) -> tuple[int, int] | None:
        match = pattern.search(window)
        return match.span(1) if match else None

    pairs = [(span(_EN_NAME_BEFORE, w), span(plain, w)) for w in windows]
    assert all(a == b for a, b in pairs)
    assert sum(a is not None for a, _ in pairs) > 500  # names were found
