"""``mohtasib register``: validate, show, export, assess and score system cards.

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
from mohtasib.cli._options import CONTEXT_SETTINGS, format_options, parse_pairs
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


def _ledger_stats_option(func: Any) -> Any:
    return click.option(
        "--ledger-stats",
        "ledger_stats",
        multiple=True,
        metavar="LOG_ID=FILE",
        help="Ledger statistics JSON (`mohtasib ledger stats --format json`) of the log a "
        "card names in technical.ledger.log_id (or keyed by its system id). Repeat.",
    )(func)


@register.command("export")
@click.argument("cards", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public", is_flag=True, help="Export the public view (required).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the JSON files and the static HTML site to.",
)
@_ledger_stats_option
def export_command(
    cards: tuple[Path, ...], public: bool, out: Path, ledger_stats: tuple[str, ...]
) -> None:
    """Write the public view of CARD.yaml... as JSON and a static HTML site in --out.

    The site has a page per card, the register index, the city scorecards
    (``scorecards.html``, ``scorecards.json``) and a page per city. Every card is
    validated first: nothing is written when one is invalid.
    """
    if not public:
        raise click.UsageError("export writes public views only: pass --public")
    loaded = [lib.load_card(c) for c in cards]
    views = [lib.public_view(card) for card in loaded]
    scorecards = lib.city_scorecards(loaded, ledger_statistics=_read_stats(ledger_stats))
    out.mkdir(parents=True, exist_ok=True)
    for view in views:
        sid = view["record"]["id"]
        (out / f"{sid}.json").write_text(_json_text(view), encoding="utf-8")
        (out / f"{sid}.html").write_text(_card_page(view), encoding="utf-8")
    (out / "index.html").write_text(_index_page(views), encoding="utf-8")
    (out / "scorecards.json").write_text(
        _json_text([s.to_dict() for s in scorecards]), encoding="utf-8"
    )
    (out / "scorecards.html").write_text(_scorecards_page(scorecards), encoding="utf-8")
    for card in scorecards:
        (out / _city_file(card.city)).write_text(_city_page(card), encoding="utf-8")
    click.echo(
        f"wrote {len(views)} card(s), {len(scorecards)} city scorecard(s) and index.html to {out}",
        err=True,
    )


@register.command("scorecards")
@click.argument("cards", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_ledger_stats_option
@format_options
def scorecards_command(
    cards: tuple[Path, ...], ledger_stats: tuple[str, ...], fmt: str, out: Path | None
) -> None:
    """City scorecards from CARD.yaml... and, optionally, each system's ledger statistics.

    Per city and system: cameras working against installed, impact level,
    accesses by legal-authority type and denied by rule (from the ledgers),
    retention compliance, audits done, incidents and complaints. Only public
    card fields are read; a figure nobody reported is listed as not reported.
    ``--format json`` prints one object per city, ``html`` one page with every city.
    """
    loaded = [lib.load_card(c) for c in cards]
    scorecards = lib.city_scorecards(loaded, ledger_statistics=_read_stats(ledger_stats))
    if fmt == "json":
        text = _json_text([s.to_dict() for s in scorecards])
    else:
        text = _page("City scorecards", _scorecards_body(scorecards, link_cities=False))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


def _json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _read_stats(pairs: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``LOG_ID=FILE`` pairs to the JSON objects the files hold."""
    out = {}
    for log_id, name in parse_pairs(pairs, option="--ledger-stats").items():
        path = Path(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read ledger statistics: {exc.strerror}", source=name) from exc
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}", source=name
            ) from exc
        if not isinstance(data, dict):
            raise InputError("want a JSON object (LedgerStatistics.to_dict())", source=name)
        out[log_id] = data
    return out


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
        '<p><a href="scorecards.html">City scorecards</a></p>\n'
        "<h1>Police AI register</h1>\n"
        '<h1 lang="ur" dir="rtl">پولیس مصنوعی ذہانت رجسٹر</h1>\n'
        "<table><tr><th>System</th><th>نام</th><th>City</th><th>Capability</th>"
        "<th>Status</th></tr>\n" + "\n".join(rows) + "\n</table>"
    )
    return _page("Police AI register", body)


def _city_file(city: str) -> str:
    return f"city-{lib.city_slug(city)}.html"


def _figure(value: Any) -> str:
    return "not reported" if value is None else html.escape(str(value))


def _share(value: float | None) -> str:
    return "not reported" if value is None else f"{100 * value:.1f} %"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{html.escape(k)}: {v:,}" for k, v in counts.items()) or "none"


def _scorecards_body(scorecards: list[lib.CityScorecard], *, link_cities: bool) -> str:
    rows = []
    for card in scorecards:
        t = card.to_dict()["totals"]
        name = html.escape(card.city)
        city = f'<a href="{_city_file(card.city)}">{name}</a>' if link_cities else name
        rows.append(
            f"<tr><td>{city}</td><td>{t['systems']}</td>"
            f"<td>{_figure(t['cameras_working'])} / {_figure(t['cameras_installed'])}</td>"
            f"<td>{_share(t['working_share'])}</td><td>{_figure(t['accesses'])}</td>"
            f"<td>{_figure(t['denied'])}</td>"
            f"<td>{t['retention_compliant_systems']} of {t['retention_judged_systems']}</td>"
            f"<td>{t['audits']}</td></tr>"
        )
    parts = [
        "<h1>City scorecards</h1>",
        '<h1 lang="ur" dir="rtl">شہروں کے اسکور کارڈ</h1>',
        '<p class="note">Computed from the public fields of the system cards and, where '
        "given, the statistics of each system's access ledger. A figure nobody reported is "
        "shown as not reported, never as zero. Camera totals count only systems that report "
        "both figures.</p>",
        "<table><tr><th>City</th><th>Systems</th><th>Cameras working / installed</th>"
        "<th>Share working</th><th>Accesses logged</th><th>Denied</th>"
        "<th>Systems meeting retention</th><th>Audits</th></tr>",
        *rows,
        "</table>",
    ]
    if not link_cities:
        parts += [_city_body(card) for card in scorecards]
    return "\n".join(parts)


def _scorecards_page(scorecards: list[lib.CityScorecard]) -> str:
    body = '<p><a href="index.html">Register</a></p>\n' + _scorecards_body(
        scorecards, link_cities=True
    )
    return _page("City scorecards", body)


def _system_rows(score: lib.SystemScore) -> list[str]:
    """Table rows for one system; every value is escaped here, once."""
    cams = score.to_dict()["cameras"]
    rows = [
        ("Capability", _figure(score.capability_type)),
        ("Status", _figure(score.status)),
        ("Impact level", _figure(score.impact_level)),
        (
            "Cameras working / installed",
            f"{_figure(cams['working'])} / {_figure(cams['installed'])} "
            f"({_share(cams['working_share'])})",
        ),
        ("Camera count as of, source", f"{_figure(cams['as_of'])}; {_figure(cams['source'])}"),
        ("Incidents recorded", _figure(score.incidents)),
        ("Complaints", _complaints(score.complaints)),
    ]
    led = score.ledger
    if led is not None:
        by_authority = (
            _counts(led["by_authority"])
            if led["bodies_opened"]
            else "not reported (record bodies not opened)"
        )
        rows += [
            ("Ledger period", f"{_figure(led['start'])} to {_figure(led['end'])}"),
            ("Accesses logged", f"{led['accesses']:,} ({led['denied']:,} denied)"),
            ("Denied by rule", _counts(led["denied_by_rule"])),
            ("By legal-authority type", by_authority),
            ("Retention", _retention(led["retention"])),
        ]
    return [f"<tr><th>{html.escape(label)}</th><td>{text}</td></tr>" for label, text in rows]


def _complaints(complaints: Any) -> str:
    if complaints is None:
        return "not reported"
    upheld = complaints.get("upheld")
    upheld_text = "not reported how many" if upheld is None else f"{upheld:,}"
    return html.escape(
        f"{complaints['received']:,} received, {upheld_text} upheld "
        f"({complaints['period_start']} to {complaints['period_end']})"
    )


def _retention(retention: Any) -> str:
    if retention is None:
        return "not judged (no retention periods given)"
    verdict = "met" if retention["compliant"] else "NOT met"
    return (
        f"{verdict}: {retention['past_retention']:,} past their period, "
        f"{retention['bodies_kept']:,} bodies kept, "
        f"{retention['not_tombstoned']:,} not tombstoned"
        + (
            ""
            if retention["deleted_late"] is None
            else f", {retention['deleted_late']:,} deleted late"
        )
    )


def _city_body(card: lib.CityScorecard) -> str:
    parts = [f"<h2>{html.escape(card.city)}</h2>"]
    for score in card.systems:
        note = (
            ' <span class="note">Illustrative example, not a real deployment.</span>'
            if score.illustrative
            else ""
        )
        parts += [
            f"<h3>{html.escape(score.name)} ({html.escape(score.system_id)}){note}</h3>",
            f'<p lang="ur" dir="rtl">{html.escape(score.name_ur)}</p>',
            "<table>",
            *_system_rows(score),
            "</table>",
            "<p>Audits done: "
            + (
                "; ".join(
                    html.escape(" — ".join(a.get(k, "") for k in ("date", "kind", "by", "result")))
                    for a in score.audits
                )
                or "none recorded"
            )
            + "</p>",
            "<p>Not reported: " + html.escape(", ".join(score.not_reported) or "nothing") + "</p>",
        ]
    return "\n".join(parts)


def _city_page(card: lib.CityScorecard) -> str:
    body = '<p><a href="scorecards.html">All cities</a></p>\n' + _city_body(card)
    return _page(f"Scorecard: {card.city}", body)
