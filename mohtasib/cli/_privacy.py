"""``mohtasib privacy …``: find and redact personal data; anonymity checks; DP releases.

``scan`` and ``redact`` are below. ``kanon`` (anonymity checks) and ``release``
(differentially private counts) are added to the same ``privacy`` group in the
section marked for them at the end of this module.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from mohtasib import privacy as lib
from mohtasib.cli._options import CONTEXT_SETTINGS, engine_option, format_options
from mohtasib.errors import ConfigError

__all__ = ["privacy"]

#: Inputs with at least this many documents get a progress bar on standard error.
PROGRESS_MIN_DOCUMENTS = 200


@click.group(context_settings=CONTEXT_SETTINGS)
def privacy() -> None:
    """Personal data: find and redact it, check anonymity, release DP statistics."""


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    if total < PROGRESS_MIN_DOCUMENTS:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


# ---- scan and redact (detection and redaction) ------------------------------------------------


@privacy.command("scan")
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--column", default=None, help="Text column of a CSV or Parquet INPUT.")
@click.option(
    "--language",
    type=click.Choice(["auto", "en", "ur"]),
    default="auto",
    show_default=True,
    help="auto: Urdu cue words are used when a document has Arabic-script text.",
)
@format_options
def scan_command(
    source: Path, column: str | None, language: str, fmt: str, out: Path | None
) -> None:
    """Count personal data in INPUT by entity type and document (never the values).

    INPUT is a UTF-8 text file, a folder of text files, or a CSV/Parquet file with --column.
    """
    corpus = lib.read_corpus(source, column=column)
    with _progress(len(corpus.texts), "scanning") as progress:
        result = lib.scan_corpus(corpus, language=language, progress=progress)
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = _scan_html(result)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


def _scan_html(result: lib.PiiScan) -> str:
    # A stand-alone page until the report package renders PiiScan sections.
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in result.totals.items()
    )
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Personal data scan</title>'
        f"<h1>Personal data scan</h1><p>{result.documents} documents in "
        f"{html.escape(result.source)}; {len(result.by_document)} hold personal data. "
        "Counts only: values are never shown. Detection is by patterns and cue words; "
        "counts may miss data and include false matches (see the evaluation in the docs).</p>"
        f"<table><tr><th>Entity type</th><th>Spans</th></tr>{rows}</table></html>\n"
    )


@privacy.command("redact")
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--column", default=None, help="Text column of a CSV or Parquet INPUT.")
@click.option(
    "--operator",
    type=click.Choice(list(lib.OPERATORS)),
    required=True,
    help="tag: <CNIC>; mask: ***; pseudonym: keyed HMAC ($MOHTASIB_PSEUDONYM_KEY); "
    "encrypt: sealed to $MOHTASIB_OVERSIGHT_PUBLIC_KEY.",
)
@click.option(
    "--language",
    type=click.Choice(["auto", "en", "ur"]),
    default="auto",
    show_default=True,
    help="auto: Urdu cue words are used when a document has Arabic-script text.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (or a new folder when INPUT is a folder).",
)
def redact_command(
    source: Path, column: str | None, operator: str, language: str, out: Path
) -> None:
    """Write a copy of INPUT with personal data replaced.

    INPUT is a UTF-8 text file, a folder of text files, or a CSV/Parquet file with --column
    (only that column changes). The copy is written to a temporary file and renamed into
    place when complete.
    """
    corpus = lib.read_corpus(source, column=column)
    with _progress(len(corpus.texts), "redacting") as progress:
        lib.redact_corpus(corpus, out, operator=operator, language=language, progress=progress)
    click.echo(f"wrote {out} ({len(corpus.texts)} documents, operator {operator})", err=True)


# ---- kanon (anonymity checks) -----------------------------------------------------------------


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


@privacy.command("kanon")
@click.argument("data", metavar="DATA", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--qi", required=True, help="Quasi-identifier columns, comma-separated.")
@click.option("--sensitive", default=None, help="Sensitive column (for l-diversity, t-closeness).")
@click.option("--k", "k", type=int, default=5, show_default=True, help="Target k (k-anonymity).")
@click.option("--l", "l_", type=int, default=2, show_default=True, help="Target distinct l.")
@click.option("--t", "t", type=float, default=0.2, show_default=True, help="Target t (EMD).")
@click.option(
    "--population",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Population table with the --qi columns, for the journalist and marketer risks.",
)
@click.option(
    "--population-count",
    default=None,
    help="Column of --population holding counts (default: one row per person).",
)
@click.option(
    "--max-classes",
    type=int,
    default=100,
    show_default=True,
    help="How many failing equivalence classes to list (smallest first).",
)
@format_options
def kanon_command(
    data: Path,
    qi: str,
    sensitive: str | None,
    k: int,
    l_: int,
    t: float,
    population: Path | None,
    population_count: str | None,
    max_classes: int,
    fmt: str,
    out: Path | None,
) -> None:
    """k-anonymity, l-diversity, t-closeness and re-identification risk of DATA.

    DATA is a CSV or Parquet file with one row per incident (or person). Failing
    equivalence classes are listed as aggregates: quasi-identifier values and counts.
    """
    from mohtasib.io import read_table

    pop = read_table(population).frame if population is not None else None
    result = lib.check_anonymity(
        data,
        quasi_identifiers=_columns(qi),
        sensitive=sensitive,
        k=k,
        l=l_,
        t=t,
        population=pop,
        population_count=population_count,
        max_classes_listed=max_classes,
    )
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        text = _kanon_html(result)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


def _kanon_html(result: lib.AnonymityReport) -> str:
    # A stand-alone page until the report package renders AnonymityReport sections.
    d = result.to_dict()
    rows = "".join(
        f"<tr><td>{html.escape(str(name))}</td><td>{html.escape(json.dumps(value))}</td></tr>"
        for part in ("k_anonymity", "l_diversity", "t_closeness")
        for name, value in ((f"{part}.{key}", v) for key, v in d[part].items())
    )
    classes = "".join(
        f"<tr><td>{html.escape(json.dumps(c['values'], ensure_ascii=False))}</td>"
        f"<td>{c['size']}</td><td>{html.escape(', '.join(c['fails']))}</td></tr>"
        for c in d["failing_classes"]
    )
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Anonymity check</title>'
        f"<h1>Anonymity check</h1><p>{result.n_records} records in "
        f"{html.escape(str(result.source))}, {result.n_classes} equivalence classes over "
        f"{html.escape(', '.join(result.quasi_identifiers))}. Measured on the data as given; "
        "an attacker may know other quasi-identifiers.</p>"
        f"<table>{rows}</table><h2>Failing classes ({result.failing_classes_total})</h2>"
        f"<table><tr><th>Values</th><th>Size</th><th>Fails</th></tr>{classes}</table></html>\n"
    )


# ---- release (differentially private counts) --------------------------------------------------
# Added by the DP work: @privacy.command("release")


def _key_product(values: tuple[str, ...]) -> dict[str, list[str]]:
    """Parse ``COLUMN=V1,V2,...`` or ``COLUMN=@FILE`` (one value per line)."""
    out: dict[str, list[str]] = {}
    for item in values:
        name, sep, rest = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                f"got {item!r} for --keys-from-product; want COLUMN=V1,V2,... or COLUMN=@FILE"
            )
        if rest.startswith("@"):
            lines = Path(rest[1:]).read_text(encoding="utf-8").splitlines()
        else:
            lines = rest.split(",")
        out[name.strip()] = [v.strip() for v in lines if v.strip()]
    return out


@privacy.command("release")
@click.argument("data", metavar="DATA", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", required=True, help="Cell columns, comma-separated (district,month).")
@click.option("--epsilon", type=float, required=True, help="Epsilon of this release (> 0).")
@click.option("--delta", type=float, default=None, help="Delta (gaussian only), 0 < delta < 1.")
@click.option(
    "--mechanism",
    type=click.Choice(["laplace", "gaussian"]),
    default=None,
    help="Noise: laplace (pure epsilon-DP) or gaussian ((epsilon, delta)-DP). "
    "Default: gaussian when --delta is given, else laplace.",
)
@click.option(
    "--keys",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Public key set: a CSV with the --by columns, one row per cell to release.",
)
@click.option(
    "--keys-from-product",
    multiple=True,
    metavar="COLUMN=V1,V2|@FILE",
    help="Build the key set as the product of public value lists, one option per column.",
)
@click.option(
    "--max-contributions",
    type=int,
    default=1,
    show_default=True,
    help="The most rows one person contributes to DATA (scales the noise).",
)
@click.option("--month-from", default=None, help="Derive a 'month' column from this date column.")
@click.option(
    "--budget",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Privacy-budget ledger (JSON); the release is refused if it would exceed it.",
)
@click.option(
    "--budget-total",
    type=float,
    default=None,
    help="Create BUDGET with this total epsilon if it does not exist (else must match).",
)
@click.option(
    "--budget-total-delta",
    type=float,
    default=0.0,
    show_default=True,
    help="Total delta for a BUDGET created by --budget-total.",
)
@click.option("--description", default=None, help="Text recorded in the budget ledger.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Released table (CSV), written to a temporary file and renamed.",
)
@engine_option
def release_command(
    data: Path,
    by: str,
    epsilon: float,
    delta: float | None,
    mechanism: str | None,
    keys: Path | None,
    keys_from_product: tuple[str, ...],
    max_contributions: int,
    month_from: str | None,
    budget: Path,
    budget_total: float | None,
    budget_total_delta: float,
    description: str | None,
    out: Path,
    engine: str | None,
) -> None:
    """Release counts per cell of DATA with differential privacy (OpenDP).

    Writes the released table (count, noisy_count, error_bound_95 per cell) to --out and a
    JSON summary to standard output. Its custodian_warnings are exact figures about the
    data: for the data holder, not for publication.
    """
    if keys is not None and keys_from_product:
        raise ConfigError("give --keys or --keys-from-product, not both")
    if not out.resolve().parent.is_dir():
        raise ConfigError(f"the folder of --out {out} does not exist")
    key_set = lib.keys_from_product(_key_product(keys_from_product)) if keys_from_product else keys
    if budget_total is not None:
        lib.PrivacyBudget.open_or_create(
            budget, total_epsilon=budget_total, total_delta=budget_total_delta
        )
    result = lib.release_counts(
        data,
        by=[c.strip() for c in by.split(",") if c.strip()],
        epsilon=epsilon,
        delta=delta,
        keys=key_set,
        mechanism=mechanism or ("gaussian" if delta is not None else "laplace"),
        budget=budget,
        max_contributions=max_contributions,
        month_from=month_from,
        description=description,
        engine=engine,
    )
    result.write_csv(out)
    summary = {**result.to_dict(include_cells=False), "out": str(out)}
    click.echo(json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False))


# ---- geomask-cost (what donut masking costs a hotspot forecast) -------------------------------


def _masks(text: str) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        try:
            out.append((float(lo), float(hi)))
        except ValueError:
            raise ConfigError(
                f"got mask {part.strip()!r} in --masks; want MIN-MAX metres such as 50-250",
                key="masks",
            ) from None
        if not sep:
            raise ConfigError(f"got mask {part.strip()!r}; want MIN-MAX metres", key="masks")
    return out


def _day(text: str, tz: str | None) -> float:
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise ConfigError(
            f"got {text!r} for --test-start; want a date (YYYY-MM-DD)", key="test_start"
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC")
    return float(stamp.value) / 86_400e9


@privacy.command("geomask-cost")
@click.argument("points", metavar="POINTS", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--test-start", required=True, help="First day of the test period (YYYY-MM-DD).")
@click.option(
    "--masks",
    default="0-100,50-250,100-500",
    show_default=True,
    help="Donut masks, MIN-MAX displacement in metres, comma-separated.",
)
@click.option("--models", default="naive,kde", show_default=True, help="Forecasters: naive, kde.")
@click.option("--cell-size", type=float, default=150.0, show_default=True, help="Cell side (m).")
@click.option("--coverage", type=float, default=0.05, show_default=True, help="Area share flagged.")
@click.option("--test-days", type=float, default=182.0, show_default=True, help="Test period.")
@click.option("--horizon-days", type=float, default=7.0, show_default=True, help="Horizon.")
@click.option("--train-days", type=float, default=365.0, show_default=True, help="Training window.")
@click.option("--k", "k", type=int, default=5, show_default=True, help="Spatial k target.")
@click.option("--n-boot", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of masks and backtest.")
@click.option("--time-col", default="date", show_default=True, help="Timestamp column.")
@click.option("--lon-col", default="longitude", show_default=True, help="Longitude column.")
@click.option("--lat-col", default="latitude", show_default=True, help="Latitude column.")
@click.option("--tz", default=None, help="IANA zone of naive timestamps (America/Chicago).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table; json: the stable JSON layout.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def geomask_cost_command(
    points: Path,
    test_start: str,
    masks: str,
    models: str,
    cell_size: float,
    coverage: float,
    test_days: float,
    horizon_days: float,
    train_days: float,
    k: int,
    n_boot: int,
    seed: int,
    time_col: str,
    lon_col: str,
    lat_col: str,
    tz: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """What donut geomasking POINTS costs a hotspot forecast, and what it protects.

    Backtests each forecaster trained on the original points and on each donut-masked
    copy, scored against the true test events, and reports the change in hit rate and
    PAI at the coverage (95 % block-bootstrap intervals) next to the masked points'
    spatial k-anonymity.
    """
    from mohtasib.audit._geomask_cost import geomask_cost

    result = geomask_cost(
        points,
        test_start=_day(test_start, tz),
        masks=_masks(masks),
        models=_columns(models),
        time_col=time_col,
        lon_col=lon_col,
        lat_col=lat_col,
        tz=tz,
        cell_size=cell_size,
        coverage=coverage,
        test_days=test_days,
        horizon_days=horizon_days,
        train_days=train_days,
        k=k,
        n_boot=n_boot,
        random_state=seed,
    )
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        text = result.table() + "".join(f"warning: {w}\n" for w in result.warnings)
    if out is None:
        click.echo(text, nl=False)
        return
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)  # nothing half-written under the final name
    click.echo(f"wrote {out}", err=True)
