"""The audit lists at a million events: keyset pages in HTML and API (every event once,
newest first, filters kept), a bounded count, and query counts that do not grow with a page."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Site
from compliance.models import AccessEvent, AccessKind
from compliance.services import acting_as
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_events(n: int, *, actor, kind=AccessKind.CAMERA_VIEW, start=None) -> list[AccessEvent]:
    """``n`` events two per timestamp (ties), bulk-written, then dated as wanted."""
    events = AccessEvent.objects.bulk_create(
        AccessEvent(kind=kind, actor=actor, actor_username=actor.username) for _ in range(n)
    )
    start = start or timezone.now()
    # Append-only for the application, and for the database (compliance 0009's triggers): a
    # test dates its fixtures through SQL with the triggers out of the way, as a restore would.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for i, event in enumerate(events):
            cursor.execute(
                "UPDATE compliance_accessevent SET occurred_at = %s WHERE id = %s",
                [start - dt.timedelta(minutes=i // 2), event.pk],
            )
        cursor.execute("SET LOCAL session_replication_role = origin")
    return list(AccessEvent.objects.filter(pk__in=[e.pk for e in events]))


def newest_first(rows, field="occurred_at") -> list[int]:
    return [r.pk for r in sorted(rows, key=lambda r: (getattr(r, field), r.pk), reverse=True)]


def walk(client, url, params) -> list[int]:
    seen, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])


def test_access_event_api_and_html_page_by_cursor_with_filters():
    alice, bob = UserFactory(), UserFactory()
    alices = make_events(45, actor=alice)
    make_events(10, actor=bob, kind=AccessKind.EXPORT)
    dpo = UserFactory(role=Role.DPO)
    api = APIClient()
    api.force_login(dpo)
    url = reverse("compliance-api:access-event-list")
    assert walk(api, url, {"limit": 10, "actor": alice.pk}) == newest_first(alices)

    html = Client()
    html.force_login(dpo)
    page_url = reverse("compliance:access-event-list")
    first = html.get(page_url, {"actor": alice.username.upper()}).context["page"]
    assert [e.pk for e in first] == newest_first(alices)[:45]
    # Whole days, in the current time zone, as a range on the timestamp (index-friendly).
    today = timezone.localdate()
    dated = html.get(page_url, {"actor": alice.username, "date_from": today, "date_to": today})
    expected = [e for e in alices if timezone.localtime(e.occurred_at).date() == today]
    assert [e.pk for e in dated.context["page"]] == newest_first(expected)


def test_change_log_pages_by_cursor():
    admin = UserFactory(role=Role.ADMIN)
    with acting_as(admin):
        sites = [SiteFactory() for _ in range(12)]
    entries = list(
        LogEntry.objects.get_for_objects(Site.objects.filter(pk__in=[s.pk for s in sites]))
    )
    dpo = UserFactory(role=Role.DPO)
    api = APIClient()
    api.force_login(dpo)
    url = reverse("compliance-api:changelog-list")
    seen = walk(api, url, {"limit": 5, "actor": admin.pk})
    assert seen == newest_first(entries, "timestamp")

    html = Client()
    html.force_login(dpo)
    page = html.get(reverse("compliance:change-log-list"), {"actor": admin.username}).context[
        "page"
    ]
    assert [e.pk for e in page] == newest_first(entries, "timestamp")


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_audit_pages_cost_the_same_queries_whatever_their_size():
    actor = UserFactory()
    make_events(60, actor=actor)
    with acting_as(actor):
        for _ in range(3):
            SiteFactory()
    dpo = UserFactory(role=Role.DPO)
    api, html = APIClient(), Client()
    api.force_login(dpo)
    html.force_login(dpo)
    for url in (
        reverse("compliance-api:access-event-list"),
        reverse("compliance-api:changelog-list"),
    ):
        _queries(api, url)
        assert _queries(api, url, {"limit": 1}) == _queries(api, url, {"limit": 50})
    events = reverse("compliance:access-event-list")
    _queries(html, events)
    assert _queries(html, events, {"kind": "export"}) == _queries(html, events)
    changes = reverse("compliance:change-log-list")
    _queries(html, changes)
    assert _queries(html, changes, {"action": 2}) == _queries(html, changes)
