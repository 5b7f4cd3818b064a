"""Signing in through the real log-in form, second step included, as a browser test's user."""

from __future__ import annotations

import time


def login(page, user, *, next_path: str = "/analytics/wall/", totp_key: str | None = None) -> None:
    """Log in through the real log-in form, then land on ``next_path``. A user with an
    authenticator (``totp_key``, hex) completes the second step with a code computed here,
    as their app would show it."""
    from tests.factories import DEFAULT_PASSWORD

    page.goto(f"/accounts/login/?next={next_path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url, f"log-in as {user.username} failed: {page.url}"
    if totp_key is not None:
        assert "/accounts/security/verify/" in page.url, f"no second step: {page.url}"
        page.fill("input[name=code]", totp_code(page, totp_key))
        with page.expect_navigation():
            page.click("main form button[type=submit]")  # not the header's Log out
        assert "/accounts/security/" not in page.url, f"second step failed: {page.url}"


_TOTP_LAST_STEP: dict[str, int] = {}


def totp_code(page, key: str, *, step_seconds: int = 30) -> str:
    """The code of the authenticator with hex ``key`` (RFC 6238, as django-otp checks it).

    A code is accepted once, so a second log-in within the same 30 s takes the next step's
    code (the server allows one step of clock difference), and a third waits for the clock.
    Never an earlier step: the server's drift then never goes negative.
    """
    from binascii import unhexlify

    from django_otp.oath import TOTP

    now_step = int(time.time()) // step_seconds
    step = max(now_step, _TOTP_LAST_STEP.get(key, -1) + 1)
    if step > now_step + 1:
        page.wait_for_timeout(((step - 1) * step_seconds - time.time()) * 1000 + 200)
    _TOTP_LAST_STEP[key] = step
    totp = TOTP(unhexlify(key), step=step_seconds)
    totp.time = step * step_seconds
    return f"{totp.token():06d}"
