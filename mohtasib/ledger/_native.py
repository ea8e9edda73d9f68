"""The access ledger's optional C extension (``_fast``): sealing and tree hashing.

:func:`mohtasib.ledger._fast.seal_slice <seal_slice>` computes, for one slice of
records, the commitments, sealed bodies, leaves and leaf hashes that
:func:`~mohtasib.ledger._sealworker.seal_documents` and
:func:`~mohtasib.ledger._sealworker.leaves_and_hashes` compute in Python (the
reference; ``tests/ledger/test_native.py`` compares the two byte for byte), with
libsodium and OpenSSL, and with the interpreter lock released for the whole loop.
It therefore needs no second process to run on a second core: a thread of this
process seals one slice while the committing thread serialises the next
(:class:`SealThread`, which has the interface of the helper process,
:class:`~mohtasib.ledger._sealhelper.SealHelper`). Without a second core, slices
are sealed by the same C loop in the committing thread. :func:`hash_pairs` hashes
one level of the Merkle tree (RFC 9162 §2.1.1) the same way, so that the tree of a
large batch is hashed while the store's writer thread finishes its last insert.

The extension is built by ``setup.py`` where a C compiler and the libsodium and
OpenSSL headers are present, and is optional: without it, or where the environment
sets ``MOHTASIB_NATIVE`` to ``0``/``false``/``no``/``off`` (for comparisons), the
ledger does the same work in Python, sealing in the helper process where it may
start one. Either way the stored entries are the same bytes.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future

# Imported now, not on first use: at interpreter shutdown the lazy import fails (it
# registers an atexit hook), and a batch appended then must still go through.
from concurrent.futures import thread as _futures_thread
from types import ModuleType

from mohtasib.ledger import _sealhelper
from mohtasib.ledger._sealhelper import HelperFailed

_log = logging.getLogger("mohtasib.ledger")

__all__ = [
    "API_VERSION",
    "ENV",
    "SealThread",
    "available",
    "borrow",
    "documents",
    "hash_pairs",
    "seal_slice",
    "versions",
]

#: Environment variable that keeps the ledger from using the extension (``0``, ``false``, ...).
ENV = "MOHTASIB_NATIVE"


#: The ``API_VERSION`` of ``_fast.c`` this module calls: a build of older source (an
#: editable install's library after a pull, before ``make``) is not used.
API_VERSION = 2


def _load() -> ModuleType | None:
    try:
        module = importlib.import_module("mohtasib.ledger._fast")
    except ImportError:  # not built here (no compiler, libsodium or OpenSSL headers)
        return None
    if getattr(module, "API_VERSION", None) != API_VERSION:
        _log.warning(
            "the ledger's C extension at %s was built from other source (API %s, want %s); "
            "not using it: rebuild it with `make dev` or `pip install -e .`",
            module.__file__, getattr(module, "API_VERSION", None), API_VERSION,
        )  # fmt: skip
        return None
    return module


_NATIVE = _load()


def available() -> bool:
    """Whether the extension is built and not turned off by ``MOHTASIB_NATIVE``."""
    if _NATIVE is None:
        return False
    return os.environ.get(ENV, "").strip().lower() not in {"0", "false", "no", "off"}


def versions() -> dict[str, str] | None:
    """The libsodium and OpenSSL versions the extension was built with (None without it)."""
    if _NATIVE is None:
        return None
    return {"libsodium": _NATIVE.SODIUM_VERSION, "openssl": _NATIVE.OPENSSL_VERSION}


def seal_slice(
    key: bytes,
    prefix: bytes,
    head: bytes,
    fresh: bytes,
    documents: Sequence[bytes],
    tails: Sequence[bytes],
    index: Sequence[int],
) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Leaf hashes, leaves and bodies of one slice, sealed by the C loop (see the module)."""
    if _NATIVE is None:
        raise RuntimeError("the ledger's C extension (_fast) is not built")
    hashes, leaves, bodies = _NATIVE.seal_slice(key, prefix, head, fresh, documents, tails, index)
    return hashes, leaves, bodies


def documents(
    heads: Sequence[str], records: Sequence[object], between: str, suffix: str
) -> tuple[list[str], list[bytes]]:
    """Each record's ``time.isoformat()`` and canonical JSON, written in C.

    Document ``i`` is the UTF-8 of ``heads[i]``, the target as a JSON string,
    ``between``, the time's ``isoformat()`` as a JSON string and ``suffix``
    (:func:`mohtasib.ledger._records.canonical_documents`).
    """
    if _NATIVE is None:
        raise RuntimeError("the ledger's C extension (_fast) is not built")
    times, texts = _NATIVE.documents(heads, records, between, suffix)
    return times, texts


def hash_pairs(nodes: Sequence[bytes]) -> list[bytes]:
    """``SHA-256(0x01 || left || right)`` of each complete pair of ``nodes``, in C.

    One level of the tree from the level below (RFC 9162 §2.1.1); an unpaired last
    node is left out. The interpreter lock is released while it hashes.
    """
    if _NATIVE is None:
        raise RuntimeError("the ledger's C extension (_fast) is not built")
    parents: list[bytes] = _NATIVE.hash_pairs(nodes)
    return parents


class SealThread:
    """Seals the slices of one batch on a worker thread, in the order they are sent.

    The interface of :class:`~mohtasib.ledger._sealhelper.SealHelper` as the ledger uses
    it: :meth:`submit` hands a slice to the thread and returns its number,
    :meth:`collect` waits for that slice's leaf hashes, leaves and bodies. An error
    in the C loop is raised by :meth:`collect` as
    :class:`~mohtasib.ledger._sealhelper.HelperFailed` (the ledger then seals that
    slice itself and meets the same error) and marks the thread failed.
    """

    def __init__(self, pool: _futures_thread.ThreadPoolExecutor) -> None:
        self._pool = pool
        self._jobs: dict[int, Future[tuple[list[bytes], ...]]] = {}
        self._sent = 0
        self.failed = False

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
        """Queue one slice; return its number (for :meth:`collect`).

        HelperFailed when no thread can take it (the interpreter is shutting down, or
        the OS has no thread left to start): the ledger seals it itself.
        """
        sequence = self._sent
        try:
            self._jobs[sequence] = self._pool.submit(
                seal_slice, key, prefix, head, fresh, documents, tails, index
            )
        except RuntimeError as exc:
            self.failed = True
            raise HelperFailed(f"cannot start the sealing thread: {exc}") from exc
        self._sent += 1
        return sequence

    def collect(
        self, sequence: int, leaf_sizes: Sequence[int], body_sizes: Sequence[int]
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """The leaf hashes, leaves and bodies of slice ``sequence`` (waits for it).

        ``leaf_sizes`` and ``body_sizes`` are what the helper process needs to cut its
        answer; here the C loop returns each entry as its own object.
        """
        job = self._jobs.pop(sequence)
        try:
            hashes, leaves, bodies = job.result()
        except Exception as exc:
            self.failed = True
            raise HelperFailed(f"the C sealing loop failed: {type(exc).__name__}: {exc}") from exc
        return hashes, leaves, bodies


@contextlib.contextmanager
def borrow() -> Iterator[SealThread | None]:
    """A :class:`SealThread` for one batch, or None (sealed in the committing thread).

    None where the C loop is not available or fewer than two CPUs are usable. The
    worker thread is the batch's own: on the way out, slices not yet started are
    dropped and the one under way is waited for (milliseconds), so nothing of this
    batch runs once the next one starts.
    """
    if not available() or _sealhelper.usable_cpus() < 2:
        yield None
        return
    pool = _futures_thread.ThreadPoolExecutor(1, thread_name_prefix="mohtasib-seal")
    try:
        yield SealThread(pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
