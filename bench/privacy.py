"""Documents per second: mohtasib's full recognizer set vs Presidio's pattern recognizers.

Generates N short FIR-like SYNTHETIC documents (the evaluation generator's templates,
another seed) and times, in the same run and process, ``mohtasib.privacy.find_pii``
(all recognizers, person and address rules included: the fast path), the same
recognizers through Presidio's ``AnalyzerEngine.analyze`` (``find_pii_with_engine``,
the reference path with identical spans), and Presidio's predefined recognizers without
the spaCy NER (no model download). Wall and CPU (process) time are both reported: on a
shared machine CPU time is the steadier one. Usage::

    python bench/privacy.py [N [M]]   # N documents (default 100000); Presidio on the first M

M (default N) limits only the Presidio peer, which is about 20 times slower per document,
to the first M of the same documents, so a large N finishes on a small machine.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.privacy.eval import evaluate, generate


def rate(label: str, fn: Callable[[str], object], docs: list[str]) -> float:
    """Time ``fn`` over ``docs``; print and return documents per CPU second."""
    fn(docs[0])  # warm-up: builds engines, compiles patterns
    wall, cpu = time.perf_counter(), time.process_time()
    for doc in docs:
        fn(doc)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(docs)
    print(f"{label:<46}{n / wall:>9,.0f} docs/s wall {1000 * wall / n:>7.3f} ms/doc | "
          f"{n / cpu:>9,.0f} docs/s CPU {1000 * cpu / n:>7.3f} ms/doc")  # fmt: skip
    return n / cpu


def main() -> None:
    """Run the three paths over the same documents and print the rates."""
    from mohtasib.privacy._pii import find_pii_with_engine

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else n
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    docs = [str(row["text"]) for row in generate.generate(n, seed=7)]
    chars = sum(map(len, docs)) / len(docs)
    load = os.getloadavg()[0]
    print(f"{n:,} SYNTHETIC FIR-like documents, mean {chars:.0f} characters; "
          f"Python {platform.python_version()}, {platform.machine()}, load {load:.2f}")  # fmt: skip
    ours = rate("mohtasib find_pii (all recognizers)", evaluate.mohtasib_predict, docs)
    rate("mohtasib via Presidio AnalyzerEngine", find_pii_with_engine, docs)
    peer = f"Presidio predefined patterns (no NER), {min(m, n):,}"
    theirs = rate(peer, evaluate.presidio_predict(), docs[:m])
    print(f"ratio mohtasib find_pii / Presidio (CPU): {ours / theirs:.1f}; "
          f"load average after: {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
