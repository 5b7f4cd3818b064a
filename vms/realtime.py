"""Real-time push: a service commits, then the channel layer tells the permitted sockets.

Consumers join one group per camera they may see (checked through the permission gate when
they subscribe), so fan-out reaches only permitted users.

The names of channels and groups live here, so that web code and the analytics engine agree on
them without the web importing the engine (and its detectors).

Sends from synchronous code (services, workers) go through one long-lived event loop per
process, so the channel layer's Redis connections are reused: a fresh loop per send (what
``async_to_sync`` does outside an event loop) would open new connections for every alert.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 5.0

_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None
_loop_lock = threading.Lock()
# Whether the last push failed: while Redis is away, only the first failure is logged.
_push_failing = False


def redis_prefix() -> str:
    """The deployment's Redis namespace (the channel layer's prefix): live channels and camera
    leases live under it, so two deployments (or test runs) sharing a Redis never meet."""
    return settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "veil")


def live_channel(camera_id: int) -> str:
    """The Redis pub/sub channel the engine publishes a camera's anonymised JPEG frames to."""
    return f"{redis_prefix()}:live:{camera_id}"


def live_last_key(camera_id: int) -> str:
    """The Redis key holding a camera's newest anonymised frame (a new viewer's first picture)."""
    return live_channel(camera_id) + ":last"


def live_original_channel(camera_id: int) -> str:
    """The Redis pub/sub channel for a camera's *original* live JPEG frames. The engine
    publishes to it only while the camera has an active live un-mask grant; only the un-mask
    socket (which re-checks the grant and watermarks every frame) reads it."""
    return f"{redis_prefix()}:unmask-live:{camera_id}"


def camera_group(camera_id: int) -> str:
    return f"veil.camera.{camera_id}"


def user_group(user_id: int) -> str:
    """Every open socket of one user joins this group: access changes and personal
    notifications (an escalation sent to them) reach all of that user's tabs."""
    return f"veil.user.{user_id}"


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _loop_lock:
        # A forked child inherits the variable but not the thread: start its own loop.
        if _loop is None or _loop_pid != os.getpid():
            _loop = asyncio.new_event_loop()
            _loop_pid = os.getpid()
            threading.Thread(target=_loop.run_forever, name="veil-realtime", daemon=True).start()
        return _loop


def group_send(group: str, event: dict) -> None:
    """Send one event to a group from synchronous code; waits until Redis has it."""
    layer = get_channel_layer()
    if layer is None:
        return
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, event), _sender_loop())
    future.result(timeout=SEND_TIMEOUT_SECONDS)


def send_to_group_on_commit(group: str, event: dict) -> None:
    """Send ``event`` to ``group`` once the current transaction commits (at once outside one)."""

    def send() -> None:
        global _push_failing
        try:
            group_send(group, event)
        except Exception as error:
            # The row is committed; a lost push is recovered by the client's resume. While the
            # channel layer is down every push fails: say so once, not once per event.
            if not _push_failing:
                _push_failing = True
                unreachable = isinstance(
                    error, OSError | TimeoutError | RedisConnectionError | RedisTimeoutError
                )
                logger.log(
                    logging.WARNING if unreachable else logging.ERROR,
                    "could not push %s to %s (%r); pushes are failing, not logged again "
                    "until one succeeds",
                    event.get("type"),
                    group,
                    error,
                    exc_info=not unreachable,  # a bug's traceback; not Redis being away
                )
            return
        if _push_failing:
            _push_failing = False
            logger.info("pushes are delivered again")

    transaction.on_commit(send)


def send_to_camera_on_commit(camera_id: int, event: dict) -> None:
    """Send ``event`` to everyone watching ``camera_id`` once the current transaction commits."""
    send_to_group_on_commit(camera_group(camera_id), event)


def send_to_user_on_commit(user_id: int, event: dict) -> None:
    """Send ``event`` to every open socket of one user once the current transaction commits."""
    send_to_group_on_commit(user_group(user_id), event)
