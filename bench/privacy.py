"""Documents per second: mohtasib's full recognizer set vs Presidio's pattern recognizers.

Generates N short FIR-like SYNTHETIC documents (the evaluation generator's templates,
another seed) and times, in the same run and process, ``mohtasib.privacy.find_pii``
(all recognizers, person and address rules included) and Presidio's predefined
recognizers without the spaCy NER (no model download). Usage::

    python bench/privacy.py [N]      # default 100000
"""

from __future__ import annotations

import logging
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.privacy.eval import evaluate, generate


def rate(label: str, fn, docs: list[str]) -> float:  # type: ignore[no-untyped-def]
    fn(docs[0])  # warm-up: builds engines, compiles patterns
    start = time.perf_counter()
    for doc in docs:
        fn(doc)
    seconds = time.perf_counter() - start
    per_s = len(docs) / seconds
    print(f"{label:<42}{per_s:>10,.0f} docs/s {1000 * seconds / len(docs):>8.3f} ms/doc")
    return per_s


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    docs = [str(row["text"]) for row in generate.generate(n, seed=7)]
    chars = sum(map(len, docs)) / len(docs)
    print(f"{n:,} SYNTHETIC FIR-like documents, mean {chars:.0f} characters; "
          f"Python {platform.python_version()}, {platform.machine()}")  # fmt: skip
    ours = rate("mohtasib find_pii (all recognizers)", evaluate.mohtasib_predict, docs)
    theirs = rate("Presidio predefined patterns (no NER)", evaluate.presidio_predict(), docs)
    print(f"ratio mohtasib / Presidio: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
