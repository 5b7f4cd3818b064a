"""The anonymised live feed, fanned out inside each web process.

A worker encodes each anonymised frame once and publishes it to Redis. Each ASGI process
subscribes once per camera that has at least one viewer in it and hands the same bytes to
every local viewer's queue, so fifty viewers cost fifty socket writes, not fifty encodes or
fifty Redis deliveries. A slow viewer skips frames instead of slowing the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from django.conf import settings

from vms.realtime import live_channel, live_last_key

logger = logging.getLogger(__name__)


class LiveHub:
    """Per-process fan-out of live frames. Use :meth:`viewer` (an async context manager): the
    subscription ends however the viewer does (a close, a crash, a cancelled task)."""

    def __init__(self) -> None:
        self._viewers: dict[int, set[asyncio.Queue]] = {}
        self._client: aioredis.Redis | None = None
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._lock: asyncio.Lock | None = None
        self._loop = None

    def _ensure_loop_state(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests): start afresh
            self._loop = loop
            self._lock = asyncio.Lock()
            self._client = aioredis.Redis.from_url(settings.REDIS_URL)
            self._pubsub = self._client.pubsub()
            self._reader = None
            self._viewers = {}

    def viewer_count(self, camera_id: int | None = None) -> int:
        """How many viewers this process feeds: of one camera, or of all of them."""
        if camera_id is not None:
            return len(self._viewers.get(camera_id, ()))
        return sum(len(queues) for queues in self._viewers.values())

    @contextlib.asynccontextmanager
    async def viewer(self, camera_id: int) -> AsyncIterator[asyncio.Queue]:
        """A queue of the camera's frames (the latest first, when there is one), for as long
        as the ``async with`` block runs."""
        queue = await self.subscribe(camera_id)
        try:
            yield queue
        finally:
            await self.unsubscribe(camera_id, queue)

    async def subscribe(self, camera_id: int) -> asyncio.Queue:
        """A new viewer's queue. Prefer :meth:`viewer`; a caller of this one must call
        :meth:`unsubscribe` in a ``finally``. On failure (Redis down) nothing is left behind."""
        self._ensure_loop_state()
        queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        try:
            async with self._lock:
                viewers = self._viewers.setdefault(camera_id, set())
                viewers.add(queue)
                if len(viewers) == 1:
                    await self._pubsub.subscribe(live_channel(camera_id))
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.create_task(self._read())
            last = await self._client.get(live_last_key(camera_id))
        except BaseException:
            await self.unsubscribe(camera_id, queue)
            raise
        # Something to show at once, unless a live frame (newer) arrived while we asked.
        if last and queue.empty():
            queue.put_nowait(last)
        return queue

    async def unsubscribe(self, camera_id: int, queue: asyncio.Queue) -> None:
        """Forget a viewer. The viewer is gone before the first ``await``, so a cancelled
        caller still never leaves it behind; the Redis subscription follows under the lock."""
        viewers = self._viewers.get(camera_id)
        if viewers is not None:
            viewers.discard(queue)
            if not viewers:
                del self._viewers[camera_id]
        if self._lock is None:
            return
        async with self._lock:
            if camera_id not in self._viewers:  # nobody came back meanwhile
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(live_channel(camera_id))

    async def _read(self) -> None:
        prefix_len = len(live_channel(0)) - 1
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except Exception:
                if not self._viewers:  # nobody left to feed: nothing to retry for
                    return
                logger.exception("live feed subscription failed; retrying")
                await asyncio.sleep(1)
                continue
            if message is None:
                if not self._viewers:
                    return
                continue
            channel = message["channel"].decode()
            try:
                camera_id = int(channel[prefix_len:])
            except ValueError:
                continue
            for queue in list(self._viewers.get(camera_id, ())):
                if queue.full():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(message["data"])


hub = LiveHub()
