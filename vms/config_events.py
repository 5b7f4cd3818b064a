"""Configuration changes, told to the analytics workers as events.

When a change to what a camera's analysis depends on commits (the camera itself, its rules,
zones or privacy masks, its deletion), a small event — the camera's id and what changed — is
appended to a Redis stream. Workers read the stream and reload only that camera; a stream
(not pub/sub) lets a worker that was briefly away read what it missed. Workers also resync
from the database every few minutes, and poll it while Redis is away, so an event lost here
delays a change, never loses it.

It lives on the floor so that every app can announce its changes without importing the engine.
"""

from __future__ import annotations

import logging
import os
import threading

import redis
from django.conf import settings
from django.db import transaction

from vms.realtime import redis_prefix

logger = logging.getLogger(__name__)

# Enough for any worker's short absence; older events are covered by the workers' resync.
STREAM_MAX_LENGTH = 10_000

_client: redis.Redis | None = None
_client_pid: int | None = None
_client_lock = threading.Lock()
_failing = False


def config_stream_key() -> str:
    """The Redis stream of configuration changes (under the deployment's namespace)."""
    return f"{redis_prefix()}:analytics:config"


def _redis() -> redis.Redis:
    global _client, _client_pid
    with _client_lock:
        if _client is None or _client_pid != os.getpid():
            # Fails fast: a save never waits long on a Redis that is away.
            _client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1
            )
            _client_pid = os.getpid()
        return _client


def camera_config_publish(camera_id: int, what: str) -> None:
    """Append one change event now. Never raises: while Redis is away the workers poll."""
    global _failing
    try:
        _redis().xadd(
            config_stream_key(),
            {"camera": str(camera_id), "what": what},
            maxlen=STREAM_MAX_LENGTH,
            approximate=True,
        )
    except redis.RedisError as error:
        if not _failing:
            _failing = True
            logger.warning(
                "could not tell the analytics workers of a configuration change (%s); they "
                "pick it up by their resync; not logged again until one succeeds",
                error,
            )
        return
    if _failing:
        _failing = False
        logger.info("configuration changes reach the analytics workers again")


def camera_config_changed_on_commit(camera_id: int, what: str) -> None:
    """Tell the workers that ``camera_id``'s analysis configuration changed (``what``: camera,
    rule, zone, mask, deleted), once the current transaction commits."""
    transaction.on_commit(lambda: camera_config_publish(camera_id, what))
