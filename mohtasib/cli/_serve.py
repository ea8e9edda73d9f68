"""``mohtasib serve``: run the portal app (the ledger API) with uvicorn."""

from __future__ import annotations

from pathlib import Path

import click

from mohtasib.cli._options import CONTEXT_SETTINGS
from mohtasib.errors import MissingExtraError
from mohtasib.server import create_app, load_settings

__all__ = ["serve_command"]


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option("--db", default=None, help="Ledger database. Default: $MOHTASIB_DATABASE_URL.")
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
def serve_command(
    host: str,
    port: int,
    db: str | None,
    keys: Path | None,
    policies: tuple[str, ...],
    settings: Path | None,
) -> None:
    """Serve the HTTP API (needs the server extra); OpenAPI spec at /openapi.json.

    API tokens come from the settings file or $MOHTASIB_API_TOKENS as SHA-256
    hashes, never as tokens.
    """
    loaded = load_settings(settings, database_url=db, keys_dir=keys, policies=policies)
    app = create_app(loaded)
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("the portal", "server") from None
    uvicorn.run(app, host=host, port=port)
