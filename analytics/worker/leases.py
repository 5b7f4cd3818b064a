"""Camera ownership across workers, through Redis.

Each camera is analysed by one worker at a time. A worker holds a lease per camera — a Redis
key with a time-to-live that the worker's heartbeat renews. A worker that dies stops renewing;
its leases expire and the next scan of another worker takes the cameras over. Workers also
announce themselves, so each takes only its fair share and a new worker gets cameras too.
Which cameras to hold, and what holding one means, is :mod:`analytics.worker.ownership`.
"""

from __future__ import annotations

import math

import redis

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class CameraLeases:
    def __init__(
        self,
        client: redis.Redis,
        worker_id: str,
        *,
        ttl_seconds: float = 15.0,
        prefix: str = "veil",
    ) -> None:
        self.client = client
        self.worker_id = worker_id
        self.ttl_ms = int(ttl_seconds * 1000)
        self.prefix = prefix
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def _key(self, camera_id: int) -> str:
        return f"{self.prefix}:lease:camera:{camera_id}"

    def try_acquire(self, camera_id: int) -> bool:
        return bool(self.client.set(self._key(camera_id), self.worker_id, nx=True, px=self.ttl_ms))

    def renew(self, camera_id: int) -> bool:
        return bool(self._renew(keys=[self._key(camera_id)], args=[self.worker_id, self.ttl_ms]))

    def renew_or_acquire(self, camera_id: int) -> bool:
        """Keep a camera held: renew its lease, or take it afresh if the lease lapsed (Redis
        was away, or came back empty) and no other worker took it meanwhile."""
        return self.renew(camera_id) or self.try_acquire(camera_id)

    def release(self, camera_id: int) -> None:
        self._release(keys=[self._key(camera_id)], args=[self.worker_id])

    def owner(self, camera_id: int) -> str | None:
        value = self.client.get(self._key(camera_id))
        return value.decode() if isinstance(value, bytes) else value

    # --- worker membership ------------------------------------------------------------------
    def heartbeat(self) -> None:
        self.client.set(f"{self.prefix}:worker:{self.worker_id}", "1", px=self.ttl_ms)

    def leave(self) -> None:
        self.client.delete(f"{self.prefix}:worker:{self.worker_id}")

    def live_workers(self) -> int:
        return max(1, sum(1 for _ in self.client.scan_iter(f"{self.prefix}:worker:*", count=100)))

    def fair_share(self, camera_count: int, capacity: int) -> int:
        return min(capacity, math.ceil(camera_count / self.live_workers()))
