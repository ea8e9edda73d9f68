"""The top-level command group and the error edge.

A :class:`~mohtasib.errors.MohtasibError` becomes a one-paragraph message on
standard error and the error's exit code; never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from mohtasib import __version__
from mohtasib.cli._options import CONTEXT_SETTINGS
from mohtasib.errors import MohtasibError

__all__ = ["cli", "main"]


class _Group(click.Group):
    """A click group that turns mohtasib errors into messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MohtasibError as exc:
            click.echo(f"mohtasib: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="mohtasib")
def cli() -> None:
    """mohtasib: independent oversight of AI used by police.

    Audits whether a police AI system delivers the benefit claimed for it, who
    bears its errors and its attention, and what personal data it exposes.
    """


def _register() -> None:
    from mohtasib.cli._audit import audit_command, demo_command
    from mohtasib.cli._biometrics import biometrics
    from mohtasib.cli._fairness import fairness
    from mohtasib.cli._feedback import feedback
    from mohtasib.cli._forecast import forecast
    from mohtasib.cli._ledger import ledger
    from mohtasib.cli._privacy import privacy
    from mohtasib.cli._register import register
    from mohtasib.cli._serve import serve_command

    cli.add_command(audit_command)
    cli.add_command(demo_command)
    cli.add_command(fairness)
    cli.add_command(ledger)
    cli.add_command(serve_command)
    cli.add_command(biometrics)
    cli.add_command(privacy)
    cli.add_command(forecast)
    cli.add_command(feedback)
    cli.add_command(register)


_register()


def main() -> None:
    """Entry point of the ``mohtasib`` console script."""
    sys.exit(cli.main(prog_name="mohtasib", standalone_mode=True))
