"""``mohtasib audit`` and ``mohtasib demo``."""

from __future__ import annotations

from pathlib import Path

import click

from mohtasib.audit import AuditRun, run_audit, run_demo
from mohtasib.cli._options import CONTEXT_SETTINGS, engine_option

__all__ = ["audit_command", "demo_command"]


def _print_run(run: AuditRun) -> None:
    click.echo(f"report (HTML): {run.html_path}")
    click.echo(f"report (JSON): {run.json_path}")
    click.echo(f"report.json SHA-256: {run.report_sha256}")


@click.command("audit", context_settings=CONTEXT_SETTINGS)
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mohtasib-report"),
    show_default=True,
    help="Folder to write report.html and report.json into.",
)
@engine_option
def audit_command(config: Path, out_dir: Path, engine: str | None) -> None:
    """Audit one deployment from an audit configuration (YAML).

    Runs every section the configuration names and writes report.html (one
    self-contained file) and report.json (the same results, machine-readable).
    """
    _print_run(run_audit(config, out_dir=out_dir, engine=engine))


@click.command("demo", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-report"),
    show_default=True,
    help="Folder to write report.html and report.json into.",
)
@engine_option
def demo_command(out_dir: Path, engine: str | None) -> None:
    """Run the bundled demo audit on real public data (COMPAS, NYPD stops)."""
    _print_run(run_demo(out_dir=out_dir, engine=engine))
    click.echo("Open the HTML file in a browser; it needs no network.")
