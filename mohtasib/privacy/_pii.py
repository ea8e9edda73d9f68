"""Find personal data in police text: :func:`find_pii` and :class:`PiiSpan`.

The analysis runs on Microsoft Presidio's ``AnalyzerEngine`` with a no-op NLP
engine (no model download, no statistical NER) and mohtasib's own recognizers
(:mod:`mohtasib.privacy._recognizers`, :mod:`mohtasib.privacy._recognizers_cues`).
Extended Arabic-Indic (Urdu) digits ۰–۹ and Arabic-Indic digits ٠–٩ are mapped to
ASCII one character for one character before matching, so the offsets returned
index the original text.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import asdict, dataclass
from typing import Any

from mohtasib.errors import ConfigError, InputError
from mohtasib.privacy._nlp import AnalyzerEngine, NoOpNlpEngine, RecognizerRegistry
from mohtasib.privacy._recognizers import RegexRecognizer, identifier_recognizers
from mohtasib.privacy._recognizers_cues import (
    CueAddressRecognizer,
    CuePersonRecognizer,
    CueRecognizer,
)

__all__ = [
    "ENTITY_TYPES",
    "MAX_DOCUMENT_CHARS",
    "PiiSpan",
    "find_pii",
    "find_pii_with_engine",
    "normalise_digits",
]

#: The entity types mohtasib reports, in a fixed order.
ENTITY_TYPES: tuple[str, ...] = (
    "CNIC",
    "PHONE_NUMBER",
    "VEHICLE_PLATE",
    "PASSPORT",
    "NTN",
    "FIR_NUMBER",
    "IBAN",
    "EMAIL_ADDRESS",
    "IP_ADDRESS",
    "PERSON",
    "ADDRESS",
)
#: Longest document analysed in one piece (characters); longer ones raise InputError.
MAX_DOCUMENT_CHARS = 1_000_000
#: Spans scoring below this are not reported.
MIN_SCORE = 0.4
_LANGUAGES = ("auto", "en", "ur")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_NON_ASCII_DIGITS = re.compile("[۰-۹٠-٩]+")


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data found in a text.

    Attributes
    ----------
    entity_type
        One of :data:`ENTITY_TYPES`.
    start, end
        Character offsets into the original text: ``text[start:end]`` is the value.
    score
        The recognizer's confidence in [0, 1] (pattern strength, raised by context words).
    """

    entity_type: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The span as a JSON-ready mapping (offsets only; never the value)."""
        return asdict(self)


def normalise_digits(text: str) -> str:
    """Map Urdu and Arabic-Indic digits to ASCII digits, keeping every offset.

    Parameters
    ----------
    text
        Any text; the result has the same length.
    """
    if text.isascii():
        return text
    # str.translate looks every character of a non-ASCII string up in the table; mapping
    # only the runs of Urdu / Arabic-Indic digits gives the same string several times faster.
    return _NON_ASCII_DIGITS.sub(_ascii_digits, text)


def _ascii_digits(match: re.Match[str]) -> str:
    return match.group().translate(_DIGITS)


@functools.cache
def analyzer_engine() -> AnalyzerEngine:
    """The Presidio ``AnalyzerEngine`` holding mohtasib's recognizers (built once).

    It is usable on its own (``analyzer_engine().analyze(text, language="en")``);
    :func:`find_pii` runs the same registered recognizers directly (their ``find``
    method: tuples instead of ``RecognizerResult`` objects, and a cheap pre-screen per
    recognizer and cue pattern that skips patterns which cannot match), skipping the
    engine's per-call deep copies and context step (mohtasib's recognizers score context
    themselves). The spans are the same as through the engine; that is tested on both
    evaluation sets.
    """
    registry = RecognizerRegistry(recognizers=[], supported_languages=["en", "ur"])
    for language, urdu in (("en", False), ("ur", True)):
        for recognizer in identifier_recognizers(language):
            registry.add_recognizer(recognizer)
        registry.add_recognizer(CuePersonRecognizer(urdu=urdu, language=language))
        registry.add_recognizer(CueAddressRecognizer(urdu=urdu, language=language))
    return AnalyzerEngine(
        registry=registry, nlp_engine=NoOpNlpEngine(), supported_languages=["en", "ur"]
    )


@functools.cache
def _recognizers(language: str) -> tuple[RegexRecognizer | CueRecognizer, ...]:
    registry = analyzer_engine().registry
    found = registry.get_recognizers(language=language, all_fields=True)
    out = tuple(r for r in found if isinstance(r, RegexRecognizer | CueRecognizer))
    if len(out) != len(found):  # only mohtasib's recognizers are registered above
        raise TypeError("the analyzer registry holds a recognizer without a find() method")
    return out


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\ufb50-\ufeff]")


def find_pii(text: str, *, language: str = "auto") -> list[PiiSpan]:
    """Find personal data in ``text``.

    Parameters
    ----------
    text
        A document: an FIR narrative, case note, log line, letter. English, Urdu or both.
    language
        ``"en"`` applies the identifier recognizers and the English cue words; ``"ur"``
        adds the Urdu cue words (ولد، ساکن …); ``"auto"`` chooses ``"ur"`` when the
        text contains Arabic-script characters.

    Returns
    -------
    list of PiiSpan
        Non-overlapping spans sorted by start. Where two recognizers claim overlapping
        text, the higher score wins, then the longer span.

    Raises
    ------
    ConfigError
        ``language`` is not one of ``auto``, ``en``, ``ur``.
    InputError
        The text is longer than :data:`MAX_DOCUMENT_CHARS`.
    """
    if language not in _LANGUAGES:
        raise ConfigError(f"got language {language!r}; want one of {', '.join(_LANGUAGES)}")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InputError(
            f"a document has {len(text):,} characters, over the {MAX_DOCUMENT_CHARS:,} limit; "
            "split it into smaller documents"
        )
    if not text.strip():
        return []
    if text.isascii():  # no Urdu digits to map, no Arabic script: English
        normalised = text
        if language == "auto":
            language = "en"
    else:
        normalised = normalise_digits(text)
        if language == "auto":
            language = "ur" if _ARABIC_SCRIPT.search(text) else "en"
    folded = normalised.casefold()
    found = [span for rec in _recognizers(language) for span in rec.find(normalised, folded)]
    return _resolve_overlaps(found)


def find_pii_with_engine(text: str, *, language: str = "auto") -> list[PiiSpan]:
    """:func:`find_pii` through Presidio's ``AnalyzerEngine.analyze``: the reference path.

    Slower (the engine's NLP artefacts, deep copies and result post-processing, no
    pre-screens); kept to check that the fast path returns the same spans.

    Parameters
    ----------
    text
        As for :func:`find_pii`.
    language
        As for :func:`find_pii`.
    """
    if language not in _LANGUAGES:
        raise ConfigError(f"got language {language!r}; want one of {', '.join(_LANGUAGES)}")
    if not text.strip():
        return []
    if language == "auto":
        language = "ur" if _ARABIC_SCRIPT.search(text) else "en"
    results = analyzer_engine().analyze(normalise_digits(text), language=language)
    found = [
        (r.entity_type, r.start, r.end, float(r.score))
        for r in results
        if r.score >= MIN_SCORE and r.end > r.start
    ]
    return _resolve_overlaps(found)


def _resolve_overlaps(found: list[tuple[str, int, int, float]]) -> list[PiiSpan]:
    """Keep non-overlapping spans: higher (rounded) score first, then longer, then earlier.

    Spans scoring below :data:`MIN_SCORE` or empty are dropped first. The kept spans are
    held sorted by start (their ends are then sorted too), so whether a candidate overlaps
    one of them is two comparisons next to its :func:`bisect.bisect_right` position.
    """
    # Sort keys (-score, -length, start, arrival) as plain tuples: no key function per span;
    # the arrival index keeps the order of equal keys as a stable sort would.
    ranked = [
        (-round(score, 4), start - end, start, i, end, entity)
        for i, (entity, start, end, score) in enumerate(dict.fromkeys(found))
        if score >= MIN_SCORE and end > start
    ]
    ranked.sort()
    starts: list[int] = []
    ends: list[int] = []
    kept: list[PiiSpan] = []
    for negative_score, _, start, _, end, entity in ranked:
        score = -negative_score
        i = bisect_right(starts, start)
        if (i and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        kept.insert(i, PiiSpan(entity, start, end, score))
    return kept
