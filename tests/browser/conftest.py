"""A running Veil for browser tests: real daphne, a real analytics worker on the demo RTSP
stream (a walking person whose head is a real photographed face), and headless Chromium.

    @pytest.mark.browser
    def test_x(veil, people):
        guard = people.open(veil.guard_a, "guard-a")      # a logged-in page in its own context
        guard.goto("/analytics/wall/")

Everything here is **module-scoped**, for runtime: starting the worker, connecting to the RTSP
stream and warming up the models costs tens of seconds, paid once per module. That rules out
pytest-django's per-test flush (``transaction=True``): a long-lived daphne caches content-type
ids, and a flush renews them (see ``tests/analytics/conftest.py``). So the module works on one
database state that it builds itself: :func:`veil` writes its data once with
``django_db_blocker.unblock()`` (committed, so daphne and the worker see it), the tests read
and write through :func:`orm` (also committed), and the module ends with the same flush a
transactional test ends with, so the tests after it start from an empty database as usual.
Tests in a module therefore share state: they only ever *add* alerts and decisions, and assert
on what they added (ids, counts relative to a starting point), never on global counts.

Chromium is the system one (``/usr/bin/chromium``); no browser is ever downloaded. Playwright's
sync API runs an event loop in this thread, so ORM calls in the tests need
``DJANGO_ALLOW_ASYNC_UNSAFE`` (set for this process only, never for the servers).

On failure every open page is screenshotted to ``test-artifacts/``; the processes' logs are
printed (the fixtures borrowed from ``tests/analytics/conftest.py`` do that).

Every page a test opens is watched for Content-Security-Policy violations (the browser's
``securitypolicyviolation`` events and its console's "Refused to ..." errors): a test that
saw one fails, naming the directive and what was blocked.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.analytics.conftest import (
    SERVER_START_TIMEOUT,
    AnalyticsWorkerProcess,
    AnalyticsWorkers,
    AsgiServer,
    _process_env,
    _stop,
)
from tests.browser.signin import login, totp_code  # noqa: F401  (used by the tests)
from tests.fixtures.namespace import channel_prefix_scope

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]

# Records, per page, every toast the wall shows (alert id and wall-clock time it appeared),
# so a test sees toasts that came and went (they leave after 6 s) and the bench measures them.
TOAST_RECORDER = """
(() => {
  window.__veilToasts = [];
  const seen = new WeakSet();
  const record = (node) => {
    if (!(node instanceof HTMLElement) || seen.has(node)) return;
    if (!node.classList.contains("toast") || !node.parentElement || node.parentElement.id !== "toasts") return;
    seen.add(node);
    window.__veilToasts.push({
      alertId: node.dataset.alertId ? Number(node.dataset.alertId) : null,
      at: performance.timeOrigin + performance.now(),
      title: node.querySelector(".toast-title")?.textContent || "",
      href: node.querySelector("a.toast-text")?.getAttribute("href") || "",
    });
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) for (const node of mutation.addedNodes) record(node);
  }).observe(document, { childList: true, subtree: true });
})();
"""


# Reports every Content-Security-Policy violation on the page to the test (a Playwright binding).
CSP_WATCHER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__veilCspViolation?.({
    page: location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    where: `${event.sourceFile}:${event.lineNumber}`,
    sample: event.sample,
    disposition: event.disposition,
  });
}, true);
"""
CSP_CONSOLE = re.compile(r"Content.Security.Policy", re.I)


def _server_env(channel_prefix: str, media_root: Path, **extra: str) -> dict[str, str]:
    env = _process_env(channel_prefix, media_root, **extra)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the servers keep Django's async safety checks
    return env


# --- report outcome to fixtures (screenshots on failure) ----------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


# --- the running Veil ---------------------------------------------------------------------------
@dataclass
class Veil:
    """The servers and the data of one browser module."""

    server: AsgiServer
    worker: AnalyticsWorkerProcess
    site_1: object
    site_2: object
    camera: object  # site 1, the RTSP lobby stream, analysed
    other_camera: object  # site 2, not analysed
    zone: object  # whole frame
    rule: object  # person in zone, on ``zone``
    guard_a: object
    guard_b: object
    supervisor: object
    admin: object  # enrolled in MFA, as the role requires: logs in with a TOTP code
    crafted: dict[str, list[int]] = field(default_factory=dict)
    #: Where the servers keep media (write footage there with ``override_settings``).
    media_root: Path | None = None
    #: username -> hex key of their authenticator (TOTP device), for :func:`login`
    totp_keys: dict[str, str] = field(default_factory=dict)
    #: where daphne and the worker keep media (sealed): tests scan it
    media_root: Path | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def reloads(self) -> int:
        """How often the worker has reloaded the camera's configuration (rules, zones)."""
        return len(
            re.findall(rf"camera {self.camera.pk}: configuration reloaded", self.worker.log())
        )


@pytest.fixture(scope="module")
def channel_prefix_module():
    """This module's Redis namespace: channel groups, live frames, camera leases."""
    with channel_prefix_scope("veilbrowser") as prefix:
        yield prefix


@pytest.fixture(scope="module")
def veil(
    request,
    django_db_setup,
    django_db_blocker,
    channel_prefix_module,
    rtsp_server,
    demo_media,
    tmp_path_factory,
):
    """Daphne, one analytics worker and the module's data; torn down with a flush."""
    media_root = tmp_path_factory.mktemp("browser-media")
    log_dir = tmp_path_factory.mktemp("browser-logs")
    failed_before = request.session.testsfailed
    daphne = worker = None
    workers = None
    with django_db_blocker.unblock(), _test_database():
        try:
            data = _create_data(rtsp_server)
            daphne = _start_daphne(_server_env(channel_prefix_module, media_root), log_dir)
            workers = AnalyticsWorkers(
                env=_server_env(
                    channel_prefix_module,
                    media_root,
                    VMS_CELERY_QUEUE=f"{channel_prefix_module}-queue",
                    VMS_INFERENCE_THREADS="1",
                ),
                log_dir=log_dir,
            )
            worker = workers.start()
            yield Veil(server=daphne, worker=worker, media_root=media_root, **data)
        finally:
            if workers is not None:
                workers.stop_all()
            if daphne is not None:
                _stop(daphne.process)
            if request.session.testsfailed > failed_before:
                for name, text in (
                    ("daphne", daphne.log() if daphne else ""),
                    ("analytics worker", worker.log() if worker else ""),
                ):
                    sys.stderr.write(f"\n--- {name} log ---\n{text[-10000:]}\n")
            from django.core.management import call_command
            from django.db import connections

            # What a transactional test ends with: the next module starts from empty tables.
            call_command("flush", interactive=False, verbosity=0)
            for connection in connections.all():
                connection.close()


def _close_other_connections() -> None:
    """Close this test database's other sessions: ORM calls made while Playwright's loop runs
    may have opened a connection in another context of this process, which would keep the
    database from being dropped."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@contextlib.contextmanager
def _test_database():
    """pytest-django creates the test database only for tests that ask for ``db`` (or carry
    ``django_db``), which would wrap them in a transaction or flush after each. When no other
    test in the run asked, create it here, for this module, and drop it after."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.creation.connection.settings_dict.get("NAME", "").startswith("test_"):
        yield
        return
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        yield
    finally:
        _close_other_connections()  # the database goes: nobody may hold it
        teardown_databases(config, verbosity=0)


def _start_daphne(env: dict[str, str], log_dir: Path) -> AsgiServer:
    import subprocess

    from cameras.demo.processes import free_port

    port = free_port()
    log_path = log_dir / "daphne.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + ["vms.asgi:application"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = AsgiServer(
        url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}",
        log_path=log_path,
        process=process,
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited ({process.returncode}):\n{server.log()}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(server.url + "/accounts/login/", timeout=5).status_code == 200:
                return server
        if time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"daphne did not start:\n{server.log()}")
        time.sleep(0.2)


def _create_data(rtsp_server) -> dict:
    from accounts.roles import Role
    from analytics.models import Rule, Zone
    from compliance.services import acting_as
    from tests.factories import CameraFactory, SiteFactory, UserFactory

    with acting_as():
        site_1 = SiteFactory(name="Harbour depot")
        site_2 = SiteFactory(name="Airport")
        camera = CameraFactory(
            site=site_1, name="Lobby", source_url=rtsp_server.urls["lobby"], analytics_fps=5
        )
        other_camera = CameraFactory(site=site_2, name="Apron", analytics_enabled=False)
        zone = Zone.objects.create(camera=camera, name="Whole frame", points=WHOLE_FRAME)
        rule = Rule.objects.create(
            camera=camera,
            name="Anyone in the lobby",
            kind=Rule.Kind.PERSON_IN_ZONE,
            zone=zone,
            min_confidence=0.2,
            cooldown_seconds=5,
        )
        token = uuid.uuid4().hex[:6]
        users = {
            "guard_a": UserFactory(username=f"guard-a-{token}", role=Role.GUARD, sites=[site_1]),
            "guard_b": UserFactory(username=f"guard-b-{token}", role=Role.GUARD, sites=[site_2]),
            "supervisor": UserFactory(
                username=f"supervisor-{token}", role=Role.SUPERVISOR, sites=[site_1]
            ),
            "admin": UserFactory(username=f"admin-{token}", role=Role.ADMIN),
        }
    return {
        "site_1": site_1,
        "site_2": site_2,
        "camera": camera,
        "other_camera": other_camera,
        "zone": zone,
        "rule": rule,
        **users,
        "totp_keys": totp_keys(users.values()),
    }


def totp_keys(users) -> dict[str, str]:
    """The authenticator keys of the users the factory enrolled in MFA (admins, DPOs)."""
    return {u.username: u.otp_device.key for u in users if getattr(u, "otp_device", None)}


@pytest.fixture
def orm(django_db_blocker):
    """Database access in a browser test: committed at once, seen by the servers."""
    from django.db import connections

    with django_db_blocker.unblock():
        yield
        # Playwright runs the test in a context of its own: close the connection it opened
        # there, or it would outlive the module and keep the database from being dropped.
        connections.close_all()


# --- Chromium -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium():
    """The system Chromium, headless, driven by Playwright's sync API (one per module)."""
    from playwright.sync_api import sync_playwright

    # Playwright's loop runs in this thread: let the tests' ORM calls run beside it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class People:
    """Logged-in browser contexts, one per person; screenshots on failure, closed after."""

    def __init__(
        self, browser, base_url: str, test_name: str, totp_keys: dict[str, str] | None = None
    ) -> None:
        self.browser = browser
        self.base_url = base_url
        self.totp_keys = totp_keys or {}
        self.test_name = re.sub(r"[^\w.-]+", "_", test_name)
        self.pages: dict[str, object] = {}
        self.contexts = []
        self.csp_violations: list[str] = []

    def open(self, user, label: str, *, path: str = "/analytics/wall/"):
        """A new context (own cookies) logged in as ``user`` through the log-in page."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": 1400, "height": 900}
        )
        context.set_default_timeout(15_000)
        context.add_init_script(TOAST_RECORDER)
        self._watch_csp(context, label)
        self.contexts.append(context)
        page = context.new_page()
        self.pages[label] = page
        login(page, user, next_path=path, totp_key=self.totp_keys.get(user.username))
        return page

    def _watch_csp(self, context, label: str) -> None:
        def violation(_source, report) -> None:
            self.csp_violations.append(
                f"{label}: {report['directive']} blocked {report['blocked'] or 'inline'} "
                f"at {report['where']} on {report['page']} ({report['disposition']}, "
                f"sample {report['sample']!r})"
            )

        def console(message) -> None:
            if CSP_CONSOLE.search(message.text):
                self.csp_violations.append(f"{label}: console {message.type}: {message.text}")

        context.expose_binding("__veilCspViolation", violation)
        context.add_init_script(CSP_WATCHER)
        context.on("console", console)

    def csp_report(self) -> list[str]:
        """Every CSP violation the pages saw. Playwright delivers events only while one of its
        calls runs: one round trip per page first collects what is still on its way."""
        for page in self.pages.values():
            with contextlib.suppress(Exception):
                page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
        return list(self.csp_violations)

    def screenshot_all(self, suffix: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        for label, page in self.pages.items():
            with contextlib.suppress(Exception):
                page.screenshot(
                    path=str(ARTIFACTS / f"{self.test_name}-{label}-{suffix}.png"), full_page=True
                )

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()


@pytest.fixture
def people(chromium, veil, request):
    crowd = People(chromium, veil.url, request.node.name, veil.totp_keys)
    yield crowd
    violations = crowd.csp_report()
    if _failed(request) or violations:
        crowd.screenshot_all("failure")
    crowd.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


def save_screenshot(page, name: str) -> Path:
    """A test artefact: ``test-artifacts/<name>.png`` (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until(predicate, *, page, timeout: float, message: str, interval: float = 0.5):
    """Poll ``predicate`` until truthy; fail with ``message`` after ``timeout`` s.

    Sleeps through ``page.wait_for_timeout``: Playwright's sync API only delivers events
    (websocket frames, responses) while a Playwright call is running, never in ``time.sleep``.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s: {message}")
        page.wait_for_timeout(interval * 1000)
