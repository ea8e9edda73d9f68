"""1:N identification from the CLI on a candidate-list set whose answer is known by hand.

SYNTHETIC: eight subjects (s1-s4 F, s5-s8 M), eight searches.

=====  =======  =====  ==========================================
probe  subject  mated  candidates (rank: subject score)
=====  =======  =====  ==========================================
p1     s1       yes    1: s1 0.90
p2     s2       yes    1: s3 0.80, 2: s2 0.70
p3     s5       yes    1: s5 0.40
p4     s6       yes    1: s6 0.95
p5     s3       no     1: s4 0.60
p6     s4       no     1: s1 0.30
p7     s7       no     1: s8 0.55
p8     s8       no     1: s5 0.20, 2: s6 0.10
=====  =======  =====  ==========================================

At threshold 0.5, rank 1: F misses p2 (FNIR 1/2) and false-alarms on p5
(FPIR 1/2); M misses p3 (1/2) and false-alarms on p7 (1/2). At rank 2, p2's
mate is found: F FNIR 0/2. At threshold 0.85, rank 2: FNIR 1/2 in both
groups (p2 and p3 missed), FPIR 0 in both.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from mohtasib.biometrics import audit_identification
from mohtasib.cli._biometrics import biometrics
from mohtasib.errors import InputError

CANDIDATES = [
    ("p1", 1, "s1", 0.90),
    ("p2", 1, "s3", 0.80),
    ("p2", 2, "s2", 0.70),
    ("p3", 1, "s5", 0.40),
    ("p4", 1, "s6", 0.95),
    ("p5", 1, "s4", 0.60),
    ("p6", 1, "s1", 0.30),
    ("p7", 1, "s8", 0.55),
    ("p8", 1, "s5", 0.20),
    ("p8", 2, "s6", 0.10),
]
SEARCHES = [
    ("p1", "s1", 1),
    ("p2", "s2", 1),
    ("p3", "s5", 1),
    ("p4", "s6", 1),
    ("p5", "s3", 0),
    ("p6", "s4", 0),
    ("p7", "s7", 0),
    ("p8", "s8", 0),
]


def _write(tmp_path, *, distances: bool = False):
    cand = pd.DataFrame(CANDIDATES, columns=["probe_id", "rank", "reference_subject", "score"])
    if distances:
        cand["score"] = 1 - cand["score"]
    cand.to_csv(tmp_path / "cand.csv", index=False)
    pd.DataFrame(SEARCHES, columns=["probe_id", "probe_subject", "mated"]).to_csv(
        tmp_path / "searches.csv", index=False
    )
    pd.DataFrame(
        {"subject_id": [f"s{i}" for i in range(1, 9)], "sex": ["F"] * 4 + ["M"] * 4}
    ).to_csv(tmp_path / "subjects.csv", index=False)


def _run(tmp_path, *extra: str) -> dict:
    args = [
        "identify",
        "--candidates",
        str(tmp_path / "cand.csv"),
        "--mated",
        str(tmp_path / "searches.csv"),
        "--subjects",
        str(tmp_path / "subjects.csv"),
        "--group-by",
        "sex",
        *extra,
    ]
    result = CliRunner().invoke(biometrics, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _rates(data: dict) -> dict[str, tuple]:
    return {
        g["group"]: (g["fnir"], g["fpir"], g["n_mated"], g["n_nonmated"]) for g in data["groups"]
    }


@pytest.mark.parametrize(
    ("threshold", "rank", "want"),
    [
        ("0.5", "1", {"F": (0.5, 0.5, 2, 2), "M": (0.5, 0.5, 2, 2)}),
        ("0.5", "2", {"F": (0.0, 0.5, 2, 2), "M": (0.5, 0.5, 2, 2)}),
        ("0.85", "2", {"F": (0.5, 0.0, 2, 2), "M": (0.5, 0.0, 2, 2)}),
    ],
)
def test_identify_matches_the_hand_count(tmp_path, threshold, rank, want):
    _write(tmp_path)
    data = _run(tmp_path, "--threshold", threshold, "--rank", rank)
    assert _rates(data) == want
    assert data["kind"] == "identification"
    assert data["threshold"] == float(threshold)
    assert data["rank"] == int(rank)
    for g in data["groups"]:
        lo, hi = g["fnir_ci"]
        assert lo <= g["fnir"] <= hi


def test_identify_distances_give_the_same_answer(tmp_path):
    _write(tmp_path, distances=True)
    data = _run(tmp_path, "--threshold", "0.5", "--rank", "2", "--lower-is-similar")
    assert _rates(data) == {"F": (0.0, 0.5, 2, 2), "M": (0.5, 0.5, 2, 2)}
    assert data["parameters"]["match_rule"] == "score <= threshold"


def test_identify_summary_and_inputs(tmp_path):
    _write(tmp_path)
    data = _run(tmp_path, "--threshold", "0.5", "--rank", "2")
    assert data["summary"]["fnir_max_min_ratio"] is None  # best group has no misses: unbounded
    assert data["summary"]["fpir_max_min_ratio"] == 1.0
    assert [i["role"] for i in data["inputs"]] == ["candidates", "searches", "subjects"]


def test_identify_mated_text_flags_and_bad_flag(tmp_path):
    _write(tmp_path)
    searches = pd.read_csv(tmp_path / "searches.csv")
    searches["mated"] = searches["mated"].map({1: "true", 0: "false"})
    result = audit_identification(
        tmp_path / "cand.csv", searches, tmp_path / "subjects.csv", group_by=["sex"], threshold=0.5
    )
    assert [(g.n_mated, g.n_nonmated) for g in result.groups] == [(2, 2), (2, 2)]
    searches.loc[3, "mated"] = "maybe"
    with pytest.raises(InputError, match="want 0/1"):
        audit_identification(
            tmp_path / "cand.csv",
            searches,
            tmp_path / "subjects.csv",
            group_by=["sex"],
            threshold=0.5,
        )


def test_identify_rank_must_be_positive(tmp_path):
    _write(tmp_path)
    result = CliRunner().invoke(
        biometrics,
        [
            "identify",
            "--candidates",
            str(tmp_path / "cand.csv"),
            "--mated",
            str(tmp_path / "searches.csv"),
            "--subjects",
            str(tmp_path / "subjects.csv"),
            "--group-by",
            "sex",
            "--threshold",
            "0.5",
            "--rank",
            "0",
        ],
    )
    assert result.exit_code != 0


def test_identify_html_is_one_self_contained_section(tmp_path):
    _write(tmp_path)
    out = tmp_path / "search.html"
    args = [
        "identify",
        "--candidates", str(tmp_path / "cand.csv"),
        "--mated", str(tmp_path / "searches.csv"),
        "--subjects", str(tmp_path / "subjects.csv"),
        "--group-by", "sex", "--threshold", "0.5", "--format", "html", "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(biometrics, args)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Face-recognition search audit" in html and 'id="biometrics-identification"' in html
    assert 'src="http' not in html and 'href="http' not in html
    # hand count at threshold 0.5, rank 1: one false positive of two non-mated searches per group
    assert html.count('<td class="nowrap">1 / 2</td>') == 4
    assert "FPIR ranged from 0.5 for F (1 of 2 non-mated searches" in html
    assert "worst group&#39;s FPIR is 1 times the best group&#39;s" in html


def test_identification_findings_say_when_a_ratio_is_not_estimable():
    from mohtasib.biometrics import IdentificationAudit, IdentificationRates
    from mohtasib.report._biometrics_identify import identification_findings

    groups = (
        IdentificationRates("F", 10, 40, 0.2, (0.02, 0.56), 0.0, (0.0, 0.09)),
        IdentificationRates("M", 10, 40, 0.4, (0.12, 0.74), 0.05, (0.006, 0.17)),
        IdentificationRates("X", 0, 0, None, None, None, None),
    )
    audit = IdentificationAudit(0.5, 1, True, ("sex",), groups)
    text = identification_findings(audit)
    assert "100 searches in 3 groups" in text[0]
    assert "best group had no errors" in text[1]  # FPIR 0 for F
    assert "FNIR is 2 times the best group" in text[2]
    assert "Fewer than 30 false positives" in text[3] and "F, M" in text[3]
