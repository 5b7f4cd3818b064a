"""One way to show a moment: site-local, ISO-like, 24-hour, the zone's label; a relative hint
where it helps; the same text on the wall, the alert list, the alert page, in the payload the
browser shows as it is, and (in the installation's zone) on the audit pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from analytics.models import Alert
from analytics.payloads import alert_payload
from tests.analytics.test_triage import client_for, scene  # noqa: F401
from tests.factories import UserFactory
from vms.timefmt import relative_time_text, site_time_text, site_time_title, time_payload

WINTER = datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 15, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "text"),
    [
        (WINTER, "Europe/London", "2026-12-01 15:04 GMT"),
        (SUMMER, "Europe/London", "2026-07-01 16:04 BST"),
        (WINTER, "America/Chicago", "2026-12-01 09:04 CST"),
        (WINTER, "Europe/Berlin", "2026-12-01 16:04 CET"),
        (WINTER, "UTC", "2026-12-01 15:04 UTC"),
        (WINTER, "Not/AZone", "2026-12-01 15:04 UTC"),  # unknown: the installation's (UTC)
    ],
)
def test_site_time_text_is_local_24_hour_with_the_zone_label(moment, zone, text):
    assert site_time_text(moment, zone) == text


def test_the_title_is_to_the_second_with_the_zone_and_its_offset():
    assert site_time_title(SUMMER, "America/Chicago") == (
        "2026-07-01 10:04:05 CDT · America/Chicago, UTC-05:00"
    )
    assert site_time_title(WINTER, "Asia/Kolkata").endswith("Asia/Kolkata, UTC+05:30")


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=-5), "just now"),  # a clock slightly ahead
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
        (timedelta(days=3, hours=2), "3 d ago"),
    ],
)
def test_relative_hints(ago, text):
    # static/js/console/times.js uses the same thresholds and words.
    assert relative_time_text(WINTER - ago, now=WINTER) == text


def test_the_timestamp_tag_and_the_payload_agree():
    html = Template(
        "{% load veil_time %}{% timestamp moment zone relative=True %}|{% timestamp none %}"
    ).render(Context({"moment": WINTER, "zone": "Europe/London", "none": None}))
    assert html.startswith(
        '<time class="timestamp" datetime="2026-12-01T15:04:05+00:00" '
        'title="2026-12-01 15:04:05 GMT · Europe/London, UTC+00:00">2026-12-01 15:04 GMT</time>'
        ' <span class="time-ago" data-since="2026-12-01T15:04:05+00:00">'
    )
    assert html.endswith('|<span class="timestamp muted">never</span>')
    assert time_payload(WINTER, "Europe/London") == {
        "iso": "2026-12-01T15:04:05+00:00",
        "text": "2026-12-01 15:04 GMT",
        "title": "2026-12-01 15:04:05 GMT · Europe/London, UTC+00:00",
    }


TIME_TEXT = re.compile(r'<time class="timestamp" datetime="([^"]+)" title="([^"]+)">([^<]+)</time>')


@pytest.mark.django_db
def test_one_alert_shows_the_same_time_on_the_wall_the_list_the_page_and_the_push(
    scene,  # noqa: F811
):
    # Berlin (the factories' site zone) in winter: an hour ahead of UTC.
    Alert.objects.filter(pk=scene.alert.pk).update(occurred_at=timezone.now() - timedelta(hours=2))
    alert = Alert.objects.select_related("camera__site", "rule").get(pk=scene.alert.pk)
    expected_text = site_time_text(alert.occurred_at, "Europe/Berlin")
    expected_title = site_time_title(alert.occurred_at, "Europe/Berlin")
    client = client_for(scene.guard)
    pages = {
        "wall": client.get(reverse("analytics:wall")),
        "list": client.get(reverse("analytics:alert-list")),
        "detail": client.get(reverse("analytics:alert-detail", args=[alert.pk])),
    }
    for name, response in pages.items():
        shown = {
            (text, title)
            for iso, title, text in TIME_TEXT.findall(response.content.decode())
            if iso == alert.occurred_at.isoformat()
        }
        assert shown == {(expected_text, expected_title)}, name
    assert expected_text.endswith(("CET", "CEST"))
    payload = alert_payload(alert)
    assert (payload["occurred_at_display"], payload["occurred_at_title"]) == (
        expected_text,
        expected_title,
    )
    assert "2 h ago" in pages["list"].content.decode()


@pytest.mark.django_db
def test_audit_pages_use_the_same_format_in_the_installations_zone(scene, settings):  # noqa: F811
    from analytics import services

    services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")
    client = client_for(UserFactory(role=Role.DPO))
    for url in (
        reverse("compliance:access-event-list"),
        reverse("compliance:change-log-list"),
    ):
        body = client.get(url).content.decode()
        texts = [text for _, _, text in TIME_TEXT.findall(body)]
        assert texts, url
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d [A-Z+\-0-9]+", t) for t in texts), texts
        assert all(t.endswith(" UTC") for t in texts), (url, texts)  # TIME_ZONE is UTC here
