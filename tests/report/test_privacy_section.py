"""The privacy section: counts, anonymity and DP figures in careful words; never a raw value."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mohtasib.privacy import (
    PrivacyBudget,
    PrivacySection,
    check_anonymity,
    keys_from_product,
    read_corpus,
    release_counts,
    scan_corpus,
)
from mohtasib.report import AuditReport, ReportSection, findings, render_html, render_json

# Planted values: invented, in the formats the recognizers know.
PLANTED = {
    "CNIC": "35202-7654321-3",
    "PHONE_NUMBER": "0321-7654321",
    "EMAIL_ADDRESS": "zahid.awan77@gmail.com",
    "IBAN": "PK36SCBL0000001123456702",
}
# Quasi-identifier values of a failing equivalence class: counted, never listed.
RARE_DISTRICT = "Qilla-Saifullah-Zz"


@pytest.fixture(scope="module")
def section(tmp_path_factory) -> PrivacySection:
    tmp = tmp_path_factory.mktemp("privacy")
    notes = tmp / "notes.csv"
    texts = [
        f"Complainant CNIC {PLANTED['CNIC']}, Cell No. {PLANTED['PHONE_NUMBER']}.",
        f"Reply to {PLANTED['EMAIL_ADDRESS']}. Funds moved to {PLANTED['IBAN']}.",
        "Daily diary: patrol at 21:30 hrs; PPC 302.",
    ]
    pd.DataFrame({"text": texts}).to_csv(notes, index=False)
    table = pd.DataFrame(
        {
            "district": ["Lahore"] * 6 + [RARE_DISTRICT],
            "month": ["2024-01"] * 3 + ["2024-02"] * 3 + ["2024-01"],
            "offence": ["theft", "robbery", "theft", "theft", "robbery", "theft", "murder"],
        }
    )
    release = release_counts(
        table,
        by=["district", "month"],
        epsilon=1.0,
        budget=PrivacyBudget(2.0),
        keys=keys_from_product({"district": ["Lahore", "Multan"], "month": ["2024-01"]}),
    )
    return PrivacySection(
        scan=scan_corpus(read_corpus(notes, column="text")),
        anonymity=check_anonymity(
            table, quasi_identifiers=["district", "month"], sensitive="offence", k=3, source="t"
        ),
        release=release,
        budget_mode="per_run",
        budget_file="out/privacy-budget.json",
        inputs=({"source": str(notes), "role": "pii_scan", "sha256": None},),
        parameters={"anonymity": {"k": 3}},
    )


@pytest.fixture(scope="module")
def outputs(section) -> tuple[str, str]:
    report = AuditReport(
        "t", "2025-01-01T00:00:00+00:00",
        (ReportSection("privacy", "Privacy", section, "SYNTHETIC data for a test."),),
    )  # fmt: skip
    return render_html(report), render_json(report)


def test_counts_by_type_are_reported(section, outputs):
    html, text = outputs
    doc = json.loads(text)["sections"]["privacy"]["result"]
    for entity in PLANTED:
        assert doc["scan"]["totals"][entity] == 1, entity
    assert 'id="privacy-scan-totals"' in html
    assert 'id="privacy-release-counts"' in html


def test_no_planted_value_appears_in_html_or_json(outputs):
    html, text = outputs
    for entity, value in PLANTED.items():
        assert value not in html, entity
        assert value not in text, entity
        digits = "".join(c for c in value if c.isdigit())
        if len(digits) >= 10:  # the number written without its separators
            assert digits not in html.replace("-", "") and digits not in text.replace("-", "")


def test_failing_classes_are_counts_only(section, outputs):
    html, text = outputs
    assert section.anonymity is not None and section.anonymity.classes_below_k >= 1
    assert RARE_DISTRICT not in html and RARE_DISTRICT not in text
    assert "failing_classes" not in json.loads(text)["sections"]["privacy"]["result"]["anonymity"]


def test_custodian_warnings_stay_out(section, outputs):
    assert section.release is not None and section.release.custodian_warnings
    html, text = outputs
    assert "not for publication" not in html and "custodian_warnings" not in text


def test_findings_state_targets_budget_and_what_dp_protects(section):
    words = " ".join(findings(section))
    assert "target k = 3" in words
    assert "remaining ε = 1" in words
    assert "noise is less than" in words
    assert "protects this released table" in words and "source data" in words
    assert "created for this run" in words
    lowered = words.lower()
    for banned in ("anonymous", " safe", "compliant", "anonymised"):
        assert banned not in lowered, banned


def test_file_budget_is_named(section):
    import dataclasses

    kept = dataclasses.replace(section, budget_mode="file", budget_file="budget.json")
    assert any("budget file budget.json" in f for f in findings(kept))
    with pytest.raises(ValueError):
        dataclasses.replace(section, budget_mode="nope")
