"""Settings of the portal app: where the ledger lives, its keys, its policies, its API tokens.

Read from a YAML settings file and ``MOHTASIB_*`` environment variables (the
environment wins; explicit arguments win over both)::

    database_url: /var/lib/mohtasib/ledger.db      # or postgresql://…; MOHTASIB_DATABASE_URL
    keys_dir: /etc/mohtasib/ledger-keys            # MOHTASIB_LEDGER_KEYS
    policies: [/etc/mohtasib/psca-anpr.yaml]
    register_dir: /etc/mohtasib/register           # MOHTASIB_REGISTER_DIR; system cards
    trusted_proxies: [127.0.0.1, 10.0.0.0/8]       # MOHTASIB_TRUSTED_PROXIES="a,b"; default none
    tokens:                                        # MOHTASIB_API_TOKENS
      - {role: officer, subject: INSP-1234, sha256: <64 hex>}
      - {role: system, subject: psca-lahore-anpr, sha256: <64 hex>}

``MOHTASIB_API_TOKENS`` holds the same as ``ROLE:SUBJECT:SHA256,…``. Only SHA-256
hashes of tokens are configured, never the tokens (:func:`hash_token` makes one).
An ``officer`` token's subject is the officer's id, which becomes the record's
requester; a ``system`` token's subject is the register's system id, the only
system it may record accesses for. ``trusted_proxies`` lists the addresses or
networks (CIDR) of the reverse proxies in front of the portal whose
``X-Forwarded-For`` header is believed (:func:`~mohtasib.server._auth.client_address`);
with none, the header is ignored. Nothing here has a default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from mohtasib.errors import ConfigError

__all__ = [
    "ROLES",
    "ApiToken",
    "IPNetwork",
    "ServerSettings",
    "hash_token",
    "load_settings",
    "parse_networks",
]

#: Roles an API token can carry.
ROLES: tuple[str, ...] = ("officer", "system")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEYS = {"database_url", "keys_dir", "policies", "register_dir", "tokens", "trusted_proxies"}
#: An address or network of a trusted proxy.
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: Largest audit report an auditor may upload, in bytes (20 MiB).
MAX_REPORT_BYTES = 20 * 1024 * 1024


def hash_token(token: str) -> str:
    """SHA-256 of a bearer token, hex: what the settings hold instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class ApiToken:
    """One API token, by its SHA-256: its role and the identity bound to it."""

    sha256: str
    role: str
    subject: str

    def __post_init__(self) -> None:
        if not _HEX64.fullmatch(self.sha256):
            raise ConfigError("got a token hash that is not 64 lower-case hex", key="tokens")
        if self.role not in ROLES:
            raise ConfigError(f"got role {self.role!r}; want one of {sorted(ROLES)}", key="tokens")
        if not self.subject:
            raise ConfigError("a token needs a subject (officer id or system id)", key="tokens")


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    """Everything :func:`~mohtasib.server.create_app` needs (module docstring).

    ``register_dir`` holds the system cards the portal publishes (None: an empty
    register); ``cookie_secure`` sets the session cookie's ``Secure`` flag, which only
    a demo served over plain HTTP on loopback turns off; ``max_report_bytes`` caps an
    uploaded audit report; ``trusted_proxies`` are the networks of the reverse proxies
    whose ``X-Forwarded-For`` is believed (empty: the header is ignored).
    """

    database_url: str
    keys_dir: Path
    tokens: tuple[ApiToken, ...] = ()
    policies: tuple[Path, ...] = ()
    register_dir: Path | None = None
    cookie_secure: bool = True
    max_report_bytes: int = MAX_REPORT_BYTES
    trusted_proxies: tuple[IPNetwork, ...] = ()

    def __repr__(self) -> str:  # token hashes are not secrets, but keep logs short
        return (
            f"ServerSettings(database_url={self.database_url!r}, keys_dir={str(self.keys_dir)!r}, "
            f"tokens={len(self.tokens)}, policies={[str(p) for p in self.policies]}, "
            f"register_dir={None if self.register_dir is None else str(self.register_dir)!r}, "
            f"trusted_proxies={[str(n) for n in self.trusted_proxies]})"
        )


def _tokens_from_env(text: str) -> list[ApiToken]:
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        parts = item.split(":")
        if len(parts) != 3:
            raise ConfigError("want ROLE:SUBJECT:SHA256[,…]", key="MOHTASIB_API_TOKENS")
        out.append(ApiToken(sha256=parts[2], role=parts[0], subject=parts[1]))
    return out


def _tokens_from_file(value: object, path: str) -> list[ApiToken]:
    if not isinstance(value, list):
        raise ConfigError("want a list of {role, subject, sha256}", path=path, key="tokens")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"role", "subject", "sha256"}:
            raise ConfigError("want {role, subject, sha256}", path=path, key="tokens")
        out.append(ApiToken(str(item["sha256"]), str(item["role"]), str(item["subject"])))
    return out


def parse_networks(
    values: Sequence[object], *, key: str, path: str | None = None
) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR networks (``10.0.0.0/8``, ``::1``); ConfigError names the bad one."""
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"got {value!r}; want an IP address or a CIDR network such as 10.0.0.0/8",
                path=path,
                key=key,
            ) from None
    return tuple(out)


def _proxies(
    env: Mapping[str, str], data: Mapping[str, Any], where: str | None
) -> tuple[IPNetwork, ...]:
    if env.get("MOHTASIB_TRUSTED_PROXIES"):
        parts = [p for p in env["MOHTASIB_TRUSTED_PROXIES"].split(",") if p.strip()]
        return parse_networks(parts, key="MOHTASIB_TRUSTED_PROXIES")
    listed = data.get("trusted_proxies") or []
    if not isinstance(listed, list):
        raise ConfigError("want a list of addresses or networks", path=where, key="trusted_proxies")
    return parse_networks(listed, key="trusted_proxies", path=where)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read settings: {exc.strerror}", path=str(path)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("settings must be a mapping", path=str(path))
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        want = f"unknown key; want one of {sorted(_KEYS)}"
        raise ConfigError(want, path=str(path), key=unknown[0])
    return data


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    database_url: str | None = None,
    keys_dir: str | os.PathLike[str] | None = None,
    policies: Sequence[str | os.PathLike[str]] = (),
    register_dir: str | os.PathLike[str] | None = None,
) -> ServerSettings:
    """Build settings from a file, the environment and explicit values (highest first).

    Raises ConfigError naming the missing or bad setting.
    """
    env = os.environ if environ is None else environ
    data = _read_file(Path(path)) if path is not None else {}
    where = None if path is None else str(path)
    url = database_url or env.get("MOHTASIB_DATABASE_URL") or data.get("database_url")
    keys = keys_dir or env.get("MOHTASIB_LEDGER_KEYS") or data.get("keys_dir")
    if not url:
        raise ConfigError("no ledger database: set MOHTASIB_DATABASE_URL", key="database_url")
    if not keys:
        raise ConfigError("no ledger key directory: set MOHTASIB_LEDGER_KEYS", key="keys_dir")
    tokens = (
        _tokens_from_env(env["MOHTASIB_API_TOKENS"])
        if env.get("MOHTASIB_API_TOKENS")
        else _tokens_from_file(data.get("tokens", []), where or "")
    )
    listed = policies or data.get("policies", [])
    if not isinstance(listed, list | tuple):
        raise ConfigError("want a list of policy files", path=where, key="policies")
    cards = register_dir or env.get("MOHTASIB_REGISTER_DIR") or data.get("register_dir")
    proxies = _proxies(env, data, where)
    return ServerSettings(
        database_url=str(url),
        keys_dir=Path(keys),
        tokens=tuple(tokens),
        policies=tuple(Path(p) for p in listed),
        register_dir=Path(cards) if cards else None,
        trusted_proxies=proxies,
    )
