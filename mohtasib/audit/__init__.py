"""The main job: an audit configuration in, a report (HTML + JSON) out.

A configuration is a YAML file::

    title: Risk-score audit, Broward County (COMPAS)
    deployment: {system: COMPAS, agency: ..., jurisdiction: ...}
    engine: duckdb            # or spark; MOHTASIB_ENGINE overrides when absent
    sections:
      fairness:               # mohtasib.fairness.audit
        data: compas.csv      # relative to the configuration file
        data_note: Real data ...
        label: two_year_recid
        score: decile_score
        threshold: 5
        attributes: [race, sex, age_cat]
      stops:                  # mohtasib.fairness.audit_stops
        data: stops.csv
        group: race
        searched: searched
        found: [weapon_found, contraband_found]
      biometrics:             # mohtasib.biometrics.audit_comparisons
        comparisons: comparisons.csv.gz
        subjects: subjects.csv
        group_by: [age_band, sex]
        threshold: 0.6
        higher_is_similar: false
      ledger:                 # mohtasib.ledger.period_statistics
        db: ledger.db         # or postgresql://...; keys, checkpoint, vkey...
        start: "2025-01-01T00:00:00+05:00"
        end: "2025-04-01T00:00:00+05:00"
      privacy:                # mohtasib.privacy: scan, anonymity, release (each optional)
        scan: {data: firs.csv, column: text}
        anonymity: {data: incidents.csv, quasi_identifiers: [district, date], k: 5}
        release: {data: incidents.csv, by: [district, month], month_from: date,
                  epsilon: 1.0, keys: keys.csv, budget: budget.json}

Every key is checked; an unknown or mistyped key is a ConfigError naming it.
The full list of keys is in ``docs/reference/audit-config.md``.
"""

from __future__ import annotations

from mohtasib.audit._config import (
    PRIVACY_BUDGET_FILE,
    PRIVACY_PART_KEYS,
    SECTION_KEYS,
    TOP_LEVEL_KEYS,
    load_config,
)
from mohtasib.audit._run import AuditRun, run_audit, run_demo

__all__ = [
    "PRIVACY_BUDGET_FILE",
    "PRIVACY_PART_KEYS",
    "SECTION_KEYS",
    "TOP_LEVEL_KEYS",
    "AuditRun",
    "load_config",
    "run_audit",
    "run_demo",
]
