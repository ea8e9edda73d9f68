"""Precision, recall and F1 per entity type on the SYNTHETIC evaluation set.

Compares mohtasib's recognizers with Presidio's default pattern recognizers (its
predefined recognizers without the spaCy NER, which needs a model download), on
two SYNTHETIC sets scored separately: ``snippets.jsonl`` (generated from templates, see
``generate.py``) and ``heldout.jsonl`` (written by hand without reference to the
recognizer code, see ``heldout.py``). A prediction is a true positive when it
overlaps an unmatched gold span of the same type (one-to-one); ``exact`` counts
only identical offsets. Presidio's ``IBAN_CODE`` is scored as ``IBAN``; types
Presidio does not have are shown as ``-``. ``make eval-pii`` runs this.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

SNIPPETS = Path(__file__).with_name("snippets.jsonl")
HELDOUT = Path(__file__).with_name("heldout.jsonl")
Span = tuple[str, int, int]


@dataclass
class Tally:
    """Matched, predicted and gold counts for one entity type."""

    tp: int = 0
    exact: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path = SNIPPETS) -> list[dict[str, object]]:
    """The labelled snippets (a header line without ``text``, such as a note, is skipped)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if "text" in r]


def score(
    rows: Iterable[dict[str, object]], predict: Callable[[str], list[Span]], types: Iterable[str]
) -> dict[str, Tally]:
    """Tally predictions against gold spans per entity type."""
    tallies = {t: Tally() for t in types}
    for row in rows:
        gold = [(s["entity_type"], s["start"], s["end"]) for s in row["spans"]]  # type: ignore[index, union-attr, attr-defined]
        predicted = [p for p in predict(str(row["text"])) if p[0] in tallies]
        for t, *_ in gold:
            tallies[t].gold += 1
        unmatched = list(gold)
        for t, start, end in predicted:
            tallies[t].predicted += 1
            hit = next((g for g in unmatched if g[0] == t and g[1] < end and start < g[2]), None)
            if hit is not None:
                unmatched.remove(hit)
                tallies[t].tp += 1
                tallies[t].exact += (hit[1], hit[2]) == (start, end)
    return tallies


def mohtasib_predict(text: str) -> list[Span]:
    """mohtasib's find_pii."""
    from mohtasib.privacy import find_pii

    return [(s.entity_type, s.start, s.end) for s in find_pii(text)]


def presidio_predict() -> Callable[[str], list[Span]]:
    """Presidio's predefined pattern recognizers, no NER model."""
    import logging

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    # Presidio's e-mail recognizer asks tldextract for the Public Suffix List online; offline,
    # tldextract logs the failure and falls back to its bundled snapshot. Keep the table readable.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)

    from mohtasib.privacy._nlp import NoOpNlpEngine

    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"])
    for name in ("SpacyRecognizer",):
        registry.remove_recognizer(name)
    engine = AnalyzerEngine(registry=registry, nlp_engine=NoOpNlpEngine(["en"]))
    rename = {"IBAN_CODE": "IBAN"}

    def predict(text: str) -> list[Span]:
        return [
            (rename.get(r.entity_type, r.entity_type), r.start, r.end)
            for r in engine.analyze(text, language="en")
        ]

    return predict


PRESIDIO_TYPES = {"PHONE_NUMBER", "IBAN", "EMAIL_ADDRESS", "IP_ADDRESS", "PERSON"}


def table(path: Path, presidio: Callable[[str], list[Span]]) -> None:
    """Print the side-by-side table for one evaluation set."""
    from mohtasib.privacy import ENTITY_TYPES

    rows = load(path)
    ours = score(rows, mohtasib_predict, ENTITY_TYPES)
    theirs = score(rows, presidio, ENTITY_TYPES)
    print(f"{len(rows)} SYNTHETIC snippets ({path.name}); overlap matching\n")
    print(f"{'entity':<14}{'gold':>6} | {'mohtasib P':>10}{'R':>7}{'F1':>7}{'exact':>7} | "
          f"{'Presidio P':>10}{'R':>7}{'F1':>7}")  # fmt: skip
    for t in ENTITY_TYPES:
        a, b = ours[t], theirs[t]
        right = (
            f"{b.precision:>10.3f}{b.recall:>7.3f}{b.f1:>7.3f}"
            if t in PRESIDIO_TYPES
            else f"{'-':>10}{'-':>7}{'-':>7}"
        )
        exact = a.exact / a.gold if a.gold else 1.0
        print(f"{t:<14}{a.gold:>6} | {a.precision:>10.3f}{a.recall:>7.3f}{a.f1:>7.3f}"
              f"{exact:>7.3f} | {right}")  # fmt: skip
    print()


def main() -> int:
    """Print the side-by-side tables: the generated set, then the held-out set."""
    presidio = presidio_predict()
    table(SNIPPETS, presidio)
    table(HELDOUT, presidio)
    print("exact: share of gold spans found with identical offsets (mohtasib).")
    print("Presidio: PERSON needs its spaCy NER model (not installed), so it finds none here.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
