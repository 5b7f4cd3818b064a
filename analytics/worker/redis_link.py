"""The engine's link to Redis, and what it does when Redis goes away.

Redis carries the engine's leases, the live feed and (through the channel layer) the pushes.
When it stops answering, the engine keeps analysing the cameras it holds — alerts are still
stored in the database, and no other worker can take a camera while nobody reaches Redis — but
stops publishing and renewing, and retries with an exponential back-off, capped. It says so
once when the link is lost and once when it is back, never once per failed call.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

BACKOFF_START_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0


def engine_redis_client(url: str) -> redis.Redis:
    """A client that fails fast: the link's own back-off does the retrying, and a call never
    blocks a frame for long on a Redis that stopped answering."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 0)
    )


class RedisLink:
    """Whether Redis answers, as the engine last found it; thread-safe."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        backoff_start: float = BACKOFF_START_SECONDS,
        backoff_max: float = BACKOFF_MAX_SECONDS,
    ) -> None:
        self.client = client
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self._lock = threading.Lock()
        self._available = True
        self._lost_at = 0.0
        self._delay = backoff_start

    @property
    def available(self) -> bool:
        return self._available

    def lost(self, error: Exception) -> None:
        """A call failed for want of Redis; logs only if the link was up until now."""
        with self._lock:
            if not self._available:
                return
            self._available = False
            self._lost_at = time.monotonic()
            self._delay = self.backoff_start
        logger.warning(
            "Redis is unreachable (%s): live video, camera leases and pushes are paused, "
            "analysis goes on; retrying every %g s up to every %g s",
            error,
            self.backoff_start,
            self.backoff_max,
        )

    def retry(self, stop: threading.Event) -> bool:
        """While the link is down: wait the current back-off, then ping. True once Redis
        answers again (the link is then up); False while it does not, or if ``stop`` is set."""
        if self._available:
            return True
        if stop.wait(self._delay):
            return False
        try:
            self.client.ping()
        except redis.RedisError:
            self._delay = min(self._delay * 2, self.backoff_max)
            return False
        with self._lock:
            self._available = True
            away = time.monotonic() - self._lost_at
        logger.info("Redis answers again after %.0f s: resuming leases and live video", away)
        return True
