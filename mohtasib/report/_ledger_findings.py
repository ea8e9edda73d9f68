"""Plain-language findings from ledger statistics for an audit period.

Same wording rules as the other findings (docs/explanation/talking-about-results.md):
say what the ledger recorded, over which period, read from where, and what the
counts cannot show. A decision is reported as the ledger "recorded" it under the
policy file's rules; no sentence calls an access, a system or the log lawful.
"""

from __future__ import annotations

from mohtasib.ledger import LedgerStatistics

__all__ = ["ledger_findings"]


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _decisions(result: LedgerStatistics) -> list[str]:
    out = [
        f"Between {result.start} and {result.end}, "
        f"{_count(result.accesses, 'access was', 'accesses were')} recorded in the ledger "
        f"(period selected by {result.time_source}): {result.allowed:,} recorded as allowed "
        f"by the access policy and {result.denied:,} as denied."
    ]
    for rule, n in result.denied_by_rule.items():
        out.append(
            f"{_count(n, 'access', 'accesses')} in the period "
            f"{'was' if n == 1 else 'were'} recorded as denied under rule {rule}."
        )
    return out


def _bodies(result: LedgerStatistics) -> list[str]:
    if not result.bodies_opened:
        return [
            "The record bodies were not opened (no oversight private key was given), so the "
            "accesses are not broken down by action, system or legal authority."
        ]
    out = []
    if result.not_opened:
        out.append(
            f"{_count(result.not_opened, 'access', 'accesses')} in the period had no body to "
            "open (deleted at the end of its retention period) and are counted by decision only."
        )
    if result.body_mismatches:
        out.append(
            f"{_count(result.body_mismatches, 'stored body', 'stored bodies')} did not open with "
            "the oversight key or did not match the commitment in its leaf: what is stored is "
            "not what was appended."
        )
    if result.time_mismatches:
        out.append(
            f"{_count(result.time_mismatches, 'entry has', 'entries have')} a stored time that "
            "differs from the time inside the record; the record's time was used."
        )
    return out


def _retention(result: LedgerStatistics) -> list[str]:
    retention = result.retention
    if retention is None:
        return ["No retention periods were given, so retention was not checked."]
    if retention.compliant:
        out = [
            f"As of {retention.as_of}, "
            f"{_count(retention.past_retention, 'access was', 'accesses were')} past the "
            "retention period of its class; each is tombstoned and its body deleted"
            + (
                f" within {retention.grace_days:g} days of the period's end."
                if retention.grace_days
                else " by the end of its period."
            )
        ]
    else:
        out = [
            f"As of {retention.as_of}, {retention.past_retention:,} accesses were past the "
            f"retention period of their class: {retention.bodies_kept:,} of their bodies are "
            f"still stored, {retention.not_tombstoned:,} have no tombstone in the log, and "
            f"{retention.deleted_late:,} were deleted more than {retention.grace_days:g} days "
            "after their period ended (by the deletion time each tombstone commits to)."
        ]
    if retention.max_delay_days is not None and retention.mean_delay_days is not None:
        out.append(
            f"Deletion came on average {retention.mean_delay_days:.2f} days and at most "
            f"{retention.max_delay_days:.2f} days after the end of the retention period."
        )
    if retention.deletion_time_unknown:
        out.append(
            f"{_count(retention.deletion_time_unknown, 'tombstone predates', 'tombstones predate')}"
            " deletion times in tombstones; its delay is unknown."
        )
    if retention.unknown_classes:
        out.append(
            "No retention period was given for the classes "
            f"{', '.join(retention.unknown_classes)}; their entries were not judged."
        )
    return out


def _checkpoint(result: LedgerStatistics) -> str:
    check = result.checkpoint
    if check is None:
        return (
            "No checkpoint was given, so these counts were not checked against a signed "
            "checkpoint: they describe the log as the server stores it."
        )
    if check.consistent:
        return (
            f"The log recomputed from its stored entries has the root of the checkpoint of "
            f"size {check.size:,} signed by {check.origin or 'the log'}; "
            f"{_count(check.entries_after, 'entry was', 'entries were')} appended after it and "
            "are not covered by it."
        )
    first = check.findings[0] if check.findings else None
    where = (
        "" if check.first_bad_index is None else f" First entry concerned: {check.first_bad_index}."
    )
    detail = f" {first.kind}: {first.message}." if first else ""
    return (
        f"The log does not match the checkpoint it was checked against "
        f"({_count(len(check.findings), 'finding', 'findings')}).{detail}{where} "
        "The counts above are of the log as stored, which differs from what was checkpointed."
    )


def ledger_findings(result: LedgerStatistics) -> list[str]:
    """Sentences on what the ledger recorded in the period, ending with what it cannot show."""
    out = [*_decisions(result), *_bodies(result)]
    if result.malformed_leaves:
        out.append(
            f"{_count(result.malformed_leaves, 'leaf is', 'leaves are')} of neither access nor "
            "tombstone form and could not be counted."
        )
    out += [*_retention(result), _checkpoint(result)]
    out.append(
        "These counts are what the ledger recorded. An access recorded as allowed met the rules "
        "written in the policy file at the time of the append; that is not a finding on the law. "
        "Accesses that were never submitted to the ledger cannot appear here."
    )
    return out
