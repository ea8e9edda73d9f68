"""Ledger statistics for an audit period: counts by decision and rule, by action, system and
authority when bodies are opened, retention compliance, and the checkpoint check."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable

import pytest
from nacl.public import PrivateKey

from mohtasib.errors import InputError
from mohtasib.ledger import (
    Ledger,
    MemoryLedgerStore,
    NoteSigner,
    Policy,
    ledger_statistics,
    publish_checkpoint,
    retention_sweep,
)
from mohtasib.ledger._records import AccessRecord
from tests.ledger.conftest import PKT, PSEUDONYM_KEY

MakeRecord = Callable[..., AccessRecord]
POLICY = Policy.from_dict(
    {
        "system": "psca-lahore-anpr",
        "purposes": ["investigation"],
        "actions": {"plate_search": ["fir"], "face_search": ["warrant"]},
    }
)
START = dt.datetime(2025, 1, 1, tzinfo=PKT)
END = dt.datetime(2025, 2, 1, tzinfo=PKT)


def _day(day: int, month: int = 1) -> dt.datetime:
    return dt.datetime(2025, month, day, 10, tzinfo=PKT)


@pytest.fixture
def log(
    memory_store: MemoryLedgerStore, oversight_key: PrivateKey, make_record: MakeRecord
) -> Ledger:
    """Five accesses in January (two denied), one in February, one on another system."""
    ledger = Ledger(
        memory_store,
        policy=POLICY,
        oversight_public_key=bytes(oversight_key.public_key),
        pseudonym_key=PSEUDONYM_KEY,
    )
    ledger.append_many(
        [
            make_record(time=_day(2)),
            make_record(time=_day(3)),
            make_record(time=_day(4), legal_authority=None),  # authority_missing
            make_record(time=_day(5), action="face_search"),  # authority_type
            make_record(time=_day(6), system="psca-lahore-cameras"),  # unknown_system
            make_record(time=_day(2, month=2)),  # outside the period
        ]
    )
    return ledger


def test_public_counts_by_decision_and_rule(log: Ledger) -> None:
    stats = ledger_statistics(log.store, start=START, end=END)
    assert (stats.accesses, stats.allowed, stats.denied) == (5, 2, 3)
    assert stats.denied_by_rule == {
        "authority_missing": 1,
        "authority_type": 1,
        "unknown_system": 1,
    }
    assert not stats.bodies_opened and stats.by_action == {} and stats.kind == "ledger"
    assert "stored time column" in stats.time_source


def test_opened_bodies_count_by_action_system_and_authority(
    log: Ledger, oversight_key: PrivateKey
) -> None:
    stats = ledger_statistics(log.store, start=START, end=END, private_key=bytes(oversight_key))
    assert stats.by_action == {"face_search": 1, "plate_search": 4}
    assert stats.by_system == {"psca-lahore-anpr": 4, "psca-lahore-cameras": 1}
    assert stats.by_authority == {"fir": 4, "none": 1}
    assert stats.body_mismatches == stats.not_opened == stats.time_mismatches == 0


def test_statistics_hold_aggregates_only(log: Ledger, oversight_key: PrivateKey) -> None:
    stats = ledger_statistics(log.store, start=START, end=END, private_key=bytes(oversight_key))
    text = json.dumps(stats.to_dict())
    record = log.read_record(0, oversight_key)
    for personal in (record.requester, record.target, "123/2025", "Civil Lines"):
        assert personal not in text


def test_stored_time_that_differs_from_the_record_is_counted(
    log: Ledger, memory_store: MemoryLedgerStore, oversight_key: PrivateKey
) -> None:
    row = memory_store.rows[5]  # February, moved into January by editing the stored time
    memory_store.rows[5] = dataclasses.replace(row, time=_day(9).isoformat())
    public = ledger_statistics(memory_store, start=START, end=END)
    opened = ledger_statistics(memory_store, start=START, end=END, private_key=oversight_key)
    assert public.accesses == 6
    assert (opened.accesses, opened.time_mismatches) == (5, 1)


def test_body_that_does_not_match_its_leaf_is_counted(
    log: Ledger, memory_store: MemoryLedgerStore, oversight_key: PrivateKey
) -> None:
    memory_store.rows[0] = dataclasses.replace(memory_store.rows[0], body=memory_store.rows[1].body)
    stats = ledger_statistics(memory_store, start=START, end=END, private_key=oversight_key)
    assert stats.body_mismatches == 1


def test_retention_after_a_sweep_is_compliant_within_the_grace(
    log: Ledger, oversight_key: PrivateKey
) -> None:
    periods = {"standard": dt.timedelta(days=27)}
    retention_sweep(log, now=END, periods=periods)
    stats = ledger_statistics(
        log.store,
        start=START,
        end=END,
        private_key=oversight_key,
        retention_periods=periods,
        retention_grace=dt.timedelta(days=3),
    )
    assert stats.retention is not None and stats.retention.compliant
    assert stats.retention.past_retention == stats.retention.tombstoned == 3
    assert stats.retention.tombstones == 3
    assert stats.retention.deleted_late == 0 and stats.retention.grace_days == 3
    assert stats.not_opened == 3  # their bodies are gone; counted by decision only
    assert stats.accesses == 5


def test_body_kept_past_retention_is_a_finding(log: Ledger) -> None:
    periods = {"standard": dt.timedelta(days=27)}
    stats = ledger_statistics(log.store, start=START, end=END, retention_periods=periods)
    assert stats.retention is not None and not stats.retention.compliant
    assert (stats.retention.bodies_kept, stats.retention.not_tombstoned) == (3, 3)


def test_retention_class_without_period_is_named(log: Ledger) -> None:
    stats = ledger_statistics(log.store, start=START, end=END, retention_periods={})
    assert stats.retention is not None and stats.retention.unknown_classes == ("standard",)


def test_signed_checkpoint_of_an_intact_log_is_consistent(log: Ledger) -> None:
    signer = NoteSigner.generate("example.org/ledger")
    note = publish_checkpoint(log.store, signer)
    log.append(_extra(log))
    stats = ledger_statistics(
        log.store, start=START, end=END, checkpoint=note, verifier=signer.verifier()
    )
    check = stats.checkpoint
    assert check is not None and check.consistent
    assert (check.size, check.entries_after, check.origin) == (6, 1, "example.org/ledger")


def _extra(log: Ledger) -> AccessRecord:
    record = AccessRecord.from_dict(
        {**_template(), "time": _day(20).isoformat(), "target": log.pseudonymise("X")}
    )
    return record


def _template() -> dict[str, object]:
    return {
        "requester": "INSP-1",
        "role": "investigating_officer",
        "system": "psca-lahore-anpr",
        "action": "plate_search",
        "legal_authority": {
            "kind": "fir",
            "number": "1/2025",
            "police_station": "Model Town",
            "district": "Lahore",
        },
        "purpose": "investigation",
        "approver": None,
        "outcome": "no_match",
        "retention_class": "standard",
    }


def test_modified_entry_fails_the_checkpoint_and_is_named(
    log: Ledger, memory_store: MemoryLedgerStore
) -> None:
    head = (log.size(), log.root())
    row = memory_store.rows[2]
    memory_store.rows[2] = dataclasses.replace(
        row, leaf_data=row.leaf_data.replace(b"denied authority_missing", b"allowed")
    )
    stats = ledger_statistics(memory_store, start=START, end=END, checkpoint=head)
    assert stats.checkpoint is not None and not stats.checkpoint.consistent
    assert stats.checkpoint.first_bad_index == 2


def test_checkpoint_signed_by_another_key_is_not_consistent(log: Ledger) -> None:
    note = publish_checkpoint(log.store, NoteSigner.generate("example.org/ledger"))
    other = NoteSigner.generate("example.org/ledger").verifier()
    stats = ledger_statistics(log.store, start=START, end=END, checkpoint=note, verifier=other)
    check = stats.checkpoint
    assert check is not None and not check.consistent and check.size is None
    assert check.findings[0].kind == "forged_checkpoint"


def test_signed_checkpoint_without_verifier_is_refused(log: Ledger) -> None:
    note = publish_checkpoint(log.store, NoteSigner.generate("example.org/ledger"))
    with pytest.raises(InputError, match="verifier"):
        ledger_statistics(log.store, start=START, end=END, checkpoint=note)


@pytest.mark.parametrize(
    ("start", "end"), [(END, START), (START.replace(tzinfo=None), END)], ids=["reversed", "naive"]
)
def test_bad_period_is_refused(log: Ledger, start: dt.datetime, end: dt.datetime) -> None:
    with pytest.raises(InputError):
        ledger_statistics(log.store, start=start, end=end)


def test_late_deletion_counts_by_the_tombstones_deletion_time(log: Ledger) -> None:
    periods = {"standard": dt.timedelta(days=27)}
    # Accesses of 2, 3 and 4 January 10:00 fall due on 29, 30 and 31 January 10:00;
    # the sweep runs on 1 February 00:00, so each body goes 2.58, 1.58 and 0.58 days late.
    retention_sweep(log, now=END, periods=periods)
    stats = ledger_statistics(log.store, start=START, end=END, retention_periods=periods)
    retention = stats.retention
    assert retention is not None and not retention.compliant
    assert (retention.bodies_kept, retention.not_tombstoned, retention.deleted_late) == (0, 0, 3)
    assert retention.max_delay_days == pytest.approx(2 + 14 / 24)
    assert retention.mean_delay_days == pytest.approx(1 + 14 / 24)
    assert retention.deletion_time_unknown == 0
    assert retention.to_dict()["deleted_late"] == 3
    # A sweep a month later shows the longer delay, not the time of the report.
    later = ledger_statistics(
        log.store,
        start=START,
        end=END + dt.timedelta(days=60),
        retention_periods=periods,
        retention_grace=dt.timedelta(days=1),
    )
    assert later.retention is not None and later.retention.deleted_late == 2
