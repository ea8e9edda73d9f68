"""The ledger section: decision counts, breakdowns, retention and checkpoint, in careful words."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from nacl.public import PrivateKey

from mohtasib.ledger import (
    AccessRecord,
    Fir,
    Ledger,
    LedgerStatistics,
    MemoryLedgerStore,
    Policy,
    ledger_statistics,
    pseudonymise,
)
from mohtasib.report import AuditReport, ReportSection, findings, render_html, section_html

PKT = dt.timezone(dt.timedelta(hours=5))
KEY = PrivateKey(bytes(range(32)))
POLICY = Policy.from_dict(
    {"system": "anpr", "purposes": ["investigation"], "actions": {"plate_search": ["fir"]}}
)


def _record(day: int, authority: Fir | None) -> AccessRecord:
    return AccessRecord(
        "INSP-9", "investigating_officer", dt.datetime(2025, 1, day, tzinfo=PKT), "anpr",
        "plate_search", pseudonymise("LEA-77", b"p" * 32), authority, "investigation", None,
        "no_match", "standard",
    )  # fmt: skip


def _stats(*, opened: bool, tamper: bool = False) -> LedgerStatistics:
    store = MemoryLedgerStore()
    log = Ledger(store, policy=POLICY, oversight_public_key=bytes(KEY.public_key),
                 pseudonym_key=b"p" * 32)  # fmt: skip
    fir = Fir("5/2025", "Gulberg", "Lahore")
    log.append_many([_record(2, fir), _record(3, None), _record(4, None), _record(5, fir)])
    head = (log.size(), log.root())
    if tamper:
        store.rows[1] = store.rows[0]
    return ledger_statistics(
        store,
        start=dt.datetime(2025, 1, 1, tzinfo=PKT),
        end=dt.datetime(2025, 2, 1, tzinfo=PKT),
        private_key=KEY if opened else None,
        checkpoint=head,
        retention_periods={"standard": dt.timedelta(days=365)},
    )


def _section(result: LedgerStatistics) -> ReportSection:
    return ReportSection("ledger", "Access ledger", result, "SYNTHETIC ledger for a test.")


@pytest.fixture(params=[True, False], ids=["opened", "public"])
def stats(request: pytest.FixtureRequest) -> LedgerStatistics:
    return _stats(opened=request.param)


def test_denied_accesses_are_stated_with_their_rule(stats: LedgerStatistics) -> None:
    text = " ".join(findings(stats))
    assert "2 accesses in the period were recorded as denied under rule authority_missing" in text
    assert "4 accesses were recorded" in text


def test_section_renders_decisions_retention_and_checkpoint(stats: LedgerStatistics) -> None:
    html = section_html(_section(stats))
    for table in ("ledger-decisions", "ledger-retention", "ledger-checkpoint"):
        assert f'id="{table}"' in html
    assert ("ledger-by-action" in html) == stats.bodies_opened
    assert "authority_missing" in html and "SYNTHETIC ledger for a test." in html


def test_opened_section_counts_by_legal_authority_type() -> None:
    html = section_html(_section(_stats(opened=True)))
    assert re.search(r"<code>none</code></td><td>2</td>", html)
    assert re.search(r"<code>fir</code></td><td>2</td>", html)


def test_tampered_log_names_the_entry_against_the_checkpoint() -> None:
    result = _stats(opened=False, tamper=True)
    text = " ".join(findings(result))
    assert "does not match the checkpoint" in text and "First entry concerned: 1" in text
    assert "<strong>no</strong>" in section_html(_section(result))


def test_ledger_findings_never_certify(stats: LedgerStatistics) -> None:
    words = re.compile(r"\b(lawful|legal(?:ly)? compliant|fair|unbiased|safe)\b", re.IGNORECASE)
    for sentence in findings(stats):
        assert not words.search(sentence), sentence


def test_whole_report_with_a_ledger_section_renders(stats: LedgerStatistics) -> None:
    report = AuditReport("t", "2025-01-01T00:00:00+00:00", (_section(stats),))
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>") and "INSP-9" not in html
    assert report.to_dict()["sections"]["ledger"]["result"]["kind"] == "ledger"
