"""The session rules of :mod:`.sessions` and :mod:`.mfa`, for websockets.

Wraps the socket routes inside Channels' ``AuthMiddlewareStack`` (it needs ``scope["user"]``
and ``scope["session"]``). For a logged-in user's socket:

* a session that has expired (idle or absolute), or that must verify a second factor and has
  not, is accepted and closed at once with 4401, which the console's sockets treat as
  "logged out" (they go to the log-in page; retrying cannot help);
* an open socket is closed with 4401 when its session's deadline passes, or when a check
  every :data:`RECHECK_SECONDS` finds the session gone (logged out, ended by an admin) or
  owing a second factor (a role that requires one was given to an unverified session). A
  socket is not activity: only a page or API request of the session, in any tab, moves the
  deadline.

Anonymous sockets pass through: every consumer refuses them itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

from vms.middleware.mfa import mfa_must_verify, session_verified
from vms.middleware.sessions import session_deadline

CLOSE_SIGNED_OUT = 4401
RECHECK_SECONDS = 60.0


@dataclass(frozen=True)
class _Admission:
    refused: bool = False
    deadline: float | None = None  # Unix time; None: no clock in the session


@database_sync_to_async
def _admission(session_key: str | None, user_id) -> _Admission:
    """Whether the stored session ``session_key`` may still carry ``user_id``'s socket, and
    until when. Read from the store each time: other requests change it."""
    if session_key is None:
        return _Admission(refused=True)
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or data.get(SESSION_KEY) != str(user_id):
        return _Admission(refused=True)
    if mfa_must_verify(user) and not session_verified(data, user):
        return _Admission(refused=True)
    ends = session_deadline(data)
    if ends is not None and ends[0] <= time.time():
        return _Admission(refused=True)
    return _Admission(deadline=ends[0] if ends else None)


async def _refuse(receive, send) -> None:
    # Accepted, then closed: a refusal during the handshake reaches the browser as a bare
    # 1006, which the console would retry; 4401 sends it to the log-in page instead.
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_SIGNED_OUT})


class _SessionWatch:
    """A ``receive`` for the consumer that also ends the socket when its session ends."""

    def __init__(self, receive, send, *, session_key: str, user_id, deadline) -> None:
        self.upstream, self.send = receive, send
        self.session_key, self.user_id = session_key, user_id
        self.deadline = deadline
        self.checked_at = time.time()
        self.pending: asyncio.Future | None = None
        self.closed = False

    def _wake_at(self) -> float:
        recheck = self.checked_at + RECHECK_SECONDS
        return recheck if self.deadline is None else min(self.deadline, recheck)

    async def receive(self) -> dict:
        if self.closed:
            return {"type": "websocket.disconnect", "code": CLOSE_SIGNED_OUT}
        if self.pending is None:
            self.pending = asyncio.ensure_future(self.upstream())
        while True:
            remaining = self._wake_at() - time.time()
            if remaining > 0:
                done, _ = await asyncio.wait({self.pending}, timeout=remaining)
                if done:
                    message, self.pending = self.pending.result(), None
                    return message
            admission = await _admission(self.session_key, self.user_id)
            self.checked_at = time.time()
            if not admission.refused:
                self.deadline = admission.deadline  # activity elsewhere may have moved it
                continue
            self.closed = True
            await self.send({"type": "websocket.close", "code": CLOSE_SIGNED_OUT})
            # The consumer hears of it like a disconnect, and leaves its groups.
            return {"type": "websocket.disconnect", "code": CLOSE_SIGNED_OUT}

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()


class SessionSocketMiddleware:
    """ASGI middleware: websockets follow the session's expiry and second-factor rules."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if scope["type"] != "websocket" or user is None or not user.is_authenticated:
            return await self.inner(scope, receive, send)
        session_key = scope["session"].session_key
        admission = await _admission(session_key, user.pk)
        if admission.refused:
            return await _refuse(receive, send)
        watch = _SessionWatch(
            receive, send, session_key=session_key, user_id=user.pk, deadline=admission.deadline
        )
        try:
            return await self.inner(scope, watch.receive, send)
        finally:
            with contextlib.suppress(Exception):
                watch.cancel()
