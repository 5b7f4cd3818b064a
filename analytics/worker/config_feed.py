"""The worker's side of configuration events: which cameras changed, as they change.

A thread reads the Redis stream that saves append to (:mod:`vms.config_events`) and collects
the ids of the cameras that changed; the scan thread takes them (:meth:`ConfigFeed.take`) and
reloads those cameras only. The stream is read from where this worker last was, so a short
Redis hiccup loses nothing; when Redis is away for longer (or restarted empty) the feed says so
and the engine falls back to polling the database until the feed is back.
"""

from __future__ import annotations

import logging
import threading

import redis

from vms.config_events import config_stream_key

logger = logging.getLogger(__name__)

BLOCK_MILLISECONDS = 2000
RETRY_SECONDS = 2.0


class ConfigFeed:
    """Camera ids whose configuration changed since the scan thread last asked; thread-safe."""

    def __init__(
        self, client: redis.Redis, *, link=None, wake: threading.Event | None = None
    ) -> None:
        self.client = client
        self.link = link  # the engine's RedisLink: told when Redis stops answering
        self.key = config_stream_key()
        self.wake = wake or threading.Event()
        self._changed: set[int] = set()
        self._lock = threading.Lock()
        self._last_id = "$"
        self._live = False
        self._missed = True  # nothing read yet: the first scan resyncs anyway
        self._announced_down = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def live(self) -> bool:
        """Whether events are arriving (False while Redis is away: poll instead)."""
        return self._live

    def take(self) -> tuple[set[int], bool]:
        """The cameras changed since the last call, and whether events may have been missed
        meanwhile (the feed was down): then the caller resyncs everything."""
        with self._lock:
            changed, self._changed = self._changed, set()
            missed, self._missed = self._missed, False
        return changed, missed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="veil-config-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=BLOCK_MILLISECONDS / 1000 + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._last_id == "$":
                    # Start from the stream's current end; what came before, the first
                    # resync covers.
                    entries = self.client.xrevrange(self.key, count=1)
                    self._last_id = entries[0][0].decode() if entries else "0-0"
                replies = self.client.xread({self.key: self._last_id}, block=BLOCK_MILLISECONDS)
            except redis.RedisError as error:
                if self.link is not None:
                    self.link.lost(error)
                self._down(error)
                self._stop.wait(RETRY_SECONDS)
                continue
            self._up()
            for _stream, entries in replies or []:
                self._receive(entries)

    def _receive(self, entries) -> None:
        changed = set()
        for entry_id, fields in entries:
            self._last_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
            try:
                changed.add(int(fields[b"camera"]))
            except (KeyError, ValueError):
                logger.warning("ignoring a malformed configuration event %r", fields)
        if changed:
            with self._lock:
                self._changed |= changed
            self.wake.set()

    def _down(self, error: Exception) -> None:
        with self._lock:
            announce = self._live or not self._announced_down
            self._live = False
            self._missed = True
            self._announced_down = True
        if announce:
            # INFO: Redis being away is the link's warning (see redis_link); this says what
            # the worker does about configuration meanwhile.
            logger.info(
                "configuration events are unavailable (%s): polling the database for "
                "changes until they are back",
                error,
            )

    def _up(self) -> None:
        if self._live:
            return
        with self._lock:
            self._live = True
            self._announced_down = False
            self._missed = True  # events sent while away may be gone: resync once
        logger.info("configuration events are arriving: reloading changed cameras only")
        self.wake.set()
