"""``mohtasib serve``: run the portal (register, reports, ledger, sign-in) with uvicorn."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mohtasib.cli._options import CONTEXT_SETTINGS
from mohtasib.errors import ConfigError, MissingExtraError
from mohtasib.server import create_app, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["serve_command"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _demo_report(report_dir: Path | None, work: Path) -> Path:
    """The demo report's HTML: from ``report_dir``, or written by the demo audit."""
    if report_dir is not None:
        found = sorted(report_dir.glob("*.html"))
        if not found:
            raise ConfigError("no *.html report in this directory", path=str(report_dir))
        return found[0]
    from mohtasib.audit import run_demo

    click.echo("Writing the demo audit report (mohtasib audit --demo) ...", err=True)
    return run_demo(out_dir=work / "report").html_path


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--demo",
    is_flag=True,
    help="Serve a fresh temporary database with the illustrative register, the demo audit "
    "report and a SYNTHETIC ledger.",
)
@click.option(
    "--report-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="With --demo: publish the report in this directory instead of running the demo audit.",
)
@click.option(
    "--register-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="System cards to publish. Default: $MOHTASIB_REGISTER_DIR (with --demo: the "
    "illustrative cards shipped in the package, the same as examples/register).",
)
@click.option("--db", default=None, help="Database. Default: $MOHTASIB_DATABASE_URL.")
@click.option(
    "--keys",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ledger key directory. Default: $MOHTASIB_LEDGER_KEYS.",
)
@click.option("--policy", "policies", multiple=True, help="Access policy YAML (repeat).")
@click.option(
    "--settings",
    envvar="MOHTASIB_SETTINGS",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Settings YAML (tokens as SHA-256 hashes). Default: $MOHTASIB_SETTINGS.",
)
@click.option(
    "--add-user",
    "add_user",
    default=None,
    metavar="NAME:ROLE",
    help="Create a portal account (role admin, auditor or officer) and exit; the password "
    "is read from $MOHTASIB_NEW_PASSWORD or prompted for.",
)
def serve_command(
    host: str,
    port: int,
    demo: bool,
    report_dir: Path | None,
    register_dir: Path | None,
    db: str | None,
    keys: Path | None,
    policies: tuple[str, ...],
    settings: Path | None,
    add_user: str | None,
) -> None:
    """Serve the portal (needs the server extra); OpenAPI spec at /openapi.json.

    SQLite by default; $MOHTASIB_DATABASE_URL=postgresql://... switches to
    PostgreSQL. API tokens come from the settings file or $MOHTASIB_API_TOKENS as
    SHA-256 hashes, never as tokens. Server logs hold method, path, status and
    time only: no client address, query string or user name.
    """
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("the portal", "server") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if demo:
        from mohtasib.server._demo import build_demo, demo_register_dir, load_demo_content

        cards = register_dir or demo_register_dir()  # before the slow demo audit
        work = Path(tempfile.mkdtemp(prefix="mohtasib-demo-"))
        report = _demo_report(report_dir, work)
        built = build_demo(work / "portal", register_dir=cards)
        # Plain HTTP works on loopback only; anywhere else the cookie stays Secure (TLS).
        loaded = dataclasses.replace(built.settings, cookie_secure=host not in _LOOPBACK)
        app = create_app(loaded)
        load_demo_content(app.state.portal, built, report)
        click.echo(f"Demo portal (illustrative register, SYNTHETIC ledger) in {work}")
        for name, password in built.passwords.items():
            click.echo(f"  demo account {name}: {password}")
    else:
        loaded = load_settings(
            settings, database_url=db, keys_dir=keys, policies=policies, register_dir=register_dir
        )
        app = create_app(loaded)
        if add_user is not None:
            _add_user(app, add_user)
            return
    click.echo(f"Serving on http://{host}:{port}/register", err=True)
    try:
        # proxy_headers off: the portal's own trusted_proxies setting reads X-Forwarded-For.
        uvicorn.run(
            app, host=host, port=port, access_log=False, log_config=None, proxy_headers=False
        )
    finally:
        app.state.portal.close()
        if demo:  # the demo's database and keys were for this run only
            shutil.rmtree(work, ignore_errors=True)


def _add_user(app: FastAPI, spec: str) -> None:
    name, _, role = spec.partition(":")
    password = os.environ.get("MOHTASIB_NEW_PASSWORD") or click.prompt(
        f"Password for {name}", hide_input=True, confirmation_prompt=True
    )
    portal = app.state.portal
    try:
        portal.accounts.create_user(name, role, password)
        portal.admin_log.append("command-line", "user_create", name)
    finally:
        portal.close()
    click.echo(f"Added {role} {name}.")
