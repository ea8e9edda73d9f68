"""A helper process that seals the slices of large batches on a second core.

The append path of a large batch is one core's Python (``bench/RESULTS.md``, access
ledger): per record, serialising and deciding, then sealing the body, committing to
it and hashing the leaf. Threads cannot share that work (the interpreter lock), so
the sealing half runs in a child process (:mod:`mohtasib.ledger._sealworker`, started
as a script so it imports only the standard library and PyNaCl) while this process
serialises the next slice and hands the previous one to SQLite.

The child is one per process, started in the background the first time a large
batch asks for it and used only once it has said it is ready; until then, while
another ledger of the process is using it, for a minute after it failed, and on a
machine with one CPU, slices are sealed in the appending process itself. It is never
started where ``MOHTASIB_SEALING_PROCESS`` is ``0``/``false``/``no``/``off``, in a
frozen application, or where ``sys.executable`` does not look like a Python
interpreter (an embedding server's own binary). The child gets the batch's shared
sealing key (never the oversight body's private key, which the appending process
does not hold either) and the records' canonical JSON, over pipes private to the two
processes; it exits when this process closes the pipe or ends, SIGKILL included.
Randomness (salts, nonces) is drawn here and sent with each slice, so what the child
returns is exactly what :meth:`BodySealer.seal_many
<mohtasib.ledger._sealing.BodySealer.seal_many>` would have returned here.

Every wait on the child has a deadline (:data:`START_TIMEOUT`, :data:`ANSWER_TIMEOUT`):
a child that is alive but stuck is killed and the slice sealed here, so the commit
lock is never held on it for longer. Each slice carries a sequence number that its
answer echoes and the reader checks against the slice it expects; any failure while
a slice is on its way (an interrupt included) kills the child rather than leave the
pipes out of step.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, ClassVar

from mohtasib.ledger import _sealworker
from mohtasib.ledger._sealworker import ANSWER, ANSWER_HEAD, READY, encode_request

__all__ = [
    "HelperFailed",
    "SealHelper",
    "borrow",
    "enabled",
    "running",
    "shutdown",
    "start",
    "usable_cpus",
]

_log = logging.getLogger("mohtasib.ledger")
_WORKER = Path(_sealworker.__file__)
#: Environment variable that turns the helper off for the whole process (``0``, ``false``).
ENV = "MOHTASIB_SEALING_PROCESS"
#: Seconds the child may take to start; then it is killed and slices are sealed here.
START_TIMEOUT = 30.0
#: Seconds to wait for one answer (a slice takes milliseconds); then the child is killed.
ANSWER_TIMEOUT = 30.0
#: Seconds after a failure before the process starts a new helper.
RESTART_AFTER = 60.0
PIPE_SIZE = 1 << 20


class HelperFailed(Exception):
    """The helper process ended, stalled or answered with an error (the slice is sealed here)."""


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def enabled() -> bool:
    """Whether this process may start a helper (CPUs, interpreter, ``MOHTASIB_SEALING_PROCESS``)."""
    if os.environ.get(ENV, "").strip().lower() in {"0", "false", "no", "off"}:
        return False
    if getattr(sys, "frozen", False) or not sys.executable:
        return False
    if not Path(sys.executable).name.lower().startswith("python"):
        return False
    return usable_cpus() >= 2


class SealHelper:
    """One child process running :func:`mohtasib.ledger._sealworker.serve`.

    :meth:`submit` writes a slice and returns its sequence number; :meth:`collect`
    reads the answer to the oldest slice not yet collected and checks that it is the
    one given. Either raises :class:`HelperFailed` (after killing the child) when the
    child has gone, stalled past its deadline or reported an error; any other
    exception on the way (an interrupt) kills the child too, and is re-raised.
    """

    def __init__(self) -> None:
        command = [sys.executable, "-P", str(_WORKER)]  # -P: no script directory on sys.path
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,  # raw pipes: every read below waits with a deadline (select)
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin: IO[bytes] = self._process.stdin
        self._stdout: IO[bytes] = self._process.stdout
        for stream in (self._stdin, self._stdout):
            _widen(stream)
        if os.name == "posix":  # writes wait with a deadline too (select), never block
            os.set_blocking(self._stdin.fileno(), False)
        self._settled = threading.Event()  # set once the child said it is ready, or failed
        self._closing = False
        self.failed = False
        self.failed_at = 0.0
        self.answered = 0  # answers read (tests, benchmarks)
        self._sent = 0  # sequence number of the next slice sent
        self.busy = threading.Lock()  # held by the batch using the helper
        self._starter = threading.Thread(
            target=self._await_ready, name="mohtasib-seal-start", daemon=True
        )
        self._starter.start()

    def _await_ready(self) -> None:
        try:
            said = self._read(len(READY), START_TIMEOUT)
        except (HelperFailed, OSError, ValueError):  # ended, stuck, or closed meanwhile
            said = b""
        if said != READY:
            self._mark_failed("did not start")
        self._settled.set()

    @property
    def ready(self) -> bool:
        """True once the child has started and said so (and has not failed since)."""
        return self._settled.is_set() and not self.failed

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Wait until the child is ready or has failed (tests, benchmarks); True when ready."""
        self._settled.wait(timeout)
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
    ) -> int:
        """Send one slice; return its sequence number (for :meth:`collect`)."""
        sequence = self._sent
        parts = encode_request(sequence, key, prefix, head, fresh, documents, tails, index)
        with self._guard("send a slice"):
            for part in parts:
                self._write(part)
        self._sent = (sequence + 1) % 2**32
        return sequence

    def collect(
        self, sequence: int, leaf_sizes: Sequence[int], body_sizes: Sequence[int]
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """The leaf hashes, leaves and bodies of slice ``sequence``, the oldest not collected."""
        count = len(leaf_sizes)
        with self._guard("read an answer"):
            magic, status, echoed = ANSWER_HEAD.unpack(self._read(ANSWER_HEAD.size))
            if magic != ANSWER:
                self._fail("answer does not start with the answer marker")
            if status != 0:
                length = int.from_bytes(self._read(4), "little")
                self._fail(self._read(length).decode("utf-8", "replace"))
            if echoed != sequence:
                self._fail(f"answer to slice {echoed} where slice {sequence} was due")
            hashes_end = 32 * count
            leaves_end = hashes_end + sum(leaf_sizes)
            blob = self._read(leaves_end + sum(body_sizes))
        self.answered += 1
        hashes = [blob[at : at + 32] for at in range(0, hashes_end, 32)]
        return hashes, _cut(blob, hashes_end, leaf_sizes), _cut(blob, leaves_end, body_sizes)

    @contextlib.contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Run a pipe operation; on any failure kill the child (HelperFailed, or re-raise)."""
        try:
            yield
        except HelperFailed:
            raise
        except (OSError, ValueError) as exc:
            self._fail(f"could not {doing}: {exc}")
        except BaseException:  # an interrupt half-way: the pipes are out of step
            self._mark_failed(f"interrupted while trying to {doing}")
            raise

    def _write(self, data: bytes) -> None:
        """Write all of ``data`` to the child, each wait at most :data:`ANSWER_TIMEOUT` s."""
        fd = self._stdin.fileno()
        view = memoryview(data)
        while view:
            if os.name == "posix" and not select.select([], [fd], [], ANSWER_TIMEOUT)[1]:
                self._fail(f"input not read for {ANSWER_TIMEOUT:g} s (the helper is stuck)")
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:  # the pipe filled between select and write
                continue

    def _read(self, size: int, timeout: float | None = None) -> bytes:
        """Exactly ``size`` bytes of the child's output, each wait at most ``timeout`` s."""
        limit = ANSWER_TIMEOUT if timeout is None else timeout
        fd = self._stdout.fileno()
        parts: list[bytes] = []
        got = 0
        while got < size:
            if os.name == "posix" and not select.select([fd], [], [], limit)[0]:
                self._fail(f"no output for {limit:g} s (the helper is stuck)")
            more = os.read(fd, size - got)
            if not more:
                self._fail(f"helper ended after {got} of {size} bytes")
            parts.append(more)
            got += len(more)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _fail(self, why: str) -> None:
        self._mark_failed(why)
        raise HelperFailed(why)

    def _mark_failed(self, why: str) -> None:
        """Kill the child (once) and log why; later slices are sealed in-process."""
        if not self.failed:
            self.failed, self.failed_at = True, time.monotonic()
            if not self._closing:
                _log.warning(
                    "the ledger's sealing helper process failed (%s); sealing in-process", why
                )
        with contextlib.suppress(OSError):
            self._process.kill()

    def close(self) -> None:
        """Close its input; wait a little for the child to exit, then kill it; close the rest."""
        self._closing = True
        with contextlib.suppress(OSError, ValueError):
            self._stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._starter.join(timeout=5)  # it sees the end of the output and stops
        with contextlib.suppress(OSError, ValueError):
            self._stdout.close()

    def forget(self) -> None:
        """Close this process's copies of the pipes, leaving the child to its parent (fork)."""
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        self._process.returncode = 0  # not ours to wait for: no "still running" warning


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

    lock: ClassVar[threading.Lock] = threading.Lock()
    helper: ClassVar[SealHelper | None] = None
    cannot_start: ClassVar[bool] = False  # starting one failed in this process (not retried)
    #: helpers of a parent process (after a fork), kept unclosed and unwaited here
    inherited: ClassVar[list[SealHelper]] = []


def _after_fork() -> None:
    """In a forked child: forget the parent's helper (and a lock a parent thread held)."""
    if _State.helper is not None:
        _State.helper.forget()
        _State.inherited.append(_State.helper)
    _State.lock, _State.helper, _State.cannot_start = threading.Lock(), None, False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


@contextlib.contextmanager
def borrow() -> Iterator[SealHelper | None]:
    """Lend the process's helper, when it is ready and no other batch is using it; else None.

    The first call starts the helper in the background and yields None; so do calls
    where :func:`enabled` says no (one usable CPU, say: a second process would only
    compete with the first).
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
    """Return the process's helper, started now if there is none (None where not enabled).

    A helper that failed is replaced :data:`RESTART_AFTER` seconds after its failure.
    """
    if not enabled():
        return None
    stale = None
    with _State.lock:
        if _State.cannot_start:
            return None
        helper = _State.helper
        if helper is not None and helper.failed:
            if time.monotonic() - helper.failed_at < RESTART_AFTER:
                return helper
            stale, helper = helper, None
        if helper is None:
            try:
                helper = _State.helper = SealHelper()
            except OSError as exc:  # no interpreter to run, no processes left, ...
                _State.cannot_start = True
                _log.warning("cannot start the ledger's sealing helper process (%s); "
                             "sealing in-process", exc)  # fmt: skip
                return None
    if stale is not None:
        stale.close()
    return helper


def running() -> SealHelper | None:
    """Return the process's helper if one was started (none is started)."""
    return _State.helper


def shutdown() -> None:
    """Stop this process's helper (a new one is started when next needed)."""
    with _State.lock:
        helper, _State.helper = _State.helper, None
    if helper is not None:
        helper.close()


atexit.register(shutdown)
