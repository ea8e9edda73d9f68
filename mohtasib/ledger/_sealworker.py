"""The sealing loop of the ledger's append path, and the helper process that runs it.

Used two ways, with one implementation:

* imported (``mohtasib.ledger._sealworker``): :func:`seal_documents` is the loop behind
  :meth:`BodySealer.seal_many <mohtasib.ledger._sealing.BodySealer.seal_many>`;
* run as a script (``python .../_sealworker.py``): a helper process that seals slices
  of a large batch sent by :class:`~mohtasib.ledger._sealhelper.SealHelper` over its
  standard input and answers on its standard output, so that the sealing, the salted
  commitments and the RFC 9162 leaf hashes of one slice are computed on a second core
  while the appending process serialises the next slice and hands the previous one to
  SQLite (``docs/explanation/ledger.md``, "Speed").

The module imports only the standard library and PyNaCl's libsodium binding, so the
helper starts in a fraction of the time the ``mohtasib`` package takes to import.
It draws no randomness of its own: the salts and nonces of every record arrive with
the request, drawn by the appending process, so a slice sealed here is byte for byte
the slice that process would have sealed itself.

Wire format (``u16``/``u32``/``u64`` little-endian, except the per-record ``u16``/``u32``
arrays, which are in the machine's own byte order: both ends run on one machine). A
request::

    b"MTSQ" u32 sequence  u32 count  u32 key_len  u32 prefix_len  u32 head_len  u32 tails_count
    key  prefix  head  (u32 tail_len, tail) * tails_count
    u16 tail_index * count   u32 document_len * count   fresh (56 * count)   documents

and its answer, for the same ``count`` records in order::

    b"MTSA" u32 status(0)  u32 sequence  leaf hashes (32 * count)  leaves  bodies

with each leaf ``head + commitment + tails[tail_index]`` and each body
``prefix + nonce + crypto_box_easy_afternm(salt || document)``, so the requester knows
every length in advance, and checks that the sequence number is the one it expects. A
request the helper cannot read gets ``b"MTSA" u32 1 u32 0``, a ``u32`` length and a
UTF-8 reason, and the helper exits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import queue
import struct
import sys
import threading
from array import array
from collections.abc import Sequence
from typing import BinaryIO

from nacl import _sodium
from nacl.exceptions import CryptoError

SALT_SIZE = 32
NONCE_SIZE: int = _sodium.lib.crypto_box_noncebytes()
MAC_SIZE: int = _sodium.lib.crypto_box_macbytes()  # the Poly1305 tag, 16 bytes
KEY_SIZE: int = _sodium.lib.crypto_box_beforenmbytes()  # the shared key, 32 bytes
FRESH_SIZE = SALT_SIZE + NONCE_SIZE  # random bytes drawn per record
REQUEST = b"MTSQ"
ANSWER = b"MTSA"
READY = b"MTSR"
_HEADER = struct.Struct("<4sIIIIII")
#: An answer begins: magic, status (0 sealed, 1 refused), the request's sequence number.
ANSWER_HEAD = struct.Struct("<4sII")
_LENGTH = struct.Struct("<I")


def seal_documents(
    key: bytes, prefix: bytes, fresh: bytes, documents: Sequence[bytes]
) -> tuple[list[bytes], bytes, list[int]]:
    """Seal each document; return the commitments, every body in one buffer, the body sizes.

    Record ``i`` takes salt ``fresh[56i : 56i+32]`` and nonce ``fresh[56i+32 : 56i+56]``;
    its commitment is ``SHA-256(salt || document)`` and its body
    ``prefix || nonce || crypto_box_easy_afternm(salt || document, nonce, key)``
    (libsodium's ``crypto_box`` after the key derivation, which the caller did once;
    ``crypto_box_easy_afternm``'s output is ``crypto_box_afternm``'s without the 16 zero
    bytes it strips). One AEAD call and one SHA-256 per record, through PyNaCl's CFFI
    library object itself: the wrapper in ``nacl.bindings`` re-checks the nonce and key
    lengths and allocates an output buffer on every call, while here the key is checked
    once (by :class:`~mohtasib.ledger._sealing.BodySealer`), every nonce is a 24-byte
    slice by construction and all the bodies are written into one buffer.
    """
    if len(key) != KEY_SIZE:  # libsodium reads KEY_SIZE bytes whatever it is given
        raise CryptoError(f"shared key is {len(key)} bytes; want {KEY_SIZE}")
    head = len(prefix) + NONCE_SIZE
    sizes = [head + SALT_SIZE + len(document) + MAC_SIZE for document in documents]
    out = _sodium.ffi.new("unsigned char[]", max(1, sum(sizes)))
    view = _sodium.ffi.buffer(out)
    box, sha256 = _sodium.lib.crypto_box_easy_afternm, hashlib.sha256
    digests: list[bytes] = []
    add = digests.append
    failed = pos = 0
    for at, document, size in zip(range(0, len(fresh), FRESH_SIZE), documents, sizes, strict=True):
        nonce = fresh[at + SALT_SIZE : at + FRESH_SIZE]
        plain = fresh[at : at + SALT_SIZE] + document
        add(sha256(plain).digest())
        view[pos : pos + head] = prefix + nonce
        failed |= box(out + (pos + head), plain, len(plain), nonce, key)
        pos += size
    if failed:
        raise CryptoError("libsodium crypto_box_easy_afternm failed")
    return digests, view[:pos], sizes


def leaves_and_hashes(
    head: bytes, digests: Sequence[bytes], tails: Sequence[bytes], index: Sequence[int]
) -> tuple[list[bytes], list[bytes]]:
    """Leaf data ``head + digest + tails[index]`` of each record, and its leaf hash.

    The leaf hash is ``SHA-256(0x00 || leaf)`` (RFC 9162 §2.1.1).
    """
    sha256 = hashlib.sha256
    leaves = [head + digest + tails[i] for digest, i in zip(digests, index, strict=True)]
    return leaves, [sha256(b"\x00" + leaf).digest() for leaf in leaves]


def encode_request(
    sequence: int,
    key: bytes,
    prefix: bytes,
    head: bytes,
    fresh: bytes,
    documents: Sequence[bytes],
    tails: Sequence[bytes],
    tail_index: Sequence[int],
) -> list[bytes]:
    """The parts of one request (written one after the other; see the module docstring)."""
    table = b"".join(_LENGTH.pack(len(tail)) + tail for tail in tails)
    return [
        _HEADER.pack(
            REQUEST, sequence, len(documents), len(key), len(prefix), len(head), len(tails)
        ),
        key + prefix + head + table,
        array("H", tail_index).tobytes(),
        array("I", map(len, documents)).tobytes(),
        fresh,
        b"".join(documents),
    ]


class _Reader:
    """Exact reads from a binary stream; EOFError when it ends early."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int, *, first: bool = False) -> bytes | None:
        """``size`` bytes; None when the stream ends before the first byte of a ``first`` read."""
        parts: list[bytes] = []
        got = 0
        while got < size:
            more = self._stream.read(size - got)
            if not more:
                if first and not got:
                    return None
                raise EOFError(f"stream ended after {got} of {size} bytes")
            parts.append(more)
            got += len(more)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def exact(self, size: int) -> bytes:
        data = self.read(size)
        assert data is not None
        return data


@dataclasses.dataclass(frozen=True)
class _Request:
    sequence: int
    key: bytes
    prefix: bytes
    head: bytes
    tails: list[bytes]
    index: array[int]
    documents: list[bytes]
    fresh: bytes


def _cut(blob: bytes, lengths: Sequence[int]) -> list[bytes]:
    out, at = [], 0
    for length in lengths:
        out.append(blob[at : at + length])
        at += length
    return out


def _read_request(reader: _Reader) -> _Request | None:
    """The next request, read whole; None at the end of the stream."""
    header = reader.read(_HEADER.size, first=True)
    if header is None:
        return None
    magic, sequence, count, key_len, prefix_len, head_len, tails_count = _HEADER.unpack(header)
    if magic != REQUEST:
        raise ValueError("request does not start with the request marker")
    read = reader.exact
    key, prefix, head = read(key_len), read(prefix_len), read(head_len)
    table = [read(_LENGTH.unpack(read(_LENGTH.size))[0]) for _ in range(tails_count)]
    index = array("H")
    index.frombytes(read(2 * count))
    if any(i >= len(table) for i in index):
        raise ValueError("a record names a decision line the request does not hold")
    lengths = array("I")
    lengths.frombytes(read(4 * count))
    fresh = read(FRESH_SIZE * count)
    documents = _cut(read(sum(lengths)), lengths)
    return _Request(sequence, key, prefix, head, table, index, documents, fresh)


def _answer(request: _Request) -> list[bytes]:
    digests, bodies, _ = seal_documents(
        request.key, request.prefix, request.fresh, request.documents
    )
    leaves, hashes = leaves_and_hashes(request.head, digests, request.tails, request.index)
    head = ANSWER_HEAD.pack(ANSWER, 0, request.sequence)
    return [head, b"".join(hashes), b"".join(leaves), bodies]


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer requests until ``stdin`` ends (the appending process closed it or exited).

    Requests are read whole by a second thread, so the requester may write its next
    request while this thread is still writing an answer: neither pipe can fill up
    while both processes wait on each other.
    """
    reader = _Reader(stdin)
    jobs: queue.SimpleQueue[_Request | BaseException | None] = queue.SimpleQueue()

    def read_requests() -> None:
        try:
            while (request := _read_request(reader)) is not None:
                jobs.put(request)
            jobs.put(None)
        except BaseException as exc:  # answered with status 1 below
            jobs.put(exc)

    threading.Thread(target=read_requests, daemon=True).start()
    stdout.write(READY)
    stdout.flush()
    while (job := jobs.get()) is not None:
        try:
            if isinstance(job, BaseException):
                raise job
            parts = _answer(job)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}".encode()
            stdout.write(ANSWER_HEAD.pack(ANSWER, 1, 0) + _LENGTH.pack(len(reason)) + reason)
            stdout.flush()
            return
        for part in parts:
            stdout.write(part)
        stdout.flush()


def main() -> None:
    """Serve on this process's standard input and output (binary)."""
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
