"""A helper process that seals the slices of large batches on a second core.

The append path of a large batch is one core's Python (``docs/explanation/ledger.md``,
"Speed"): per record, serialising and deciding, then sealing the body, committing to
it and hashing the leaf. Threads cannot share that work (the interpreter lock), so
the sealing half runs in a child process (:mod:`mohtasib.ledger._sealworker`, started
as a script so it imports only the standard library and PyNaCl) while this process
serialises the next slice and hands the previous one to SQLite.

The child is one per process, started in the background the first time a large
batch asks for it and used only once it has said it is ready; until then, while
another ledger of the process is using it, after it failed, and on a machine with one
CPU, slices are sealed in the appending process itself. The child gets the batch's
shared sealing key (never the oversight body's private key, which the appending
process does not hold either) and the records' canonical JSON, over pipes private to
the two processes; it exits when this process closes the pipe or ends, SIGKILL
included. Randomness (salts, nonces) is drawn here and sent with each slice, so what
the child returns is exactly what :meth:`BodySealer.seal_many
<mohtasib.ledger._sealing.BodySealer.seal_many>` would have returned here.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from mohtasib.ledger import _sealworker
from mohtasib.ledger._sealworker import ANSWER, ANSWER_HEAD, READY, encode_request

__all__ = [
    "HelperFailed",
    "SealHelper",
    "borrow",
    "running",
    "shutdown",
    "start",
    "usable_cpus",
]

_log = logging.getLogger("mohtasib.ledger")
_WORKER = Path(_sealworker.__file__)
#: Seconds a helper may take to say it is ready before large batches stop waiting for it.
START_TIMEOUT = 30.0
PIPE_SIZE = 1 << 20


class HelperFailed(Exception):
    """The helper process ended or answered with an error (the slice is sealed here)."""


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class SealHelper:
    """One child process running :func:`mohtasib.ledger._sealworker.serve`.

    :meth:`submit` writes a slice; :meth:`collect` reads the answer to the oldest
    slice not yet collected (requests are answered in order). Either raises
    :class:`HelperFailed` when the child has gone or reported an error.
    """

    def __init__(self) -> None:
        command = [sys.executable, "-P", str(_WORKER)]  # -P: no script directory on sys.path
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin: IO[bytes] = self._process.stdin
        self._stdout: IO[bytes] = self._process.stdout
        for stream in (self._stdin, self._stdout):
            _widen(stream)
        self._ready = threading.Event()
        self.failed = False
        self.answered = 0  # slices sealed and collected (tests, benchmarks)
        self._sent = 0  # sequence number of the next slice sent
        self.busy = threading.Lock()  # held by the batch using the helper
        threading.Thread(target=self._await_ready, name="mohtasib-seal-start", daemon=True).start()

    def _await_ready(self) -> None:
        try:
            said = self._stdout.read(len(READY))
        except (OSError, ValueError):
            said = b""
        if said != READY:
            self.failed = True
            _log.warning("the ledger's sealing helper process did not start; sealing in-process")
        self._ready.set()  # settled: ready, or failed

    @property
    def ready(self) -> bool:
        """True once the child has started and said so (and has not failed since)."""
        return self._ready.is_set() and not self.failed

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Wait until the child is ready (tests, benchmarks); True when it is."""
        self._ready.wait(timeout)
        return self.ready

    def submit(
        self,
        key: bytes,
        prefix: bytes,
        head: bytes,
        fresh: bytes,
        documents: Sequence[bytes],
        tails: Sequence[bytes],
        index: Sequence[int],
    ) -> None:
        """Send one slice (see :func:`~mohtasib.ledger._sealworker.encode_request`)."""
        parts = encode_request(self._sent, key, prefix, head, fresh, documents, tails, index)
        self._sent = (self._sent + 1) % 2**32
        try:
            for part in parts:
                self._stdin.write(part)
            self._stdin.flush()
        except (OSError, ValueError) as exc:
            self._fail(f"could not send a slice: {exc}")

    def collect(
        self, leaf_sizes: Sequence[int], body_sizes: Sequence[int]
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """The leaf hashes, leaves and bodies of the oldest slice sent, in record order."""
        count = len(leaf_sizes)
        try:
            magic, status, sequence = ANSWER_HEAD.unpack(self._stdout.read(ANSWER_HEAD.size))
            if magic != ANSWER:
                self._fail(f"answer starts with {magic!r}")
            if status != 0:
                length = int.from_bytes(self._stdout.read(4), "little")
                self._fail(self._stdout.read(length).decode("utf-8", "replace"))
            if sequence != self.answered % 2**32:
                self._fail(f"answer {sequence} where {self.answered % 2**32} was due")
            hashes_end = 32 * count
            leaves_end = hashes_end + sum(leaf_sizes)
            size = leaves_end + sum(body_sizes)
            blob = self._stdout.read(size)
        except (OSError, ValueError, struct.error) as exc:
            self._fail(f"could not read an answer: {exc}")
        if len(blob) != size:
            self._fail(f"answer ended after {len(blob)} of {size} bytes")
        self.answered += 1
        hashes = [blob[at : at + 32] for at in range(0, hashes_end, 32)]
        return hashes, _cut(blob, hashes_end, leaf_sizes), _cut(blob, leaves_end, body_sizes)

    def _fail(self, why: str) -> None:
        if not self.failed:
            _log.warning("the ledger's sealing helper process failed (%s); sealing in-process", why)
        self.failed = True
        self.close()
        raise HelperFailed(why)

    def close(self) -> None:
        """Close the pipes; the child exits at the end of its input."""
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _widen(stream: IO[bytes]) -> None:
    """Give a pipe room for a whole slice (1 MiB; Linux's ``F_SETPIPE_SZ``, else as it is).

    With the default 64 KiB, a slice (about 120 KiB sent, 160 KiB answered) fills the
    pipe, and each process waits for the other to drain it several times per slice.
    """
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except (ImportError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default size works too


def _cut(blob: bytes, start: int, sizes: Sequence[int]) -> list[bytes]:
    ends = list(itertools.accumulate(sizes, initial=start))
    return [blob[a:b] for a, b in itertools.pairwise(ends)]


class _State:
    """The module's one helper per process, guarded by ``lock``."""

    lock = threading.Lock()
    helper: SealHelper | None = None
    owner_pid = 0  # the process that started ``helper`` (a forked child starts its own)
    cannot_start = 0  # the process in which starting one failed (not tried again there)


@contextlib.contextmanager
def borrow() -> Iterator[SealHelper | None]:
    """Lend the process's helper, when it is ready and no other batch is using it; else None.

    The first call starts the helper in the background and yields None; so do calls on
    a machine with one usable CPU (a second process would only compete with the first).
    """
    helper = start()
    if helper is None or not helper.ready or not helper.busy.acquire(blocking=False):
        yield None
        return
    try:
        yield helper
    finally:
        helper.busy.release()


def start() -> SealHelper | None:
    """Return the process's helper, started now if it was not (None with one usable CPU)."""
    if usable_cpus() < 2 or not sys.executable:
        return None
    pid = os.getpid()
    with _State.lock:
        if _State.cannot_start == pid:
            return None
        if _State.helper is None or _State.owner_pid != pid:
            try:
                _State.helper, _State.owner_pid = SealHelper(), pid
            except OSError as exc:  # no interpreter to run, no processes left, ...
                _State.cannot_start = pid
                _log.warning("cannot start the ledger's sealing helper process (%s); "
                             "sealing in-process", exc)  # fmt: skip
                return None
        return _State.helper


def running() -> SealHelper | None:
    """Return the process's helper if one was started here (none is started)."""
    with _State.lock:
        return _State.helper if _State.owner_pid == os.getpid() else None


def shutdown() -> None:
    """Stop this process's helper (it is started again when next needed)."""
    with _State.lock:
        helper = _State.helper if _State.owner_pid == os.getpid() else None
        _State.helper = None
    if helper is not None:
        helper.close()


atexit.register(shutdown)
