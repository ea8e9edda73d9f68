"""The portal's own tables (users, sessions, reports, API tokens, ...) on SQLite or PostgreSQL.

They live in the ledger's database (the same ``database_url``: a SQLite path or a
``postgresql://`` URL) under a ``portal_`` prefix; the ledger's tables are never
touched. Passwords are stored only as Argon2 hashes, session and API tokens only
as SHA-256 hashes (a stolen database opens no session). Every driver error becomes a
:class:`~mohtasib.errors.StorageError` naming the database, never the driver's own.

Tables are created when missing (``CREATE TABLE IF NOT EXISTS``), so a database made
by an earlier version gains the newer ones on the next start; none is ever altered.

* ``portal_record_systems``: for each ledger entry whose sealed body the scorecards'
  figures opened, its index, its system and its committed access time, and nothing
  else (no target, officer, authority or purpose). A retention sweep deletes the body
  and its tombstone names only the index, so this is what lets a restarted portal still
  attribute the deletion to a system (:mod:`._ledger_figures`). ``portal_figures_state``
  keeps since when the figures have been read (``attributable_since``).
* ``portal_login_limits``: the sign-in rate limiter's counters, shared by every worker
  process of the database (:class:`~mohtasib.server._auth.RateLimiter`): a key (``ip:``
  address or ``user:`` account name), the start of its window and its attempts in it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from mohtasib.errors import ConfigError, StorageError

__all__ = ["PortalDB", "StoredReport", "User"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS portal_users (
        username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        active INTEGER NOT NULL, created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS portal_sessions (
        token_sha256 TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
        expires REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS portal_reports (
        sha256 TEXT PRIMARY KEY, title TEXT NOT NULL, size INTEGER NOT NULL,
        uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL, published INTEGER NOT NULL,
        html {blob} NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS portal_tokens (
        sha256 TEXT PRIMARY KEY, role TEXT NOT NULL, subject TEXT NOT NULL,
        created_at TEXT NOT NULL, revoked INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS portal_record_systems (
        entry_index BIGINT PRIMARY KEY, system_id TEXT NOT NULL, record_time TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS portal_figures_state (
        name TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS portal_login_limits (
        limit_key TEXT PRIMARY KEY, window_start DOUBLE PRECISION NOT NULL,
        attempts INTEGER NOT NULL)""",
)
#: Rows per statement when many are written or looked up at once.
_CHUNK = 500


@dataclasses.dataclass(frozen=True)
class User:
    """A portal account: its role (admin, auditor, officer) and Argon2 hash."""

    username: str
    role: str
    password_hash: str
    active: bool
    created_at: str


@dataclasses.dataclass(frozen=True)
class StoredReport:
    """An audit report as uploaded: its SHA-256, title and whether it is published."""

    sha256: str
    title: str
    size: int
    uploaded_by: str
    uploaded_at: str
    published: bool

    def to_dict(self) -> dict[str, Any]:
        """The public metadata (never the uploader, who is a member of staff)."""
        return {
            "sha256": self.sha256,
            "title": self.title,
            "size": self.size,
            "uploaded_at": self.uploaded_at,
            "url": f"/reports/{self.sha256}",
        }


class PortalDB:
    """One connection to the portal tables, serialised by a lock (the app is threaded).

    Parameters
    ----------
    url
        A SQLite path or a ``postgresql://`` URL (``MOHTASIB_DATABASE_URL``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._postgres = url.startswith(("postgresql://", "postgres://"))
        self._conn: Any
        try:
            if self._postgres:
                try:
                    import psycopg
                except ImportError:
                    raise ConfigError(
                        "a postgresql:// database needs psycopg (pip install 'psycopg[binary]')",
                        key="database_url",
                    ) from None
                self._conn = psycopg.connect(url, autocommit=True)
            else:
                path = ":memory:" if url == "memory:" else url.removeprefix("sqlite://")
                self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                self._conn.execute("PRAGMA busy_timeout = 5000")
            blob = "BYTEA" if self._postgres else "BLOB"
            for statement in _SCHEMA:
                self._execute(statement.format(blob=blob), ())
        except StorageError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(
                f"cannot open the portal tables: {exc}", database=_safe(url)
            ) from None
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):
                raise StorageError(
                    f"cannot open the portal tables: {type(exc).__name__}", database=_safe(url)
                ) from None
            raise

    def _execute(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        if self._postgres:
            sql = sql.replace("?", "%s")
        with self._lock, self._query_errors():
            cursor = self._conn.execute(sql, tuple(params))
            rows = cursor.fetchall() if cursor.description else []
        return [tuple(row) for row in rows]

    @contextlib.contextmanager
    def _query_errors(self) -> Iterator[None]:
        """Turn a driver's error into StorageError naming the database (no password)."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"portal query failed: {exc}", database=_safe(self.url)) from None
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):
                raise StorageError(
                    f"portal query failed: {type(exc).__name__}", database=_safe(self.url)
                ) from None
            raise

    def _execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many rows in a single transaction."""
        if not rows:
            return
        if self._postgres:
            sql = sql.replace("?", "%s")
        with self._lock, self._query_errors():
            if self._postgres:
                with self._conn.transaction(), self._conn.cursor() as cursor:
                    cursor.executemany(sql, [tuple(row) for row in rows])
            else:
                self._conn.execute("BEGIN")
                try:
                    self._conn.executemany(sql, [tuple(row) for row in rows])
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")

    # users
    def add_user(self, user: User) -> None:
        """Insert a new user; StorageError when the name is taken."""
        self._execute(
            "INSERT INTO portal_users VALUES (?, ?, ?, ?, ?)",
            (user.username, user.role, user.password_hash, int(user.active), user.created_at),
        )

    def user(self, username: str) -> User | None:
        """The user of that name, or None."""
        rows = self._execute(
            "SELECT username, role, password_hash, active, created_at FROM portal_users "
            "WHERE username = ?",
            (username,),
        )
        return None if not rows else _user(rows[0])

    def users(self) -> list[User]:
        """Every user, by name."""
        rows = self._execute(
            "SELECT username, role, password_hash, active, created_at FROM portal_users "
            "ORDER BY username",
            (),
        )
        return [_user(row) for row in rows]

    def set_active(self, username: str, active: bool) -> None:
        """Enable or disable an account (its sessions end when disabled)."""
        self._execute(
            "UPDATE portal_users SET active = ? WHERE username = ?", (int(active), username)
        )
        if not active:
            self._execute("DELETE FROM portal_sessions WHERE username = ?", (username,))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace a user's Argon2 hash (after a rehash or a reset)."""
        self._execute(
            "UPDATE portal_users SET password_hash = ? WHERE username = ?",
            (password_hash, username),
        )

    # sessions
    def add_session(self, token_sha256: str, username: str, csrf: str, expires: float) -> None:
        """Store a session by the SHA-256 of its token."""
        self._execute(
            "INSERT INTO portal_sessions VALUES (?, ?, ?, ?)",
            (token_sha256, username, csrf, expires),
        )

    def session(self, token_sha256: str) -> tuple[str, str, float] | None:
        """``(username, csrf, expires)`` of a session, or None."""
        rows = self._execute(
            "SELECT username, csrf, expires FROM portal_sessions WHERE token_sha256 = ?",
            (token_sha256,),
        )
        if not rows:
            return None
        username, csrf, expires = rows[0]
        return str(username), str(csrf), float(expires)

    def delete_session(self, token_sha256: str) -> None:
        """End one session."""
        self._execute("DELETE FROM portal_sessions WHERE token_sha256 = ?", (token_sha256,))

    def delete_expired_sessions(self, now: float) -> None:
        """Drop every session past its expiry."""
        self._execute("DELETE FROM portal_sessions WHERE expires < ?", (now,))

    # reports
    def add_report(self, report: StoredReport, html: bytes) -> bool:
        """Store a report unless one with the same SHA-256 exists; True when stored."""
        if self.report(report.sha256) is not None:
            return False
        self._execute(
            "INSERT INTO portal_reports VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                report.sha256,
                report.title,
                report.size,
                report.uploaded_by,
                report.uploaded_at,
                int(report.published),
                html,
            ),
        )
        return True

    def report(self, sha256: str) -> StoredReport | None:
        """A report's metadata, or None."""
        rows = self._execute(
            "SELECT sha256, title, size, uploaded_by, uploaded_at, published "
            "FROM portal_reports WHERE sha256 = ?",
            (sha256,),
        )
        return None if not rows else _report(rows[0])

    def reports(self, *, published_only: bool) -> list[StoredReport]:
        """Reports, newest first (published ones only when asked)."""
        where = "WHERE published = 1 " if published_only else ""
        rows = self._execute(
            "SELECT sha256, title, size, uploaded_by, uploaded_at, published "
            f"FROM portal_reports {where}ORDER BY uploaded_at DESC, sha256",
            (),
        )
        return [_report(row) for row in rows]

    def report_html(self, sha256: str) -> bytes | None:
        """The stored bytes of a report, exactly as uploaded."""
        rows = self._execute("SELECT html FROM portal_reports WHERE sha256 = ?", (sha256,))
        return None if not rows else bytes(rows[0][0])

    def publish_report(self, sha256: str) -> None:
        """Make a report public."""
        self._execute("UPDATE portal_reports SET published = 1 WHERE sha256 = ?", (sha256,))

    # API tokens (by SHA-256 only)
    def add_token(self, sha256: str, role: str, subject: str, created_at: str) -> None:
        """Store an API token by its SHA-256."""
        self._execute(
            "INSERT INTO portal_tokens VALUES (?, ?, ?, ?, 0)", (sha256, role, subject, created_at)
        )

    def token(self, sha256: str) -> tuple[str, str] | None:
        """``(role, subject)`` of a live (not revoked) token, or None."""
        rows = self._execute(
            "SELECT role, subject FROM portal_tokens WHERE sha256 = ? AND revoked = 0", (sha256,)
        )
        return None if not rows else (str(rows[0][0]), str(rows[0][1]))

    def tokens(self) -> list[tuple[str, str, str, str, bool]]:
        """``(sha256, role, subject, created_at, revoked)`` of every token, newest first."""
        rows = self._execute(
            "SELECT sha256, role, subject, created_at, revoked FROM portal_tokens "
            "ORDER BY created_at DESC, sha256",
            (),
        )
        return [(str(a), str(b), str(c), str(d), bool(e)) for a, b, c, d, e in rows]

    def revoke_token(self, sha256: str) -> None:
        """Revoke a token (kept, marked revoked)."""
        self._execute("UPDATE portal_tokens SET revoked = 1 WHERE sha256 = ?", (sha256,))

    # what the scorecards' figures read: entry index -> (system, record time), nothing else
    def remember_records(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Store ``(entry index, system id, record time)`` of opened bodies (kept if known)."""
        for first in range(0, len(rows), _CHUNK):
            self._execute_many(
                "INSERT INTO portal_record_systems VALUES (?, ?, ?) "
                "ON CONFLICT (entry_index) DO NOTHING",
                rows[first : first + _CHUNK],
            )

    def remembered_records(self, indexes: Sequence[int]) -> dict[int, tuple[str, str]]:
        """``index -> (system id, record time)`` for those of ``indexes`` stored."""
        found: dict[int, tuple[str, str]] = {}
        wanted = sorted(set(indexes))
        for first in range(0, len(wanted), _CHUNK):
            chunk = wanted[first : first + _CHUNK]
            rows = self._execute(
                "SELECT entry_index, system_id, record_time FROM portal_record_systems "
                f"WHERE entry_index IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.update({int(i): (str(system), str(when)) for i, system, when in rows})
        return found

    def last_remembered_record(self) -> int:
        """The highest entry index stored by :meth:`remember_records` (-1: none)."""
        rows = self._execute("SELECT MAX(entry_index) FROM portal_record_systems", ())
        return -1 if not rows or rows[0][0] is None else int(rows[0][0])

    def figures_state(self, name: str, default: str) -> str:
        """A stored value of the figures' state; ``default`` is stored first if there is none."""
        self._execute(
            "INSERT INTO portal_figures_state VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, default),
        )
        rows = self._execute("SELECT value FROM portal_figures_state WHERE name = ?", (name,))
        return str(rows[0][0])

    # the sign-in rate limiter's counters (shared by every process of this database)
    def count_attempt(self, key: str, now: float, window: float) -> int:
        """Add one attempt to ``key``'s window and return its count, atomically.

        A window starts at the first attempt after the previous one ended; an attempt
        at or after ``window_start + window`` starts a new window with count 1. One
        ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement, so concurrent
        processes never lose an increment (SQLite serialises writers; PostgreSQL locks
        the row).
        """
        rows = self._execute(
            "INSERT INTO portal_login_limits VALUES (?, ?, 1) "
            "ON CONFLICT (limit_key) DO UPDATE SET "
            "attempts = CASE WHEN portal_login_limits.window_start <= ? THEN 1 "
            "ELSE portal_login_limits.attempts + 1 END, "
            "window_start = CASE WHEN portal_login_limits.window_start <= ? THEN ? "
            "ELSE portal_login_limits.window_start END RETURNING attempts",
            (key, now, now - window, now - window, now),
        )
        return int(rows[0][0])

    def uncount_attempt(self, key: str) -> None:
        """Take back one attempt of ``key`` (one that turned out not to count)."""
        self._execute(
            "UPDATE portal_login_limits SET attempts = attempts - 1 "
            "WHERE limit_key = ? AND attempts > 0",
            (key,),
        )

    def clear_attempts(self, key: str) -> None:
        """Forget ``key``'s attempts."""
        self._execute("DELETE FROM portal_login_limits WHERE limit_key = ?", (key,))

    def expire_attempts(self, before: float) -> None:
        """Drop every window that started before ``before`` (it has ended)."""
        self._execute("DELETE FROM portal_login_limits WHERE window_start < ?", (before,))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def _user(row: tuple[Any, ...]) -> User:
    return User(str(row[0]), str(row[1]), str(row[2]), bool(row[3]), str(row[4]))


def _report(row: tuple[Any, ...]) -> StoredReport:
    return StoredReport(
        str(row[0]), str(row[1]), int(row[2]), str(row[3]), str(row[4]), bool(row[5])
    )


def _safe(url: str) -> str:
    """The database named without its password."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    return url
