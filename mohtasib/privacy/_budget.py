"""The privacy-budget ledger: a JSON file that records every differentially private release.

Releases compose sequentially: ``k`` releases that are ``(ε_i, δ_i)``-differentially
private are, together, ``(Σ ε_i, Σ δ_i)``-differentially private (basic composition,
Dwork, McSherry, Nissim & Smith 2006; Dwork & Roth 2014, Theorem 3.16). The ledger sums
what was spent and refuses a release that would take either sum past its total.

File layout (``format`` ``mohtasib-privacy-budget/1``)::

    {"format": "mohtasib-privacy-budget/1",
     "total": {"epsilon": 3.0, "delta": 1e-06},
     "spent": [{"timestamp": "2025-01-01T00:00:00+00:00", "description": "...",
                "epsilon": 1.0, "delta": 0.0, "mechanism": "laplace"}]}

The file is replaced atomically (temporary file, ``fsync``, ``os.replace``) and only
after a release succeeded. Concurrent writers are kept apart by an exclusive, non-blocking
lock on ``BUDGET.json.lock``: a second writer fails at once with
:class:`~mohtasib.errors.StoreConflict` rather than waiting or overwriting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mohtasib.errors import ConfigError, PolicyViolation, StoreConflict

__all__ = [
    "BUDGET_FORMAT",
    "BudgetEntry",
    "PrivacyBudget",
    "atomic_write_text",
    "locked_budget_file",
]

#: The ``format`` value of a budget file written by this version.
BUDGET_FORMAT = "mohtasib-privacy-budget/1"

# Sums of floats drift (0.1 + 0.2 > 0.3); a release that fits up to this relative slack fits.
_SLACK = 1e-9


@dataclass(frozen=True)
class BudgetEntry:
    """One release charged to a budget.

    Attributes
    ----------
    timestamp
        When the release was made, ISO 8601 in UTC.
    description
        What was released (free text chosen by the data holder).
    epsilon, delta
        The privacy parameters the release was calibrated to (``delta`` 0 for pure DP).
    mechanism
        ``laplace`` or ``gaussian``.
    """

    timestamp: str
    description: str
    epsilon: float
    delta: float
    mechanism: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view."""
        return {
            "timestamp": self.timestamp,
            "description": self.description,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "mechanism": self.mechanism,
        }


@dataclass(frozen=True)
class PrivacyBudget:
    """A total privacy budget and the releases charged to it.

    Parameters
    ----------
    total_epsilon
        The total ε the data holder allows across every release. Requires ``> 0``.
    total_delta
        The total δ. Requires ``0 <= total_delta < 1``; 0 allows only pure-DP releases.
    spent
        The releases made so far, oldest first.
    """

    total_epsilon: float
    total_delta: float = 0.0
    spent: tuple[BudgetEntry, ...] = field(default=())

    def __post_init__(self) -> None:
        if not (math.isfinite(self.total_epsilon) and self.total_epsilon > 0):
            raise ConfigError(f"got total epsilon {self.total_epsilon}; want a number > 0")
        if not (math.isfinite(self.total_delta) and 0 <= self.total_delta < 1):
            raise ConfigError(f"got total delta {self.total_delta}; want 0 <= delta < 1")

    @property
    def spent_epsilon(self) -> float:
        """Σ ε over the releases made (sequential composition)."""
        return math.fsum(e.epsilon for e in self.spent)

    @property
    def spent_delta(self) -> float:
        """Σ δ over the releases made (sequential composition)."""
        return math.fsum(e.delta for e in self.spent)

    @property
    def remaining_epsilon(self) -> float:
        """ε still available (never below 0)."""
        return max(0.0, self.total_epsilon - self.spent_epsilon)

    @property
    def remaining_delta(self) -> float:
        """δ still available (never below 0)."""
        return max(0.0, self.total_delta - self.spent_delta)

    def check(self, epsilon: float, delta: float = 0.0) -> None:
        """Raise unless a release of ``(epsilon, delta)`` fits in what remains.

        Raises
        ------
        PolicyViolation
            The release would take Σ ε or Σ δ past its total.
        """
        for name, want, spent, total in (
            ("epsilon", epsilon, self.spent_epsilon, self.total_epsilon),
            ("delta", delta, self.spent_delta, self.total_delta),
        ):
            if want > 0 and spent + want > total * (1 + _SLACK):
                raise PolicyViolation(
                    f"privacy budget exhausted: this release needs {name} {want:g} but only "
                    f"{max(0.0, total - spent):g} of the total {total:g} remains "
                    f"({len(self.spent)} release(s) made); nothing was released"
                )

    def charge(
        self, *, epsilon: float, delta: float, mechanism: str, description: str
    ) -> PrivacyBudget:
        """Return a new budget with one more release; :meth:`check` it first."""
        self.check(epsilon, delta)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        entry = BudgetEntry(now, description, float(epsilon), float(delta), mechanism)
        return replace(self, spent=(*self.spent, entry))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON view (the file layout, plus the sums)."""
        return {
            "format": BUDGET_FORMAT,
            "total": {"epsilon": self.total_epsilon, "delta": self.total_delta},
            "spent": [e.to_dict() for e in self.spent],
            "spent_total": {"epsilon": self.spent_epsilon, "delta": self.spent_delta},
            "remaining": {"epsilon": self.remaining_epsilon, "delta": self.remaining_delta},
        }

    @classmethod
    def from_dict(cls, data: Any, *, path: str | None = None) -> PrivacyBudget:
        """Build a budget from its JSON view.

        Raises
        ------
        ConfigError
            The layout is not a ``mohtasib-privacy-budget/1`` file.
        """
        if not isinstance(data, dict) or data.get("format") != BUDGET_FORMAT:
            raise ConfigError(
                f"not a privacy-budget file; want format {BUDGET_FORMAT!r}", path=path
            )
        try:
            total = data["total"]
            entries = tuple(
                BudgetEntry(
                    str(e["timestamp"]),
                    str(e.get("description", "")),
                    float(e["epsilon"]),
                    float(e.get("delta", 0.0)),
                    str(e.get("mechanism", "")),
                )
                for e in data.get("spent", [])
            )
            return cls(float(total["epsilon"]), float(total.get("delta", 0.0)), entries)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"malformed privacy-budget file: {exc!r}", path=path) from None

    @classmethod
    def load(cls, path: str | Path) -> PrivacyBudget:
        """Read a budget file.

        Raises
        ------
        ConfigError
            The file is missing, not JSON, or not a budget file.
        """
        file = Path(path)
        if not file.is_file():
            raise ConfigError(
                "privacy-budget file not found; create it with PrivacyBudget(...).save(path) "
                "or `mohtasib privacy release ... --budget-total EPSILON`",
                path=str(path),
            )
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"cannot read the privacy-budget file: {exc}", path=str(path)
            ) from None
        return cls.from_dict(data, path=str(path))

    @classmethod
    def open_or_create(
        cls, path: str | Path, *, total_epsilon: float, total_delta: float = 0.0
    ) -> PrivacyBudget:
        """Create the budget file with these totals if absent; else check it has them.

        Creation happens under the file's lock, so two first releases cannot both
        create a fresh ledger and lose each other's entries.

        Raises
        ------
        ConfigError
            The file exists with other totals (a ledger is never re-initialised).
        StoreConflict
            Another process holds the lock.
        """
        wanted = cls(total_epsilon, total_delta)
        with locked_budget_file(path) as file:
            if not file.exists():
                wanted.save(file)
                return wanted
            found = cls.load(file)
        if (found.total_epsilon, found.total_delta) != (wanted.total_epsilon, wanted.total_delta):
            raise ConfigError(
                f"the budget file has totals epsilon {found.total_epsilon:g}, delta "
                f"{found.total_delta:g}; got epsilon {total_epsilon:g}, delta {total_delta:g}. "
                "A budget's totals never change: drop the totals or use a new file",
                path=str(path),
            )
        return found

    def save(self, path: str | Path) -> None:
        """Write the budget to ``path`` atomically (temporary file, fsync, rename)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        atomic_write_text(Path(path), text)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never a part."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def locked_budget_file(path: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on ``PATH.lock`` for one read-check-release-write cycle.

    The lock is ``fcntl.flock`` (POSIX), released by the operating system if the process
    dies, so a crash leaves no stale lock behind.

    Raises
    ------
    StoreConflict
        Another process holds the lock (a release on this budget is under way).
    """
    import fcntl

    file = Path(path)
    lock = file.with_name(file.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreConflict(
                f"{file}: another release holds the privacy-budget lock {lock}; "
                "try again when it has finished"
            ) from None
        yield file
    finally:
        os.close(fd)  # closing the descriptor releases the flock
