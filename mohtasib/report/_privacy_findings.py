"""Plain-language findings from a privacy section: PII counts, anonymity, a DP release.

Same wording rules as the other findings (docs/explanation/talking-about-results.md):
say what was measured, on which data, against which target. No sentence calls a
table or a release anonymous, safe or compliant; counts are detections, not proof
of absence; differential privacy is said to protect the release, not the source.
Numbers are only selected and formatted here, never computed.
"""

from __future__ import annotations

from mohtasib.privacy import AnonymityReport, DpRelease, PiiScan, PrivacySection

__all__ = ["fmt_eps", "privacy_findings"]


def fmt_eps(value: float | None) -> str:
    """Format ε or δ: up to four significant digits (``1``, ``0.5``, ``1e-06``)."""
    return "—" if value is None else f"{value:.4g}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _scan(scan: PiiScan) -> list[str]:
    found = [f"{name} {n:,}" for name, n in scan.totals.items() if n]
    listed = "; ".join(found) if found else "none of the entity types"
    return [
        f"PII scan of {scan.source}: {_count(scan.documents, 'document', 'documents')} scanned, "
        f"{len(scan.by_document):,} with at least one detection. Detections by entity type: "
        f"{listed}. Only counts are reported; no detected value appears in this report.",
        "The counts are what mohtasib's recognizers detected: they miss some personal data and "
        "flag some look-alikes, so a document with no detection may still hold personal data.",
    ]


def _anonymity(report: AnonymityReport) -> list[str]:
    qis = ", ".join(report.quasi_identifiers)
    out = [
        f"Anonymity check of {report.source} with quasi-identifiers {qis}: "
        f"{report.n_records:,} records in {report.n_classes:,} equivalence classes. The smallest "
        f"class holds {_count(report.k_achieved, 'record', 'records')} (k achieved "
        f"{report.k_achieved:,}, target k = {report.k:,}); "
        + (
            f"{_count(report.classes_below_k, 'class', 'classes')} holding "
            f"{_count(report.records_below_k, 'record', 'records')} fall below the target."
            if report.classes_below_k
            else "no class falls below the target."
        )
    ]
    if report.sensitive is not None and report.l is not None and report.l_distinct is not None:
        below = report.classes_below_l or 0
        out.append(
            f"Sensitive column {report.sensitive}: the fewest distinct values in a class is "
            f"{report.l_distinct:,} (target l = {report.l:,}); "
            + (
                f"{_count(below, 'class', 'classes')} holding "
                f"{_count(report.records_below_l or 0, 'record', 'records')} have fewer."
                if below
                else "no class has fewer."
            )
        )
    if report.sensitive is not None and report.t is not None and report.t_achieved is not None:
        above = report.classes_above_t or 0
        out.append(
            f"The largest earth mover's distance between a class's {report.sensitive} values and "
            f"the whole table's is {report.t_achieved:.3f} (target t = {report.t:g}); "
            + (
                f"{_count(above, 'class', 'classes')} holding "
                f"{_count(report.records_above_t or 0, 'record', 'records')} exceed it."
                if above
                else "no class exceeds it."
            )
        )
    risk = report.risk
    out.append(
        f"Prosecutor re-identification risk (an attacker who knows the person is in the table "
        f"and knows their {qis}): highest {risk.prosecutor_highest:.3g}, average "
        f"{risk.prosecutor_average:.3g}; share of records above {risk.threshold:.3g}: "
        f"{risk.prosecutor_records_at_risk:.3g}."
    )
    out.append(
        "These measures hold only against an attacker who knows the quasi-identifiers named; "
        "one who knows other columns is not covered, and meeting a target does not make "
        "re-identification impossible. The failing classes are reported as counts only."
    )
    return out


def _release(release: DpRelease, mode: str | None, budget_file: str | None) -> list[str]:
    budget = release.budget
    by = ", ".join(release.by)
    guarantee = f"ε = {fmt_eps(release.epsilon)}" + (
        f", δ = {fmt_eps(release.delta)}" if release.delta else ""
    )
    out = [
        f"Differentially private counts by {by}: {release.cells:,} cells from a public key set, "
        f"{release.mechanism} mechanism at {guarantee}, assuming each person contributes at most "
        f"{_count(release.max_contributions, 'row', 'rows')}. With probability 0.95 each cell's "
        f"noise is less than {release.error_bound_95:,.4g} in absolute value (before negative "
        "counts are set to zero).",
        f"Privacy budget: total ε = {fmt_eps(budget.total_epsilon)}, spent ε = "
        f"{fmt_eps(budget.spent_epsilon)} over "
        f"{_count(len(budget.spent), 'release', 'releases')}, remaining ε = "
        f"{fmt_eps(budget.remaining_epsilon)}.",
    ]
    if mode == "per_run":
        out.append(
            f"This budget was created for this run and written to {budget_file}; it does not "
            "count releases of the same data by earlier runs or by anyone else, so it does not "
            "bound the total privacy loss on these data. A real release is charged to one budget "
            "file kept for the data set, which refuses a release beyond its total."
        )
    else:
        out.append(
            f"The release was charged to the budget file {budget_file}, which lists every "
            "release charged to it and refuses one beyond its total."
        )
    out.append(
        "Differential privacy protects this released table: it limits what the counts reveal "
        "about any one person's row, provided no one contributes more rows than assumed. It "
        "does nothing for the source data, which stay as identifying as before. Facts about the "
        "exact data that are not differentially private (cells outside the key set) are left "
        "out of this report."
    )
    return out


def privacy_findings(section: PrivacySection) -> list[str]:
    """Plain sentences on each part of the privacy section that ran."""
    out: list[str] = []
    if section.scan is not None:
        out.extend(_scan(section.scan))
    if section.anonymity is not None:
        out.extend(_anonymity(section.anonymity))
    if section.release is not None:
        out.extend(_release(section.release, section.budget_mode, section.budget_file))
    return out
