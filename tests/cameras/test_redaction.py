"""One redaction for every place a source URL is shown or kept: a table of URLs with secrets
(userinfo, secret-looking query values) through each of them — the redaction itself, the
camera page, the edit form, the API's source resource, the change log (stored, page and API),
the probe's message and the logs."""

from __future__ import annotations

import io
import logging

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.health import probe_source
from cameras.services.registry import camera_register
from tests.factories import BALANCING_NOTE, SPECIFIC_PURPOSE, SiteFactory, UserFactory
from vms.logging import RedactSecretsFilter, install_redaction
from vms.redaction import redact_secrets

# (URL, its secrets, what must stay readable). ``{port}`` is a port nobody listens on.
CASES = [
    ("rtsp://admin:Hunter2-pw@127.0.0.1:{port}/live", ["admin", "Hunter2-pw"], ["/live"]),
    ("http://127.0.0.1:{port}/mjpeg?apikey=AK-0001&channel=1", ["AK-0001"], ["channel=1"]),
    ("http://127.0.0.1:{port}/mjpeg?api_key=AK-0002&res=hd", ["AK-0002"], ["res=hd"]),
    ("http://127.0.0.1:{port}/snap?KEY=AK-0003", ["AK-0003"], ["/snap?KEY=***"]),
    ("https://127.0.0.1:{port}/s?token=TK-0004&fps=5", ["TK-0004"], ["fps=5"]),
    ("https://127.0.0.1:{port}/s?Access_Token=TK-0005", ["TK-0005"], ["Access_Token=***"]),
    ("rtsp://127.0.0.1:{port}/s?user=bob&password=PW-0006", ["PW-0006"], ["user=bob"]),
    ("rtsp://127.0.0.1:{port}/s?pass=PW-0007", ["PW-0007"], ["pass=***"]),
    ("rtsp://127.0.0.1:{port}/s?pwd=PW-0008", ["PW-0008"], ["pwd=***"]),
    ("http://127.0.0.1:{port}/s?secret=SC-0009", ["SC-0009"], ["secret=***"]),
    ("https://127.0.0.1:{port}/s?Signature=SG-0010&exp=1", ["SG-0010"], ["exp=1"]),
    ("https://127.0.0.1:{port}/s?sig=SG-0011", ["SG-0011"], ["sig=***"]),
    ("http://127.0.0.1:{port}/s?AUTH=AU-0012", ["AU-0012"], ["AUTH=***"]),
    ("https://127.0.0.1:{port}/s?X-Amz-Signature=SG-0013", ["SG-0013"], ["X-Amz-Signature=***"]),
    ("http://127.0.0.1:{port}/s?client_secret=SC-0014", ["SC-0014"], ["client_secret=***"]),
    (
        "rtsp://viewer:PW-0015@127.0.0.1:{port}/s?token=TK-0015&channel=2",
        ["viewer", "PW-0015", "TK-0015"],
        ["channel=2"],
    ),
]
# Only in text (a URL with an unencoded "/" in its password cannot be saved as a source).
TEXT_CASES = [
    *CASES,
    ("rtsp://admin:pa/ss@127.0.0.1:{port}/live", ["admin", "pa/ss", "pa"], ["live"]),
]


def _url(template: str, port: int) -> str:
    return template.format(port=port)


def _assert_clean(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} shown in {where}"


@pytest.mark.parametrize(
    ("template", "secrets", "kept"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES]
)
def test_redaction_hides_secrets_keeps_the_rest(template, secrets, kept):
    url = _url(template, 8554)
    shown = redact_secrets(url)
    _assert_clean(shown, secrets, "the redaction")
    for part in kept:
        assert part in shown
    assert redact_secrets(shown) == shown  # idempotent
    # In free text (an error message, a log line) as well.
    text = f"could not open '{url}': timed out; retrying {url} later"
    _assert_clean(redact_secrets(text), secrets, "text")


@pytest.mark.django_db
@pytest.mark.parametrize(("template", "secrets", "kept"), CASES, ids=[c[0] for c in CASES])
def test_every_path_shows_the_source_redacted(template, secrets, kept, closed_port):
    url = _url(template, closed_port)
    admin = UserFactory(role=Role.ADMIN)
    camera = camera_register(
        actor=admin,
        site=SiteFactory(),
        name="Quay",
        source_url=url,
        purpose=SPECIFIC_PURPOSE,
        lawful_basis="legitimate_interests",
        lawful_basis_note=BALANCING_NOTE,
    )
    # Userinfo was split off into the credential fields; the rest is shown redacted.
    assert "@" not in camera.source_url
    assert camera.source_url_display == redact_secrets(camera.source_url)

    page, api = Client(), APIClient()
    page.force_login(admin)
    api.force_login(admin)
    dpo = Client()
    dpo.force_login(UserFactory(role=Role.DPO))
    api_dpo = APIClient()
    api_dpo.force_login(UserFactory(role=Role.DPO))
    surfaces = {
        "camera page": page.get(reverse("cameras:camera-detail", args=[camera.pk])),
        "edit form": page.get(reverse("cameras:camera-edit", args=[camera.pk])),
        "API source": api.get(reverse("cameras-api:camera-source", args=[camera.pk])),
        "API camera": api.get(reverse("cameras-api:camera-detail", args=[camera.pk])),
        "change log page": dpo.get(reverse("compliance:change-log-list")),
        "change log API": api_dpo.get(reverse("compliance-api:changelog-list"), {"limit": 500}),
    }
    for where, response in surfaces.items():
        assert response.status_code == 200, where
        _assert_clean(response.content.decode(), secrets, where)
    assert camera.source_url_display in surfaces["edit form"].content.decode().replace("&amp;", "&")

    # The change log as stored: no secret anywhere in the camera's entries.
    for entry in LogEntry.objects.get_for_object(camera):
        stored = f"{entry.changes} {entry.changes_text} {entry.serialized_data}"
        _assert_clean(stored, secrets, "the stored change log")

    # The probe's message (before the status writer removes the source altogether).
    result = probe_source(camera.stream_url(), open_timeout=2, read_timeout=2)
    assert not result.ok
    _assert_clean(result.message, secrets, "the probe message")


# --- logs ------------------------------------------------------------------------------------


def _console_handler() -> logging.Handler:
    """The handler Django's ``LOGGING`` put on the root logger (pytest adds its own)."""
    for handler in logging.getLogger().handlers:
        if any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
            return handler
    raise AssertionError("no log handler redacts secrets")


@pytest.mark.parametrize(
    ("template", "secrets", "kept"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES]
)
def test_logs_never_carry_secrets(template, secrets, kept):
    url = _url(template, 8554)
    handler = _console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    logger = logging.getLogger("cameras.test_redaction")
    try:
        logger.warning("camera source %s refused", url)
        logger.warning(f"opening {url} failed")
        try:
            raise ConnectionError(f"could not connect to {url}")
        except ConnectionError:
            logger.exception("probe of %s crashed", url)
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert written.count("refused") == 1 and "Traceback" in written
    _assert_clean(written, secrets, "the log")


def test_celery_handlers_get_the_filter_too():
    logger = logging.getLogger("cameras.test_redaction.celery")
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False
    install_redaction(logger)
    install_redaction(logger)  # once only
    assert len(logger.handlers[0].filters) == 1
    logger.error("task got rtsp://admin:Hunter2-pw@cam/live?token=TK-1")
    assert stream.getvalue().strip() == "task got rtsp://***@cam/live?token=***"


def test_bare_secrets_and_authorization_values_in_text():
    text = "GET /snap?apikey=AK-1 with Authorization: Basic YWRtaW46aHVudGVyMg== and token=TK-2"
    assert redact_secrets(text) == (
        "GET /snap?apikey=*** with Authorization: Basic *** and token=***"
    )
    assert redact_secrets("keyframe=1 monkey=2 keys=3") == "keyframe=1 monkey=2 keys=3"


@pytest.mark.django_db
def test_migration_redacts_what_the_change_log_kept_before(closed_port):
    """Entries written with the old mask (which missed ``apikey`` and others) are redacted."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "cameras.migrations.0004_change_log_source_secrets_redacted"
    )
    admin = UserFactory(role=Role.ADMIN)
    camera = camera_register(
        actor=admin,
        site=SiteFactory(),
        name="Quay",
        source_url=f"http://127.0.0.1:{closed_port}/mjpeg?channel=1",
        purpose=SPECIFIC_PURPOSE,
        lawful_basis="legitimate_interests",
        lawful_basis_note=BALANCING_NOTE,
    )
    entry = LogEntry.objects.get_for_object(camera).get()
    old = f"http://127.0.0.1:{closed_port}/mjpeg?channel=1&apikey=AK-OLD"
    # This migration ran before the audit tables became append-only (compliance 0009): as
    # then, with the append-only triggers out of the way for this transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    LogEntry.objects.filter(pk=entry.pk).update(
        changes={"source_url": ["None", old], "name": ["None", "Quay"]},
        changes_text=f"source_url: {old}",
    )
    migration.redact_camera_entries(apps, None)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")
    entry.refresh_from_db()
    assert entry.changes == {
        "source_url": ["None", old.replace("AK-OLD", "***")],
        "name": ["None", "Quay"],
    }
    assert "AK-OLD" not in entry.changes_text
