"""Sign-in for the portal: Argon2 passwords, server-side sessions, CSRF tokens, rate limits.

* Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106 §4's
  second recommended option) and re-hashed when those parameters change.
* A session is a 256-bit random token (``secrets.token_urlsafe``) in a cookie that is
  ``HttpOnly``, ``SameSite=Strict`` and ``Secure`` (unless the settings turn Secure
  off for a loopback demo); the database holds only its SHA-256, its user, its
  expiry and its CSRF token.
* CSRF: the *synchronizer token pattern* (OWASP CSRF Prevention Cheat Sheet): every
  form of a signed-in page carries the session's CSRF token, compared in constant
  time (:func:`hmac.compare_digest`). The sign-in form, which has no session yet,
  uses the *double-submit cookie* pattern of the same cheat sheet.
* Sign-in is rate limited per client address and per user name; a refused attempt is
  answered 429 before any hash is checked. :class:`SharedRateLimiter` (what the portal
  uses) keeps the counts in the portal database, so every worker process and server of
  one database shares them and a restart keeps them; :class:`RateLimiter` keeps them in
  one process (a sliding window). Both count an attempt *before* the password is
  checked (:meth:`SharedRateLimiter.acquire`, one atomic statement per key) and take it
  back when the password was right, so concurrent attempts cannot overshoot the limit.
  The client address is the TCP peer, or, when the peer is one of the settings'
  ``trusted_proxies``, the rightmost address of ``X-Forwarded-For`` that is not a
  trusted proxy (:func:`client_address`, the "rightmost untrusted hop" rule of
  MDN's *X-Forwarded-For* page, as nginx's ``real_ip_recursive`` applies it): a client
  cannot spoof its address by sending the header itself.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mohtasib.errors import InputError
from mohtasib.server._db import PortalDB, User

__all__ = [
    "SESSION_COOKIE",
    "USER_ROLES",
    "Accounts",
    "RateLimiter",
    "Session",
    "SharedRateLimiter",
    "client_address",
    "csrf_matches",
    "limit_digest",
    "new_token",
]

#: Roles of a signed-in user.
USER_ROLES: tuple[str, ...] = ("admin", "auditor", "officer")
#: Name of the session cookie.
SESSION_COOKIE = "mohtasib_session"
#: Lifetime of a session, in seconds (8 hours: one working shift).
SESSION_SECONDS = 8 * 3600
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,62}")
MIN_PASSWORD = 12


def new_token() -> str:
    """A fresh 256-bit random token, URL-safe base64."""
    return secrets.token_urlsafe(32)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Whether a submitted CSRF token equals the expected one (constant time)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a hop: ``1.2.3.4``, ``1.2.3.4:80``, ``::1`` or ``[::1]:80``; else None."""
    hop = text.strip()
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        found = ipaddress.ip_address(hop)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def client_address(
    peer: str | None,
    forwarded_for: Iterable[str],
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> str:
    """The address a request came from, believing ``X-Forwarded-For`` only from trusted proxies.

    ``peer`` is the TCP peer; ``forwarded_for`` the values of every ``X-Forwarded-For``
    header in order (each a comma-separated list that proxies append to). When the
    peer is not in ``trusted`` the header is ignored. Otherwise the hops are read
    from the right, skipping trusted proxies; the first one that is not trusted is
    the client (a hop may carry a port, which is dropped). When every hop is trusted,
    or the next hop is not an IP address (nothing a trusted proxy writes), the
    leftmost trusted address read is the answer.
    """
    if peer is None:
        return "unknown"
    here = _address(peer)
    if here is None or not any(here in net for net in trusted):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        here = address
        if not any(address in net for net in trusted):
            break
    return str(here)


class RateLimiter:
    """At most ``limit`` events per key within ``window`` seconds (a sliding window).

    At most ``max_keys`` keys are remembered: past that, keys whose events have all
    left the window are forgotten, then the least recently used ones (so a flood of
    made-up user names cannot exhaust memory). State is per process (module docstring).
    """

    def __init__(self, limit: int = 5, window: float = 300.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, moment: float) -> None:
        """Forget expired keys, then the oldest ones, until at most ``max_keys`` remain."""
        stale = [k for k, v in self._events.items() if not v or v[-1] <= moment - self.window]
        for key in stale:
            del self._events[key]
        while len(self._events) > self.max_keys:
            del self._events[next(iter(self._events))]

    def allowed(self, *keys: str, now: float | None = None) -> bool:
        """Whether every key is under its limit (nothing is recorded)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                events = self._events.get(key)
                if events is None:
                    continue
                while events and events[0] <= moment - self.window:
                    events.popleft()
                if len(events) >= self.limit:
                    return False
        return True

    def record(self, *keys: str, now: float | None = None) -> None:
        """Record one event (a failed sign-in) against every key."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._record(keys, moment)

    def _record(self, keys: Sequence[str], moment: float) -> None:
        for key in keys:
            events = self._events.pop(key, None) or collections.deque()
            events.append(moment)
            self._events[key] = events  # re-inserted: the dict stays in order of use
        if len(self._events) > self.max_keys:
            self._prune(moment)

    def reset(self, key: str) -> None:
        """Forget a key's events (after a successful sign-in)."""
        with self._lock:
            self._events.pop(key, None)

    def acquire(self, *keys: str, now: float | None = None) -> bool:
        """Count one attempt against every key if all are under their limit (atomically).

        False, and nothing counted, when a key is at its limit. The attempt stays counted
        (a failed sign-in) unless :meth:`release` takes it back.
        """
        moment = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                events = self._events.get(key)
                while events and events[0] <= moment - self.window:
                    events.popleft()
                if events is not None and len(events) >= self.limit:
                    return False
            self._record(keys, moment)
        return True

    def release(self, key: str) -> None:
        """Take back ``key``'s latest attempt (one that succeeded)."""
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()


def limit_digest(key: str) -> str:
    """What the shared limiter stores for a key: its SHA-256, hex (no name or address in clear)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class SharedRateLimiter:
    """At most ``limit`` attempts per key in a window of ``window`` seconds, in the database.

    The counts live in the portal database (``portal_login_limits``), so every worker
    process and every server of that database shares them, and a restart keeps them.
    A key's window starts at its first attempt after the previous window ended (a
    fixed window per key, not a sliding one: at most ``limit`` attempts per window, so
    at most ``2 * limit`` in any ``window`` seconds straddling two windows).

    :meth:`acquire` counts the attempt first, with one atomic
    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per key (SQLite serialises
    writers; PostgreSQL locks the row), and refuses it when a count passes the limit
    (taking the counts back): so attempts running at the same time in several
    processes never get past the limit together, which a read-then-write check
    would allow. A successful sign-in takes its attempt back (:meth:`release`).
    Times are the wall clock (``time.time``), the one clock processes share; windows
    that have ended are deleted at most once per window. Keys are stored as their
    SHA-256 (:func:`limit_digest`), never as typed: a password typed into the name
    field, or a client's address, is not kept in the table in clear.
    """

    def __init__(
        self,
        db: PortalDB,
        limit: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.limit = limit
        self.window = window
        self.clock = clock
        self._expired_at = float("-inf")

    def acquire(self, *keys: str, now: float | None = None) -> bool:
        """Count one attempt against every key; False (nothing counted) if one is past its limit."""
        moment = self.clock() if now is None else now
        if moment - self._expired_at >= self.window:
            self._expired_at = moment
            self.db.expire_attempts(moment - self.window)
        counted: list[str] = []
        for key in map(limit_digest, keys):
            count = self.db.count_attempt(key, moment, self.window)
            counted.append(key)
            if count > self.limit:
                for done in counted:
                    self.db.uncount_attempt(done)
                return False
        return True

    def release(self, key: str) -> None:
        """Take back one attempt of ``key`` (a sign-in that succeeded)."""
        self.db.uncount_attempt(limit_digest(key))

    def reset(self, key: str) -> None:
        """Forget a key's attempts (the account's, after a successful sign-in)."""
        self.db.clear_attempts(limit_digest(key))


class Session:
    """A signed-in user's session: who, and the CSRF token of their forms."""

    def __init__(self, user: User, csrf: str, token_sha256: str) -> None:
        self.user = user
        self.csrf = csrf
        self.token_sha256 = token_sha256


class Accounts:
    """Users and sessions over the portal database."""

    def __init__(self, db: PortalDB) -> None:
        self.db = db
        self.hasher = PasswordHasher()
        # Verifying against this keeps an unknown user name as slow as a wrong password.
        self._dummy = self.hasher.hash(new_token())

    def create_user(self, username: str, role: str, password: str) -> User:
        """Add a user; InputError names the field that is not acceptable."""
        if not _USERNAME.fullmatch(username):
            raise InputError(
                "want 2-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
                column="username",
            )
        if role not in USER_ROLES:
            raise InputError(f"got {role!r}; want one of {list(USER_ROLES)}", column="role")
        if len(password) < MIN_PASSWORD:
            raise InputError(f"want at least {MIN_PASSWORD} characters", column="password")
        if self.db.user(username) is not None:
            raise InputError(f"user {username!r} already exists", column="username")
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        user = User(username, role, self.hasher.hash(password), True, now)
        self.db.add_user(user)
        return user

    def check_password(self, username: str, password: str) -> User | None:
        """The active user when the password matches, else None (same cost either way)."""
        user = self.db.user(username)
        stored = user.password_hash if user is not None and user.active else self._dummy
        try:
            self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if self.hasher.check_needs_rehash(stored):
            self.db.set_password_hash(username, self.hasher.hash(password))
        return user

    def open_session(self, user: User) -> tuple[str, Session]:
        """A new session: the cookie's token (shown once) and the session."""
        token, csrf = new_token(), new_token()
        digest = _sha256(token)
        self.db.delete_expired_sessions(time.time())
        self.db.add_session(digest, user.username, csrf, time.time() + SESSION_SECONDS)
        return token, Session(user, csrf, digest)

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie's token, or None (unknown, expired, user disabled)."""
        if not token or len(token) > 128:
            return None
        digest = _sha256(token)
        found = self.db.session(digest)
        if found is None:
            return None
        username, csrf, expires = found
        if expires < time.time():
            self.db.delete_session(digest)
            return None
        user = self.db.user(username)
        if user is None or not user.active:
            return None
        return Session(user, csrf, digest)

    def close_session(self, session: Session) -> None:
        """Sign out."""
        self.db.delete_session(session.token_sha256)
