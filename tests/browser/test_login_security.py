"""Log-in with a second factor in a real browser against a real daphne: an admin logs in with
a TOTP code computed in the test, and an admin without an authenticator reaches no page, API
call or websocket before setting one up (from the QR page's secret, as an app would).

No stream and no analytics worker here: a module of its own, with daphne alone.
"""

from __future__ import annotations

import base64
import binascii
import re
from types import SimpleNamespace

import pytest

from tests.browser.conftest import (
    People,
    _server_env,
    _start_daphne,
    _stop,
    _test_database,
    login,
    totp_code,
    totp_keys,
)
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENROL = "/accounts/security/enrol/"

# The alert socket's first word: its "hello" message, or the code it was closed with.
OPEN_SOCKET = """
() => new Promise((resolve) => {
  const socket = new WebSocket(`ws://${location.host}/ws/alerts/`);
  socket.onmessage = (event) => { resolve(JSON.parse(event.data).type); socket.close(); };
  socket.onclose = (event) => resolve(event.code);
})
"""
FETCH_STATUS = "(path) => fetch(path).then((response) => response.status)"


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, channel_prefix_module, tmp_path_factory):
    """Daphne, an enrolled admin and an admin who has not set up an authenticator yet."""
    from django.core.management import call_command
    from django.db import connections

    from accounts.roles import Role
    from tests.factories import UserFactory

    media_root = tmp_path_factory.mktemp("login-media")
    log_dir = tmp_path_factory.mktemp("login-logs")
    daphne = None
    with django_db_blocker.unblock(), _test_database():
        try:
            admin = UserFactory(username="admin-with-app", role=Role.ADMIN)
            newcomer = UserFactory(username="admin-newcomer", role=Role.ADMIN, mfa=False)
            daphne = _start_daphne(_server_env(channel_prefix_module, media_root), log_dir)
            yield SimpleNamespace(
                url=daphne.url, admin=admin, newcomer=newcomer, totp_keys=totp_keys([admin])
            )
        finally:
            if daphne is not None:
                _stop(daphne.process)
            call_command("flush", interactive=False, verbosity=0)
            for connection in connections.all():
                connection.close()


@pytest.fixture
def people(chromium, site, request):
    crowd = People(chromium, site.url, request.node.name, site.totp_keys)
    yield crowd
    crowd.close()


def test_an_admin_logs_in_with_a_code_from_their_authenticator(people, site):
    page = people.open(site.admin, "admin", path="/cameras/")
    assert page.url.endswith("/cameras/")
    assert page.locator("h1").first.inner_text().strip() == "Cameras"
    assert page.evaluate(FETCH_STATUS, "/api/v1/cameras/") == 200
    assert page.evaluate(OPEN_SOCKET) == "hello"


def test_an_admin_without_an_authenticator_reaches_nothing_before_enrolling(people, site):
    context = people.browser.new_context(base_url=site.url)
    people.contexts.append(context)
    page = context.new_page()
    page.goto("/accounts/login/?next=/cameras/")
    page.fill("input[name=username]", site.newcomer.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert ENROL in page.url

    for path in ("/cameras/", "/accounts/users/", "/audit/access/", "/accounts/security/"):
        page.goto(path)
        assert ENROL in page.url, f"{path} was reachable before enrolling"
    assert page.locator("nav.main-nav").count() == 0
    assert page.evaluate(FETCH_STATUS, "/api/v1/cameras/") == 403
    assert page.evaluate(OPEN_SOCKET) == 4401

    # Set up the authenticator from the secret the page shows, as an app would.
    page.goto("/cameras/")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert page.locator(".qr-code svg").count() == 1
    key = binascii.hexlify(base64.b32decode(secret)).decode()
    page.fill("input[name=code]", totp_code(page, key))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", c) for c in codes)
    with page.expect_navigation():
        page.click("text=I have saved them, carry on")
    assert page.url.endswith("/cameras/")
    assert page.evaluate(FETCH_STATUS, "/api/v1/cameras/") == 200

    # The next log-in asks for a code: the same browser, logged out and in again.
    with page.expect_navigation():
        page.click("text=Log out")
    login(page, site.newcomer, next_path="/cameras/", totp_key=key)
    assert page.url.endswith("/cameras/")
