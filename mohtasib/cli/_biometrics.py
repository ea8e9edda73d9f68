"""``mohtasib biometrics audit|identify|embed``: face-recognition error rates by group."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mohtasib import biometrics as lib
from mohtasib.cli._options import CONTEXT_SETTINGS, emit, format_options
from mohtasib.errors import ConfigError

__all__ = ["biometrics"]

_NOTE = (
    "Data as supplied by the user ({source}); mohtasib did not verify its provenance. "
    "If it is generated (synthetic), say so wherever these results are shown."
)

_PATH = click.Path(dir_okay=False, path_type=Path)

#: Parquet comparison files at least this large are streamed unless --no-stream is given.
AUTO_STREAM_BYTES = 1 << 30


def _streamed(comparisons: Path, stream: bool | None, matrix: bool) -> bool:
    parquet = comparisons.name.lower().endswith((".parquet", ".pq"))
    if stream and (matrix or not parquet):
        raise ConfigError(f"got --stream for {comparisons}; want a long-layout Parquet file")
    if stream is None:
        return (
            parquet
            and not matrix
            and comparisons.is_file()
            and (comparisons.stat().st_size >= AUTO_STREAM_BYTES)
        )
    return stream


def _attributes(group_by: str) -> list[str]:
    attributes = [a.strip() for a in group_by.split(",") if a.strip()]
    if not attributes:
        raise ConfigError(f"got {group_by!r} for --group-by; want ATTR[,ATTR...]")
    return attributes


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
    "--stream/--no-stream",
    default=None,
    help="Read a Parquet COMPARISONS file in one streamed pass (default: when it is >= 1 GiB). "
    "Same rates, intervals and checks; DET curves, EERs and advice on a threshold grid.",
)
@format_options
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
    stream: bool | None,
    fmt: str,
    out: Path | None,
) -> None:
    """FMR, FNMR, FTA and EER per group, cross-group FMR, summaries and threshold advice."""
    attributes = _attributes(group_by)
    common = {
        "group_by": attributes,
        "threshold": threshold,
        "higher_is_similar": higher_is_similar,
        "symmetric": symmetric,
        "fmr_target": fmr_target,
        "samples": samples,
        "policy": policy,
        "n_bootstrap": n_bootstrap,
        "random_state": seed,
        "confidence": confidence,
    }
    if _streamed(comparisons, stream, matrix):
        result = lib.audit_stream(comparisons, subjects, **common)  # type: ignore[arg-type]
    else:
        source: Path | lib.Comparisons = comparisons
        if matrix:
            source = lib.read_score_matrix(
                comparisons, higher_is_similar=higher_is_similar, sentinel=sentinel
            )
        result = lib.audit_comparisons(source, subjects, **common)  # type: ignore[arg-type]
    emit(
        result,
        fmt=fmt,
        out=out,
        title="Face-recognition audit",
        data_note=_NOTE.format(source=comparisons),
    )


@biometrics.command("identify")
@click.option(
    "--candidates",
    type=_PATH,
    required=True,
    help="Candidate lists (CSV/Parquet: probe_id, rank, reference_subject, score).",
)
@click.option(
    "--mated",
    "searches",
    type=_PATH,
    required=True,
    help="One row per search (CSV/Parquet: probe_id, probe_subject, mated).",
)
@click.option(
    "--subjects", type=_PATH, required=True, help="Subjects table: subject_id and the attributes."
)
@click.option("--group-by", required=True, help="Comma-separated attributes, e.g. sex,age_band.")
@click.option("--threshold", type=float, required=True, help="Operating threshold.")
@click.option(
    "--rank",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Count candidates at rank <= RANK.",
)
@click.option(
    "--higher-is-similar/--lower-is-similar",
    default=True,
    show_default=True,
    help="Similarity scores (a candidate passes if >= threshold) or distances (<=).",
)
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Interval level.")
@format_options
def identify_command(
    candidates: Path,
    searches: Path,
    subjects: Path,
    group_by: str,
    threshold: float,
    rank: int,
    higher_is_similar: bool,
    confidence: float,
    fmt: str,
    out: Path | None,
) -> None:
    """FPIR and FNIR (1:N search) per group of the probe subject, at a threshold and rank."""
    result = lib.audit_identification(
        candidates,
        searches,
        subjects,
        group_by=_attributes(group_by),
        threshold=threshold,
        rank=rank,
        higher_is_similar=higher_is_similar,
        confidence=confidence,
    )
    emit(
        result,
        fmt=fmt,
        out=out,
        title="Face-recognition search audit",
        data_note=_NOTE.format(source=candidates),
    )


@biometrics.command("embed")
@click.argument(
    "images_dir", type=click.Path(file_okay=False, path_type=Path), metavar="IMAGES_DIR"
)
@click.option(
    "--samples",
    type=_PATH,
    required=True,
    help="Samples table (CSV/Parquet: sample_id, subject_id, file), file relative to IMAGES_DIR.",
)
@click.option(
    "--out",
    type=_PATH,
    required=True,
    help="Embeddings Parquet (also a --samples table of FTA flags for `biometrics audit`).",
)
@click.option(
    "--comparisons",
    type=_PATH,
    default=None,
    help="Also write every pair's L2 distance (CSV, .csv.gz or Parquet) in the comparisons "
    "contract; audit it with --lower-is-similar --symmetric.",
)
@click.option(
    "--multiple-faces",
    type=click.Choice(["fta", "largest"]),
    default="fta",
    show_default=True,
    help="An image with several faces: failure to acquire, or keep the largest face.",
)
def embed_command(
    images_dir: Path,
    samples: Path,
    out: Path,
    comparisons: Path | None,
    multiple_faces: str,
) -> None:
    """Face descriptors (dlib ResNet) and failure-to-acquire flags; extra `faces`.

    Prints a JSON summary (counts only: no image content is ever written).
    """
    result = lib.embed_images(images_dir, samples, multiple_faces=multiple_faces)
    result.write_parquet(out)
    n_pairs = None
    if comparisons is not None:
        frame = lib.embedding_comparisons(result)
        if comparisons.suffix == ".parquet":
            frame.to_parquet(comparisons, index=False)
        else:
            frame.to_csv(comparisons, index=False)
        n_pairs = len(frame)
    reasons = {r: result.fta_reason.count(r) for r in lib.FTA_REASONS}
    summary = {
        "samples": len(result.sample_id),
        "acquired": int(result.acquired.size),
        "failure_to_acquire": reasons,
        "comparisons": n_pairs,
        "model": result.model,
        "outputs": {
            "embeddings": str(out),
            "comparisons": None if comparisons is None else str(comparisons),
        },
    }
    click.echo(json.dumps(summary, indent=2))
