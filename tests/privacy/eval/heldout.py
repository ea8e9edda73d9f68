"""Write the SYNTHETIC held-out PII evaluation set: ``tests/privacy/eval/heldout.jsonl``.

The snippets in ``heldout_source.txt`` were written by hand, without reference to the
recognizer code, from the issue's description and the shape of Pakistani police
paperwork (FIR narratives, number-plate-reader log lines, case diaries, complaint
letters, court-style orders; English, Urdu in Nastaliq script with Urdu digits, Roman
Urdu and mixed script), with many hard negatives. Every name, number, plate and address
is invented. Spans are marked inline as ``{{CODE:value}}``; this script strips the
marks and writes the same line format as ``snippets.jsonl`` (see ``generate.py``) with
``"heldout": true``. Run ``python tests/privacy/eval/heldout.py`` to rebuild it.

The set was blind only until the first score was recorded: recognizer fixes made after
that score (see ``docs/how-to/find-and-redact-pii.md``) were informed by its misses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

SOURCE = Path(__file__).with_name("heldout_source.txt")
OUT = Path(__file__).with_name("heldout.jsonl")
CODES = {
    "C": "CNIC",
    "P": "PHONE_NUMBER",
    "V": "VEHICLE_PLATE",
    "PP": "PASSPORT",
    "N": "NTN",
    "F": "FIR_NUMBER",
    "I": "IBAN",
    "E": "EMAIL_ADDRESS",
    "IP": "IP_ADDRESS",
    "PER": "PERSON",
    "A": "ADDRESS",
}
MARK = re.compile(r"\{\{([A-Z]+):(.+?)\}\}")


def parse(marked: str) -> tuple[str, list[dict[str, object]]]:
    """The plain text of one marked snippet and its gold spans."""
    text: list[str] = []
    spans: list[dict[str, object]] = []
    length = 0
    cursor = 0
    for m in MARK.finditer(marked):
        before = marked[cursor : m.start()]
        text.append(before)
        length += len(before)
        code, value = m.group(1), m.group(2)
        if code not in CODES:
            raise ValueError(f"unknown span code {code!r} in: {marked}")
        spans.append({"entity_type": CODES[code], "start": length, "end": length + len(value)})
        text.append(value)
        length += len(value)
        cursor = m.end()
    text.append(marked[cursor:])
    plain = "".join(text)
    if "{{" in plain or "}}" in plain:
        raise ValueError(f"unbalanced span mark in: {marked}")
    return plain, spans


def build(source: Path = SOURCE) -> list[dict[str, object]]:
    """The labelled held-out snippets, in source order."""
    rows: list[dict[str, object]] = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, language, marked = line.split("\t", 2)
        text, spans = parse(marked)
        rows.append(
            {
                "id": f"held-{len(rows):04d}",
                "kind": kind,
                "language": language,
                "synthetic": True,
                "heldout": True,
                "text": text,
                "spans": spans,
            }
        )
    return rows


def main() -> None:
    """Rebuild ``heldout.jsonl``."""
    rows = build()
    header = {
        "note": "SYNTHETIC held-out set: written by hand without reference to the recognizer code; "
        "every name and number is invented. Built from heldout_source.txt by heldout.py.",
    }
    lines = [json.dumps(header, ensure_ascii=False)]
    lines += [json.dumps(r, ensure_ascii=False) for r in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} snippets to {OUT.name}")


if __name__ == "__main__":
    main()
