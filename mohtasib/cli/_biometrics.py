"""``mohtasib biometrics audit``: face-recognition error rates by group."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mohtasib import biometrics as lib
from mohtasib.cli._options import CONTEXT_SETTINGS
from mohtasib.errors import ConfigError

__all__ = ["biometrics"]


@click.group(context_settings=CONTEXT_SETTINGS)
def biometrics() -> None:
    """Face-recognition audits: who is wrongly matched or missed, thresholds, safeguards."""


@biometrics.command("audit")
@click.option(
    "--comparisons",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Comparisons table (CSV/Parquet: probe_id, reference_id, probe_subject, "
    "reference_subject, score).",
)
@click.option("--matrix", is_flag=True, help="COMPARISONS is a square score matrix (NIST BSSR1).")
@click.option("--sentinel", type=float, default=None, help="Matrix cell value meaning no score.")
@click.option(
    "--subjects",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Subjects table: subject_id and the attributes.",
)
@click.option(
    "--samples",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Failure-to-acquire flags: sample_id, subject_id, fta.",
)
@click.option("--group-by", required=True, help="Comma-separated attributes, e.g. sex,age_band.")
@click.option("--threshold", type=float, required=True, help="Operating threshold.")
@click.option(
    "--higher-is-similar/--lower-is-similar",
    default=True,
    show_default=True,
    help="Similarity scores (match if >= threshold) or distances (<=).",
)
@click.option("--symmetric", is_flag=True, help="Rows are unordered pairs of samples.")
@click.option("--fmr-target", type=float, default=None, help="Advise a threshold for this FMR.")
@click.option(
    "--policy",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Safeguards policy (YAML).",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=int,
    default=1000,
    show_default=True,
    help="Subject-level bootstrap replicates (0: none).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Interval level.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json"]),
    default="json",
    show_default=True,
    help="json: the result's stable JSON layout.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def audit_command(
    comparisons: Path,
    matrix: bool,
    sentinel: float | None,
    subjects: Path,
    samples: Path | None,
    group_by: str,
    threshold: float,
    higher_is_similar: bool,
    symmetric: bool,
    fmr_target: float | None,
    policy: Path | None,
    n_bootstrap: int,
    seed: int,
    confidence: float,
    fmt: str,
    out: Path | None,
) -> None:
    """FMR, FNMR, FTA and EER per group, cross-group FMR, summaries and threshold advice."""
    attributes = [a.strip() for a in group_by.split(",") if a.strip()]
    if not attributes:
        raise ConfigError(f"got {group_by!r} for --group-by; want ATTR[,ATTR...]")
    source: Path | lib.Comparisons = comparisons
    if matrix:
        source = lib.read_score_matrix(
            comparisons, higher_is_similar=higher_is_similar, sentinel=sentinel
        )
    result = lib.audit_comparisons(
        source,
        subjects,
        group_by=attributes,
        threshold=threshold,
        higher_is_similar=higher_is_similar,
        symmetric=symmetric,
        fmr_target=fmr_target,
        samples=samples,
        policy=policy,
        n_bootstrap=n_bootstrap,
        random_state=seed,
        confidence=confidence,
    )
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
