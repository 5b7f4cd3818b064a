"""The session rules of :mod:`.sessions` and :mod:`.mfa`, for websockets.

Wraps the socket routes inside Channels' ``AuthMiddlewareStack`` (it needs ``scope["user"]``
and ``scope["session"]``). For a logged-in user's socket:

* a session that has expired (idle or absolute), or that must verify a second factor and has
  not, is accepted and closed at once with 4401, which the console's sockets treat as
  "logged out" (they go to the log-in page; retrying cannot help);
* an open socket is closed with 4401 when its session's deadline passes. A socket is not
  activity: at the deadline the session is read again, and only activity elsewhere (a page
  or API request in any tab of the session) keeps the socket open.

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

from vms.middleware.mfa import mfa_must_verify, session_verified
from vms.middleware.sessions import session_deadline

CLOSE_SIGNED_OUT = 4401


@dataclass(frozen=True)
class _Admission:
    refused: bool = False
    deadline: float | None = None  # Unix time; None: nothing to watch
    session_key: str | None = None


@database_sync_to_async
def _admission(scope) -> _Admission:
    user, session = scope.get("user"), scope.get("session")
    if user is None or session is None or not user.is_authenticated:
        return _Admission()
    if mfa_must_verify(user) and not session_verified(session, user):
        return _Admission(refused=True)
    ends = session_deadline(session)
    if ends is None:
        return _Admission()
    if ends[0] <= time.time():
        return _Admission(refused=True)
    return _Admission(deadline=ends[0], session_key=session.session_key)


@database_sync_to_async
def _stored_deadline(session_key: str) -> float | None:
    """The deadline of the session as stored now; ``None`` when it is gone (logged out)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    ends = session_deadline(store.load())
    return ends[0] if ends else None


async def _refuse(receive, send) -> None:
    # Accepted, then closed: a refusal during the handshake reaches the browser as a bare
    # 1006, which the console would retry; 4401 sends it to the log-in page instead.
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_SIGNED_OUT})


class _DeadlineWatch:
    """A ``receive`` for the consumer that also ends the socket at the session's deadline."""

    def __init__(self, receive, send, admission: _Admission) -> None:
        self.upstream, self.send = receive, send
        self.deadline = admission.deadline
        self.session_key = admission.session_key
        self.pending: asyncio.Future | None = None
        self.closed = False

    async def receive(self) -> dict:
        if self.closed:
            return {"type": "websocket.disconnect", "code": CLOSE_SIGNED_OUT}
        if self.pending is None:
            self.pending = asyncio.ensure_future(self.upstream())
        while True:
            remaining = self.deadline - time.time()
            if remaining > 0:
                done, _ = await asyncio.wait({self.pending}, timeout=remaining)
                if done:
                    message, self.pending = self.pending.result(), None
                    return message
            deadline = await _stored_deadline(self.session_key)
            if deadline is not None and deadline > time.time():
                self.deadline = deadline  # activity elsewhere moved it
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
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        admission = await _admission(scope)
        if admission.refused:
            return await _refuse(receive, send)
        if admission.deadline is None:
            return await self.inner(scope, receive, send)
        watch = _DeadlineWatch(receive, send, admission)
        try:
            return await self.inner(scope, watch.receive, send)
        finally:
            with contextlib.suppress(Exception):
                watch.cancel()
