"""Data keys: one per scope (a camera's day of media), wrapped by the master key.

``data_key_for_writing`` gets or creates the scope's key; ``data_key_for_reading`` opens an
existing one; ``data_key_destroy`` crypto-erases a scope; ``master_key_rotate`` re-wraps every
data key and sealed field under the current master key. Unwrapped keys are cached per process
for ``CACHE_SECONDS`` at most, keyed by the wrapped form, so a destroyed key stops opening
anything within that time in every process (and at once in the one that destroyed it).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.models import DataKey
from vms.crypto import DecryptionError, key_provider, token_key_id
from vms.fields import Sealed, encrypted_fields

CACHE_SECONDS = 60.0
_CONTEXT = b"veil-data-key:"

_cache: dict[str, tuple[float, bytes]] = {}
_cache_lock = threading.Lock()


class KeyDestroyedError(DecryptionError):
    """The scope's data key was destroyed: its media are erased."""


def media_scope(*, camera_id: int, day: date) -> str:
    """The scope of a camera's media for one day (UTC): one data key each."""
    return f"camera:{camera_id}:{day.isoformat()}"


def _unwrap(scope: str, wrapped: str) -> bytes:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(wrapped)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    key = key_provider().open(wrapped, context=_CONTEXT + scope.encode())
    with _cache_lock:
        _cache[wrapped] = (now, key)
        if len(_cache) > 4096:  # a worker touching many camera-days: keep the newest
            for old in sorted(_cache, key=lambda item: _cache[item][0])[:1024]:
                del _cache[old]
    return key


def cache_clear() -> None:
    """Forget every unwrapped key held by this process."""
    with _cache_lock:
        _cache.clear()


def _cache_forget(wrapped: str) -> None:
    with _cache_lock:
        _cache.pop(wrapped, None)


def data_key_for_writing(*, scope: str) -> bytes:
    """The scope's data key, created on first use. A destroyed scope takes no new media."""
    row = DataKey.objects.filter(scope=scope).first()
    if row is None:
        wrapped = key_provider().seal(os.urandom(32), context=_CONTEXT + scope.encode())
        try:
            with transaction.atomic():
                row = DataKey.objects.create(scope=scope, wrapped=wrapped)
        except IntegrityError:  # another writer created it first: use theirs
            row = DataKey.objects.get(scope=scope)
    if row.destroyed_at is not None:
        raise KeyDestroyedError(f"the media of {scope} were erased; nothing more can be added")
    return _unwrap(scope, row.wrapped)


def data_key_for_reading(*, scope: str) -> bytes:
    row = DataKey.objects.filter(scope=scope).first()
    if row is None:
        raise DecryptionError(f"no data key for {scope}")
    if row.destroyed_at is not None or not row.wrapped:
        raise KeyDestroyedError(f"the media of {scope} were erased on {row.destroyed_at:%Y-%m-%d}")
    return _unwrap(scope, row.wrapped)


@transaction.atomic
def data_key_destroy(*, scope: str, reason: str, actor=None) -> DataKey:
    """Crypto-erase a scope: its key is gone, so its media are unreadable wherever they are.

    Idempotent; audited in the same transaction.
    """
    row = DataKey.objects.select_for_update().filter(scope=scope).first()
    if row is None:
        row = DataKey.objects.create(scope=scope, wrapped="")
    if row.destroyed_at is None:
        old = row.wrapped
        row.wrapped = ""
        row.destroyed_at = timezone.now()
        row.destroyed_reason = reason[:200]
        row.save(update_fields=["wrapped", "destroyed_at", "destroyed_reason"])
        transaction.on_commit(lambda: _cache_forget(old))
        access_event_record(
            kind=AccessKind.KEY_DESTROY,
            actor=actor,
            target=row,
            reason=reason,
            data={"scope": scope},
            actor_username="" if actor else "system",
        )
    return row


def master_key_rotate(*, actor=None) -> dict[str, int]:
    """Re-wrap every data key and sealed field value under the current master key.

    Resumable: what is already under the current key is skipped, so a rotation interrupted
    half-way is finished by running it again. Nothing else (no media file) is rewritten.
    """
    provider = key_provider()
    current = provider.current_key_id
    counts = {"data_keys": 0, "fields": 0, "already_current": 0}
    for row in DataKey.objects.filter(destroyed_at__isnull=True).exclude(wrapped="").iterator():
        if token_key_id(row.wrapped) == current:
            counts["already_current"] += 1
            continue
        context = _CONTEXT + row.scope.encode()
        rewrapped = provider.seal(provider.open(row.wrapped, context=context), context=context)
        DataKey.objects.filter(pk=row.pk, wrapped=row.wrapped).update(
            wrapped=rewrapped, rewrapped_at=timezone.now()
        )
        counts["data_keys"] += 1
    for model, field in encrypted_fields():
        context = field.context().encode()
        for pk, token in _raw_tokens(model, field.attname):
            if token_key_id(token) == current:
                continue
            resealed = provider.seal(provider.open(token, context=context), context=context)
            model._base_manager.filter(pk=pk).update(**{field.attname: Sealed(resealed)})
            counts["fields"] += 1
    with transaction.atomic():
        access_event_record(
            kind=AccessKind.KEY_ROTATE,
            actor=actor,
            data={"master_key_id": current, **counts},
            actor_username="" if actor else "system",
        )
    return counts


def _raw_tokens(model, column: str):
    """(pk, stored token) of a sealed column, read without opening the tokens."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    quoted = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quoted} FROM {table} WHERE {quoted} <> ''")  # noqa: S608
        rows = cursor.fetchall()
    return [(pk, token) for pk, token in rows if token.startswith("vk1.")]
