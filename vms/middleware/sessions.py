"""Session expiry: after a time without activity, and at an absolute cap after log-in.

A console left alone must not stay logged in. A session ends:

* ``SESSION_IDLE_SECONDS`` (``VMS_SESSION_IDLE_MINUTES``, default 30) after its last
  *activity*: an HTTP request of the logged-in person — a page, a form, an API call;
* ``SESSION_COOKIE_AGE`` (``VMS_SESSION_SECONDS``, default 8 h) after log-in, whatever the
  activity;
* when the browser closes (``SESSION_EXPIRE_AT_BROWSER_CLOSE``).

What is *not* activity: websockets (the live wall streams frames and alerts for as long as it
is open, so a wall left alone would otherwise keep its session forever), and requests a page
script marks with the header ``X-Veil-Background: 1`` (polling). A socket whose session
reaches its deadline is closed with 4401, which the console answers by going to the log-in
page (:mod:`vms.middleware.sockets`); activity in another tab of the same session moves the
deadline, so a guard working on alerts keeps their wall.

The next request of an expired session is logged out (audited like a log-out, with the
reason) and continues as anonymous, so pages send it to the log-in page, which says why.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout

STARTED_AT = "veil_session_started_at"
LAST_ACTIVITY_AT = "veil_session_last_activity_at"
#: Set in the fresh anonymous session of a person whose session just expired: the log-in page
#: tells them why ("idle" or "absolute").
EXPIRED_REASON = "veil_session_expired"
BACKGROUND_HEADER = "HTTP_X_VEIL_BACKGROUND"


def session_deadline(session) -> tuple[float, str] | None:
    """When ``session`` (a mapping) ends and why (``"idle"`` or ``"absolute"``), as Unix time;
    ``None`` when it holds no logged-in user or no stamps yet."""
    if session.get(SESSION_KEY) is None or session.get(STARTED_AT) is None:
        return None
    deadlines = [(session[STARTED_AT] + settings.SESSION_COOKIE_AGE, "absolute")]
    if settings.SESSION_IDLE_SECONDS > 0:
        last = session.get(LAST_ACTIVITY_AT, session[STARTED_AT])
        deadlines.append((last + settings.SESSION_IDLE_SECONDS, "idle"))
    return min(deadlines)


def session_stamp_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the absolute and idle clocks start at log-in."""
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[STARTED_AT] = now
        session[LAST_ACTIVITY_AT] = now


class SessionExpiryMiddleware:
    """Logs out an expired session before the view runs; stamps activity otherwise.

    Runs right after ``AuthenticationMiddleware``. Sessions from before this middleware (no
    stamps) start their clocks at their first request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session, now = request.session, time.time()
        if session.get(STARTED_AT) is None:
            session[STARTED_AT] = now
        ends = session_deadline(session)
        if ends is not None and ends[0] <= now:
            request.logout_reason = f"session expired ({ends[1]})"
            logout(request)  # flushes the session; audited by the log-out receiver
            request.session[EXPIRED_REASON] = ends[1]
            return
        if request.META.get(BACKGROUND_HEADER) != "1":
            session[LAST_ACTIVITY_AT] = now
