"""``mohtasib register``: validate, show, export and assess system cards.

The static site is built here with :func:`html.escape` from the standard
library: no template engine, no external URL, so a city can publish the folder
as it is.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import click

from mohtasib import register as lib
from mohtasib.cli._options import CONTEXT_SETTINGS
from mohtasib.errors import InputError

__all__ = ["register"]

_CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
    "[dir=rtl]{font-family:'Noto Nastaliq Urdu',serif;text-align:right}"
    ".note{background:#fff3cd;padding:.5em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}"
)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))


@click.group(context_settings=CONTEXT_SETTINGS)
def register() -> None:
    """Transparency register: system cards and the impact assessment."""


@register.command("validate")
@click.argument("card", type=click.Path(dir_okay=False, path_type=Path))
def validate_command(card: Path) -> None:
    """Check CARD.yaml against the system-card schema; list every error with its path."""
    errors = lib.validate_card(card)
    for error in errors:
        click.echo(f"{card}: {error}", err=True)
    if errors:
        raise InputError(f"{len(errors)} schema error(s)", source=str(card))
    click.echo(f"{card}: valid (system-card {lib.SCHEMA_VERSION})")


@register.command("show")
@click.argument("card", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public", is_flag=True, help="Show only the public fields.")
def show_command(card: Path, public: bool) -> None:
    """Print CARD.yaml as JSON (all fields, or only the public ones)."""
    loaded = lib.load_card(card)
    _dump(lib.public_view(loaded) if public else loaded.to_dict())


@register.command("assess")
@click.argument("answers", type=click.Path(dir_okay=False, path_type=Path))
def assess_command(answers: Path) -> None:
    """Score ANSWERS.yaml with the impact-assessment questionnaire; print JSON."""
    _dump(lib.assess(answers).to_dict())


@register.command("export")
@click.argument("cards", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public", is_flag=True, help="Export the public view (required).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the JSON files and the static HTML site to.",
)
def export_command(cards: tuple[Path, ...], public: bool, out: Path) -> None:
    """Write the public view of CARD.yaml... as JSON and a static HTML site in --out.

    Every card is validated first: nothing is written when one is invalid.
    """
    if not public:
        raise click.UsageError("export writes public views only: pass --public")
    views = [lib.public_view(lib.load_card(c)) for c in cards]
    out.mkdir(parents=True, exist_ok=True)
    for view in views:
        sid = view["record"]["id"]
        text = json.dumps(view, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (out / f"{sid}.json").write_text(text, encoding="utf-8")
        (out / f"{sid}.html").write_text(_card_page(view), encoding="utf-8")
    (out / "index.html").write_text(_index_page(views), encoding="utf-8")
    click.echo(f"wrote {len(views)} card(s) and index.html to {out}", err=True)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def _bilingual(field: dict[str, str] | None, tag: str = "p") -> str:
    field = field or {}
    en = html.escape(field.get("en", ""))
    ur = html.escape(field.get("ur", ""))
    return f'<{tag} lang="en">{en}</{tag}>\n<{tag} lang="ur" dir="rtl">{ur}</{tag}>'


def _rows(data: Any, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        return [row for k, v in data.items() for row in _rows(v, f"{prefix}{k}.")]
    if isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        return [row for i, v in enumerate(data) for row in _rows(v, f"{prefix}{i}.")]
    value = ", ".join(map(str, data)) if isinstance(data, list) else str(data)
    return [f"<tr><th>{html.escape(prefix[:-1])}</th><td>{html.escape(value)}</td></tr>"]


def _card_page(view: dict[str, Any]) -> str:
    summary = view["public_summary"]
    name = summary["name"]
    body = "\n".join(
        [
            '<p><a href="index.html">Register</a></p>',
            _bilingual(name, "h1"),
            '<p class="note">Illustrative example, not a real deployment.</p>'
            if summary.get("illustrative")
            else "",
            _bilingual(summary.get("description")),
            "<h2>How to complain</h2>",
            _bilingual(summary.get("how_to_complain")),
            "<h2>All public fields</h2>",
            "<table>",
            *_rows({k: v for k, v in view.items() if k != "public_summary"}),
            "</table>",
        ]
    )
    return _page(name["en"], body)


def _index_page(views: list[dict[str, Any]]) -> str:
    rows = []
    for view in sorted(views, key=lambda v: v["record"]["id"]):
        summary = view["public_summary"]
        sid = html.escape(view["record"]["id"])
        rows.append(
            f'<tr><td><a href="{sid}.html">{html.escape(summary["name"]["en"])}</a></td>'
            f'<td lang="ur" dir="rtl">{html.escape(summary["name"]["ur"])}</td>'
            f"<td>{html.escape(summary['city'])}</td>"
            f"<td>{html.escape(summary['capability_type'])}</td>"
            f"<td>{html.escape(view['record']['status'])}</td></tr>"
        )
    body = (
        "<h1>Police AI register</h1>\n"
        '<h1 lang="ur" dir="rtl">پولیس مصنوعی ذہانت رجسٹر</h1>\n'
        "<table><tr><th>System</th><th>نام</th><th>City</th><th>Capability</th>"
        "<th>Status</th></tr>\n" + "\n".join(rows) + "\n</table>"
    )
    return _page("Police AI register", body)
