"""The mohtasib exception tree.

::

    MohtasibError
    ├── InputError               bad data: names the file, row and column and what was expected
    ├── InsufficientDataError    too little data for the requested analysis
    ├── ConfigError              bad audit configuration or settings
    ├── MissingExtraError        an optional extra (server, spark, faces) is not installed
    ├── PolicyViolation          an access record breaks the access policy
    ├── StoreConflict            another writer appended to the ledger first
    ├── StorageError             the ledger's database failed (locked, corrupt, unreachable)
    └── VerificationError        a proof or checkpoint does not verify
        ├── RootMismatch
        └── InconsistentTreeHead

Errors carry their evidence ("got X, want Y", the file, row and column). They are
translated to exit codes (CLI) or HTTP statuses (portal) only at those edges.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InconsistentTreeHead",
    "InputError",
    "InsufficientDataError",
    "MissingExtraError",
    "MohtasibError",
    "PolicyViolation",
    "RootMismatch",
    "StorageError",
    "StoreConflict",
    "VerificationError",
]


class MohtasibError(Exception):
    """Base class of every error mohtasib raises on purpose."""

    exit_code = 1


class InputError(MohtasibError):
    """Input data do not meet the data contract.

    Parameters
    ----------
    message
        What was wrong and what was expected.
    source
        The file (or table name) the data came from.
    row
        The 1-based data row (header excluded) where the problem was found, if any.
    column
        The column concerned, if any.
    """

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.row = row
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.source is not None:
            where.append(f"file {self.source}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InsufficientDataError(MohtasibError):
    """There are too few rows, events or groups for the analysis asked for."""

    exit_code = 5


class ConfigError(MohtasibError):
    """An audit configuration, option or ``MOHTASIB_*`` setting is invalid.

    Parameters
    ----------
    message
        What was wrong and what was expected.
    path
        The configuration file, if any.
    key
        The dotted key inside the configuration, if any (``sections.fairness.label``).
    """

    exit_code = 4

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.message = message
        self.path = path
        self.key = key
        where = ", ".join(
            part
            for part in (
                f"file {path}" if path else "",
                f"key {key!r}" if key else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class MissingExtraError(MohtasibError):
    """An optional feature needs an extra that is not installed.

    The message names the install command, e.g. ``pip install 'mohtasib[spark]'``.
    """

    exit_code = 6

    def __init__(self, feature: str, extra: str) -> None:
        self.feature = feature
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional extra {extra!r}: "
            f"install it with: pip install 'mohtasib[{extra}]'"
        )


class PolicyViolation(MohtasibError):
    """An access to surveillance data breaks the access policy."""

    exit_code = 7


class StoreConflict(MohtasibError):
    """Another writer appended first: the batch was built for a size the log no longer has."""

    exit_code = 9


class StorageError(MohtasibError):
    """The ledger's database failed: locked past its busy timeout, corrupt, or unreachable.

    Raised by the stores in place of ``sqlite3.Error`` and ``psycopg.Error``, with
    the database and the driver's message as evidence. Nothing was committed by
    the operation that failed; retry once the database is available.

    Parameters
    ----------
    message
        What failed, with the driver's message.
    database
        The SQLite file, or the PostgreSQL host and database (never a password).
    """

    exit_code = 10

    def __init__(self, message: str, *, database: str | None = None) -> None:
        self.message = message
        self.database = database
        super().__init__(f"ledger database {database}: {message}" if database else message)


class VerificationError(MohtasibError):
    """A proof, signature or checkpoint does not verify."""

    exit_code = 8


class RootMismatch(VerificationError):
    """A recomputed Merkle root differs from the expected root.

    ``expected`` and ``calculated`` hold the two 32-byte roots.
    """

    def __init__(self, message: str, *, expected: bytes, calculated: bytes) -> None:
        self.expected = expected
        self.calculated = calculated
        super().__init__(message)


class InconsistentTreeHead(VerificationError):
    """Two tree heads cannot both be views of one append-only log."""
