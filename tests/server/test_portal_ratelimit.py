"""Sign-in rate limits: per client address (proxy-aware, not spoofable) and per account name."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mohtasib.errors import ConfigError
from mohtasib.server._auth import RateLimiter, client_address
from mohtasib.server._settings import load_settings, parse_networks
from tests.server.conftest import PASSWORDS, csrf_of

TRUSTED = parse_networks(["10.0.0.0/8", "fd00::/8"], key="trusted_proxies")


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # the peer is not a trusted proxy: whatever the header says is ignored (spoofing)
        ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
        ("198.51.100.7", [], "198.51.100.7"),
        # one trusted proxy: the address it appended
        ("10.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        # a client's own made-up hop on the left is skipped: rightmost untrusted hop
        ("10.0.0.1", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),
        # two trusted proxies in a chain, in two headers
        ("10.0.0.1", ["1.2.3.4, 203.0.113.9", "10.0.0.2"], "203.0.113.9"),
        # every hop trusted: the leftmost trusted one
        ("10.0.0.1", ["10.0.0.3, 10.0.0.2"], "10.0.0.3"),
        # a hop that is no address stops the walk at the last trusted address read
        ("10.0.0.1", ["not-an-ip, 10.0.0.2"], "10.0.0.2"),
        ("10.0.0.1", ["garbage"], "10.0.0.1"),
        # a trusted proxy with no header: the proxy itself
        ("10.0.0.1", [], "10.0.0.1"),
        ("fd00::1", ["2001:db8::5"], "2001:db8::5"),
        # some proxies append the port
        ("10.0.0.1", ["203.0.113.9:51234"], "203.0.113.9"),
        ("10.0.0.1", ["[2001:db8::5]:443"], "2001:db8::5"),
        ("::ffff:10.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        ("testclient", ["203.0.113.9"], "testclient"),
        (None, ["203.0.113.9"], "unknown"),
    ],
)
def test_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer: str | None, headers: list[str], expected: str
) -> None:
    assert client_address(peer, headers, TRUSTED) == expected


def test_no_trusted_proxies_means_the_header_is_ignored() -> None:
    assert client_address("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"


def test_trusted_proxies_from_file_and_environment(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "database_url: x.db\nkeys_dir: keys\ntrusted_proxies: [127.0.0.1, 10.1.0.0/16]\n",
        encoding="utf-8",
    )
    loaded = load_settings(settings, environ={})
    assert loaded.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.1.0.0/16"),
    )
    env = {"MOHTASIB_TRUSTED_PROXIES": "192.0.2.1, 2001:db8::/32"}
    from_env = load_settings(settings, environ=env)  # the environment wins
    assert [str(n) for n in from_env.trusted_proxies] == ["192.0.2.1/32", "2001:db8::/32"]
    plain = load_settings(database_url="x.db", keys_dir="keys", environ={})
    assert plain.trusted_proxies == ()  # default: none, the header is never believed


def test_bad_trusted_proxy_names_the_setting(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("database_url: x.db\nkeys_dir: k\ntrusted_proxies: [10.0.0.0/33]\n")
    with pytest.raises(ConfigError, match="key 'trusted_proxies'") as caught:
        load_settings(settings, environ={})
    assert "10.0.0.0/33" in str(caught.value) and str(settings) in str(caught.value)
    with pytest.raises(ConfigError, match="MOHTASIB_TRUSTED_PROXIES"):
        load_settings(settings, environ={"MOHTASIB_TRUSTED_PROXIES": "proxy.example"})
    settings.write_text("database_url: x.db\nkeys_dir: k\ntrusted_proxies: 10.0.0.1\n")
    with pytest.raises(ConfigError, match="want a list"):
        load_settings(settings, environ={})


def test_limiter_forgets_expired_keys_first_and_caps_its_memory() -> None:
    limiter = RateLimiter(limit=2, window=10.0, max_keys=3)
    limiter.record("old-1", now=0.0)
    limiter.record("kept", now=5.0)
    limiter.record("kept", now=6.0)
    limiter.record("new-1", now=12.0)
    limiter.record("new-2", now=13.0)  # four keys: the expired one goes
    assert not limiter.allowed("kept", now=13.0)  # still limited: not forgotten
    assert set(limiter._events) == {"kept", "new-1", "new-2"}
    for i in range(10):
        limiter.record(f"flood-{i}", now=14.0)
    assert len(limiter._events) <= 3


@pytest.fixture
def portal_app(app: FastAPI) -> Iterator[FastAPI]:
    """The module's portal behind a trusted proxy network, with a fresh limiter each test."""
    portal = app.state.portal
    before = portal.settings
    portal.settings = dataclasses.replace(before, trusted_proxies=TRUSTED)
    portal.limiter = RateLimiter()
    yield app
    portal.settings = before
    portal.limiter = RateLimiter()


def _try(app: FastAPI, peer: str, username: str, password: str, forwarded: str = "") -> int:
    """One sign-in from ``peer`` (a new client each time: nothing else links the attempts)."""
    with closing(
        TestClient(app, base_url="https://testserver", client=(peer, 40000), follow_redirects=False)
    ) as client:
        page = client.get("/login")
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        data = {"csrf_token": csrf_of(page.text), "username": username, "password": password}
        return client.post("/login", data=data, headers=headers).status_code


def test_limit_per_client_behind_a_trusted_proxy(portal_app: FastAPI) -> None:
    for i in range(5):  # different account names: only the address links them
        assert _try(portal_app, "10.0.0.1", f"SYN-USER-{i}", "x" * 14, "203.0.113.5") == 401
    assert _try(portal_app, "10.0.0.1", "SYN-USER-9", "x" * 14, "203.0.113.5") == 429
    # another client behind the same proxy is not locked out by its neighbour
    assert _try(portal_app, "10.0.0.1", "SYN-USER-9", "x" * 14, "203.0.113.6") == 401
    # nor is the right password of another client
    right = PASSWORDS["demo-auditor"]
    assert _try(portal_app, "10.0.0.1", "demo-auditor", right, "203.0.113.7") == 303


def test_forwarded_for_from_an_untrusted_peer_cannot_dodge_the_limit(
    portal_app: FastAPI,
) -> None:
    for i in range(5):  # a new made-up X-Forwarded-For each time: ignored
        status = _try(portal_app, "198.51.100.7", f"SYN-USER-{i}", "x" * 14, f"192.0.2.{i}")
        assert status == 401
    assert _try(portal_app, "198.51.100.7", "SYN-USER-9", "x" * 14, "192.0.2.200") == 429


def test_limit_per_account_name_across_addresses(portal_app: FastAPI) -> None:
    for i in range(5):  # five addresses guessing one account's password
        assert _try(portal_app, f"198.51.100.{i + 10}", "demo-admin", "x" * 14) == 401
    # a sixth address, even with the right password, waits: the account is limited
    right = PASSWORDS["demo-admin"]
    assert _try(portal_app, "198.51.100.99", "demo-admin", right) == 429
    assert _try(portal_app, "198.51.100.99", "DEMO-ADMIN", right) == 429  # names fold case
    # other accounts are not affected
    assert _try(portal_app, "198.51.100.99", "demo-auditor", PASSWORDS["demo-auditor"]) == 303
