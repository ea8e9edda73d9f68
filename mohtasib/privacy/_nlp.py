"""An NLP engine for Presidio that needs no model download.

Presidio's default set-up loads spaCy's ``en_core_web_lg`` (a download) and uses
its named-entity recogniser, which tags "Lahore" as a person and CNIC numbers as
dates. mohtasib's recognizers work on the raw text (patterns, validators and cue
words), so the engine below tokenises nothing and returns empty artifacts.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from typing import Any

# Importing Presidio imports spaCy, whose CLI imports typer, which touches a click attribute that
# click 8.2 deprecates (DeprecationWarning at import time). It is not ours to change and has no
# effect here; silence exactly that warning, only while importing, so `-W error` runs still work.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message=r"'click\.utils\.\w+. is deprecated",
        category=DeprecationWarning,
    )
    from presidio_analyzer import (
        AnalyzerEngine,
        EntityRecognizer,
        RecognizerRegistry,
        RecognizerResult,
    )
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig
    from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult

__all__ = [
    "AnalyzerEngine",
    "AnonymizerEngine",
    "AnonymizerResult",
    "EntityRecognizer",
    "NlpArtifacts",
    "NoOpNlpEngine",
    "OperatorConfig",
    "RecognizerRegistry",
    "RecognizerResult",
]


class NoOpNlpEngine(NlpEngine):
    """A Presidio NLP engine that returns empty artifacts for any language.

    Parameters
    ----------
    languages
        Language codes reported as supported (Presidio checks them).
    """

    def __init__(self, languages: Iterable[str] = ("en", "ur")) -> None:
        self._languages = list(languages)

    def load(self) -> None:
        """Nothing to load."""

    def is_loaded(self) -> bool:
        """Always true: there is no model."""
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Return empty artifacts (no tokens, no entities)."""
        return NlpArtifacts(
            entities=[],
            tokens=[],  # type: ignore[arg-type]  # no spaCy Doc: nothing is tokenised
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self,
            language=language,
        )

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1, **_: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        """Yield ``(text, empty artifacts)`` for each text."""
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        """No stop-word list: always false."""
        return False

    def is_punct(self, word: str, language: str) -> bool:
        """No punctuation model: always false."""
        return False

    def get_supported_entities(self) -> list[str]:
        """No NER: no entities."""
        return []

    def get_supported_languages(self) -> list[str]:
        """The languages given at construction."""
        return list(self._languages)
