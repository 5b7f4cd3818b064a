"""The sealed file format: media encrypted with AES-256-GCM in chunks, readable by seeking.

Layout::

    b"VEILENC1" | header length (2 bytes, big-endian) | header (JSON: scope, chunk size, file id)
    | chunk 0 | chunk 1 | ... | chunk n-1

Each chunk is ``chunk size`` bytes of plaintext (the last one fewer, possibly none) encrypted
with the scope's data key and a nonce of the file id (8 random bytes) and the chunk's index
(4 bytes); the associated data is the magic, the header, the index and a "last chunk" flag. So a
chunk cannot be altered, moved, dropped, or taken from another file, and a file cannot be cut
short without the reader noticing. Chunks make the format streamable (a recording segment is
never decrypted whole to disk; a player's range request decrypts the chunks it covers).
"""

from __future__ import annotations

import io
import json
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vms.crypto import DecryptionError

MAGIC = b"VEILENC1"
CHUNK = 64 * 1024
TAG = 16
MAX_CHUNKS = 2**32 - 1


def _nonce(file_id: bytes, index: int) -> bytes:
    return file_id + struct.pack(">I", index)


def _aad(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", index, last)


def header_bytes(*, scope: str, chunk: int = CHUNK, file_id: bytes | None = None) -> bytes:
    """The magic, length and header of a new sealed file."""
    header = json.dumps(
        {"v": 1, "scope": scope, "chunk": chunk, "file_id": (file_id or os.urandom(8)).hex()},
        separators=(",", ":"),
    ).encode()
    return MAGIC + struct.pack(">H", len(header)) + header


def read_header(handle) -> tuple[dict, bytes]:
    """The parsed header and the raw prefix (magic + length + header) of a sealed file."""
    start = handle.read(len(MAGIC) + 2)
    if len(start) < len(MAGIC) + 2 or not start.startswith(MAGIC):
        raise DecryptionError("not a sealed Veil file")
    (length,) = struct.unpack(">H", start[len(MAGIC) :])
    raw = handle.read(length)
    try:
        header = json.loads(raw)
        header["file_id"] = bytes.fromhex(header["file_id"])
        if header.get("v") != 1 or not 0 < int(header["chunk"]) <= 16 * CHUNK:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise DecryptionError("a sealed file's header is damaged") from None
    return header, start + raw


def is_sealed_file(handle) -> bool:
    """Whether the file starts like a sealed file (the position is restored)."""
    position = handle.tell()
    try:
        return handle.read(len(MAGIC)) == MAGIC
    finally:
        handle.seek(position)


class EncryptingReader(io.RawIOBase):
    """Reads as the sealed form of ``plain`` (a binary file-like object), chunk by chunk."""

    def __init__(self, plain, *, key: bytes, scope: str) -> None:
        self._plain = plain
        self._aead = AESGCM(key)
        self._prefix = header_bytes(scope=scope)
        header, _ = read_header(io.BytesIO(self._prefix))
        self._file_id, self._chunk = header["file_id"], header["chunk"]
        self._buffer = bytearray(self._prefix)
        self._index = 0
        self._pending = self._read_plain()
        self._done = False

    def readable(self) -> bool:
        return True

    def _read_plain(self) -> bytes:
        data = bytearray()
        while len(data) < self._chunk:
            more = self._plain.read(self._chunk - len(data))
            if not more:
                break
            data += more
        return bytes(data)

    def _fill(self, wanted: int) -> None:
        while len(self._buffer) < wanted and not self._done:
            current, following = self._pending, self._read_plain()
            last = not following
            if self._index > MAX_CHUNKS:
                raise ValueError("file too large for one sealed file")
            self._buffer += self._aead.encrypt(
                _nonce(self._file_id, self._index),
                current,
                _aad(self._prefix, self._index, last),
            )
            self._index += 1
            self._pending = following
            self._done = last

    def readinto(self, target) -> int:
        self._fill(len(target))
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        del self._buffer[:count]
        return count


class DecryptingReader(io.RawIOBase):
    """The plaintext of a sealed file, readable and seekable; decrypts only the chunks read.

    ``sealed`` must be seekable (its size tells where the last chunk is). ``key_for_scope`` is
    called once with the header's scope and returns the data key (or raises).
    """

    def __init__(self, sealed, *, key_for_scope) -> None:
        self._sealed = sealed
        sealed.seek(0)
        header, self._prefix = read_header(sealed)
        self.scope = header["scope"]
        self._file_id, self._chunk = header["file_id"], header["chunk"]
        self._key_for_scope = key_for_scope
        self._aead: AESGCM | None = None  # the key is fetched at the first chunk read
        body = sealed.seek(0, io.SEEK_END) - len(self._prefix)
        stride = self._chunk + TAG
        self._chunks = max(1, -(-body // stride))
        last_size = body - (self._chunks - 1) * stride - TAG
        if body < TAG or last_size < 0:
            raise DecryptionError("a sealed file is cut short")
        self.size = (self._chunks - 1) * self._chunk + last_size
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def _chunk_plain(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        stride = self._chunk + TAG
        self._sealed.seek(len(self._prefix) + index * stride)
        sealed = self._sealed.read(stride)
        last = index == self._chunks - 1
        if self._aead is None:
            self._aead = AESGCM(self._key_for_scope(self.scope))
        try:
            plain = self._aead.decrypt(
                _nonce(self._file_id, index), sealed, _aad(self._prefix, index, last)
            )
        except InvalidTag:
            raise DecryptionError("a sealed file was altered, cut or its key is wrong") from None
        self._cached = (index, plain)
        return plain

    def readinto(self, target) -> int:
        if self.size == 0:
            self._chunk_plain(0)  # an empty file still has one (empty) chunk to authenticate
        count = 0
        while count < len(target) and self._position < self.size:
            index, offset = divmod(self._position, self._chunk)
            plain = self._chunk_plain(index)[offset : offset + len(target) - count]
            target[count : count + len(plain)] = plain
            count += len(plain)
            self._position += len(plain)
        return count

    def close(self) -> None:
        try:
            self._sealed.close()
        finally:
            super().close()


def seal_bytes(data: bytes, *, key: bytes, scope: str) -> bytes:
    """The sealed form of ``data`` (small payloads and tests)."""
    return EncryptingReader(io.BytesIO(data), key=key, scope=scope).read()


def open_bytes(sealed: bytes, *, key: bytes) -> bytes:
    """The plaintext of a sealed payload held in memory."""
    return DecryptingReader(io.BytesIO(sealed), key_for_scope=lambda _scope: key).read()
