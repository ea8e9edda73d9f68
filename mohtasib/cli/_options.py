"""Options shared by several commands, and output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import click

from mohtasib.engine import ENGINES
from mohtasib.errors import ConfigError
from mohtasib.report import AuditReport, ReportSection, SectionResult, render_html

__all__ = [
    "CONTEXT_SETTINGS",
    "emit",
    "engine_option",
    "format_options",
    "json_options",
    "parse_pairs",
]

#: Settings every command group shares, so ``-h`` works however a command is reached
#: (click caches each command's help option from the first context that asks for it).
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}

F = TypeVar("F", bound=Callable[..., Any])


def engine_option(func: F) -> F:
    """``--engine duckdb|spark`` (default: MOHTASIB_ENGINE, else duckdb)."""
    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default=None,
        help="Tabular engine. Default: $MOHTASIB_ENGINE, else duckdb.",
    )(func)


def format_options(func: F) -> F:
    """``--format json|html`` and ``--out FILE``."""
    func = click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file instead of standard output.",
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["json", "html"]),
        default="json",
        show_default=True,
        help="json: the result's stable JSON layout; html: a self-contained report.",
    )(func)


def json_options(func: F) -> F:
    """``--format json`` and ``--out FILE``, for results that have no HTML view yet."""
    func = click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file instead of standard output.",
    )(func)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["json"]),
        default="json",
        show_default=True,
        help="json: the result's stable JSON layout (no HTML view for this result yet).",
    )(func)


def parse_pairs(values: tuple[str, ...], *, option: str) -> dict[str, str]:
    """Parse repeated ``NAME=VALUE`` options into a mapping."""
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"got {item!r} for {option}; want ATTRIBUTE=VALUE")
        out[name.strip()] = value.strip()
    return out


class Result(Protocol):
    """What :func:`emit` writes: a result with a ``kind`` and a JSON view."""

    @property
    def kind(self) -> str:
        """The result's kind; it picks the report template."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Return the result's stable JSON layout."""
        ...


def emit(result: Result, *, fmt: str, out: Path | None, title: str, data_note: str) -> None:
    """Write a result as JSON or as a one-section self-contained HTML report.

    Parameters
    ----------
    result
        Any result with ``kind`` and ``to_dict()``; HTML needs a report template
        for its ``kind`` (see :mod:`mohtasib.report`).
    fmt
        ``"json"`` or ``"html"``.
    out
        File to write; standard output when None.
    title, data_note
        The HTML report's title and the note on what the data are.
    """
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    else:
        import datetime as dt

        section = ReportSection(
            key=result.kind, title=title, result=cast(SectionResult, result), data_note=data_note
        )
        report = AuditReport(
            title=title,
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            sections=(section,),
        )
        text = render_html(report)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
