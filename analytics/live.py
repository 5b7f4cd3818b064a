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

import redis.asyncio as aioredis
from django.conf import settings

from vms.realtime import live_channel, live_last_key

logger = logging.getLogger(__name__)


class LiveHub:
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

    async def subscribe(self, camera_id: int) -> asyncio.Queue:
        self._ensure_loop_state()
        queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        async with self._lock:
            viewers = self._viewers.setdefault(camera_id, set())
            if not viewers:
                await self._pubsub.subscribe(live_channel(camera_id))
            viewers.add(queue)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read())
        last = await self._client.get(live_last_key(camera_id))
        # Something to show at once, unless a live frame (newer) arrived while we asked.
        if last and queue.empty():
            queue.put_nowait(last)
        return queue

    async def unsubscribe(self, camera_id: int, queue: asyncio.Queue) -> None:
        if self._lock is None:
            return
        async with self._lock:
            viewers = self._viewers.get(camera_id, set())
            viewers.discard(queue)
            if not viewers:
                self._viewers.pop(camera_id, None)
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
