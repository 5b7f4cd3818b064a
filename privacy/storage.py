"""Media storage that holds only ciphertext: every file is sealed (``privacy.sealed_files``)
under its scope's data key (``privacy.services.keys``) on the way in and opened on the way out.

Callers use Django's storage API unchanged (``FileField.save``, ``.open``): snapshots, clips
and later recordings are encrypted without knowing it. The scope comes from the file's name:
``<kind>/<camera id>/<yyyy>/<mm>/<dd>/…`` (how Veil names media) is that camera's day, so
erasing a camera's day is destroying one key; any other name falls in a monthly scope of its
first folder. Decrypted bytes only ever live in memory, a chunk at a time.

The embedded default keeps the ciphertext on local disk (``MEDIA_ROOT``); an S3-compatible
object store is the same mixin over django-storages' S3 backend (``VMS_MEDIA_STORE``,
``vms.media_store``) — one code path.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from storages.backends.s3 import S3Storage

from privacy.sealed_files import DecryptingReader, EncryptingReader, is_sealed_file, read_header
from privacy.services.keys import data_key_for_reading, data_key_for_writing, media_scope
from vms.crypto import DecryptionError

logger = logging.getLogger(__name__)

_CAMERA_DAY = re.compile(r"^[a-z_]+/(?P<camera>\d+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/")


def scope_for_name(name: str) -> str:
    """The data-key scope of a media file, from its name."""
    match = _CAMERA_DAY.match(name.replace("\\", "/"))
    if match:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        return media_scope(camera_id=int(match["camera"]), day=day)
    folder = name.replace("\\", "/").split("/", 1)[0] or "misc"
    return f"media:{folder}:{timezone.now():%Y-%m}"


class EncryptingStorageMixin:
    """Seal on save, open on read; sizes are plaintext sizes."""

    def _save(self, name, content):
        scope = scope_for_name(name)
        key = data_key_for_writing(scope=scope)
        if hasattr(content, "seek"):
            content.seek(0)
        sealed = EncryptingReader(content, key=key, scope=scope)
        return super()._save(name, File(io.BufferedReader(sealed), name=name))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("sealed media are written through save(), never opened to write")
        raw = super()._open(name, "rb")
        if not is_sealed_file(raw):
            # Stored before encryption at rest (``manage.py media_seal`` seals these).
            logger.warning("media file %s is not sealed; run manage.py media_seal", name)
            return raw
        reader = DecryptingReader(
            raw, key_for_scope=lambda scope: data_key_for_reading(scope=scope)
        )
        return File(io.BufferedReader(reader), name=name)

    def size(self, name):
        with super()._open(name, "rb") as raw:
            if not is_sealed_file(raw):
                return super().size(name)
            return DecryptingReader(raw, key_for_scope=_no_key).size

    def is_sealed(self, name) -> bool:
        with super()._open(name, "rb") as raw:
            return is_sealed_file(raw)

    def scope_of(self, name) -> str:
        """The scope a stored file was sealed under (from its header)."""
        with super()._open(name, "rb") as raw:
            header, _ = read_header(raw)
        return header["scope"]

    def url(self, name):
        raise NotImplementedError("media leave only through permission-checked views")


def _no_key(scope: str) -> bytes:
    raise DecryptionError("sizes are read without a key")


class EncryptedMediaStorage(EncryptingStorageMixin, FileSystemStorage):
    """Sealed media on local disk (or a shared volume mounted there)."""


class EncryptedS3MediaStorage(EncryptingStorageMixin, S3Storage):
    """Sealed media in an S3-compatible object store (``VMS_MEDIA_STORE=s3://…``), which
    workers on several hosts write to. The store sees only ciphertext; a name is never
    overwritten (two workers cannot clobber one segment)."""

    def get_default_settings(self):
        return {**super().get_default_settings(), "file_overwrite": False, "default_acl": None}
