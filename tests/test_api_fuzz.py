"""The API answers as its schema says, whatever it is sent: a schemathesis run as each role.

Every operation of ``/api/v1/schema/`` gets a small, fixed budget of generated requests —
valid ones, invalid ones (wrong types, out-of-range numbers, missing fields), and valid ones
aimed at objects that exist — sent in-process to the WSGI application with an API token of a
guard, a supervisor, a DPO and an admin. Every answer must be documented (status code,
content type) and match its schema; no answer may be a server error. Nothing is skipped:
deletes and revocations run too, inside the test's transaction.

The run is seeded (``derandomize``): CI sees the same requests every time. To explore, run
with ``VEIL_FUZZ_EXAMPLES=50 VEIL_FUZZ_SEED=random``.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import schemathesis
from auditlog.models import LogEntry
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import Role
from accounts.tokens.models import ApiToken
from accounts.tokens.services import api_token_create
from analytics.models import Alert, Rule, Zone
from compliance.models import AccessEvent
from privacy.models import PrivacyMask
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("VEIL_FUZZ_EXAMPLES", "4"))
SEEDED = os.environ.get("VEIL_FUZZ_SEED", "fixed") != "random"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SQUARE = [[0.1, 0.1], [0.6, 0.1], [0.6, 0.6], [0.1, 0.6]]


@pytest.fixture(scope="module")
def api_schema():
    """The schema as ``/api/v1/schema/`` serves it, loaded by schemathesis."""
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    schema.app = WSGIHandler()
    return schema


@pytest.fixture
def estate():
    """One of everything the API serves, on a site the guard and supervisor are assigned to."""
    site = SiteFactory(name="Fuzz depot")
    camera = CameraFactory(site=site, source_username="cam", source_password="secret")
    zone = Zone.objects.create(camera=camera, name="Yard", points=SQUARE)
    rule = Rule.objects.create(camera=camera, name="Yard", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    alert = Alert.objects.create(
        camera=camera,
        rule=rule,
        kind=rule.kind,
        occurred_at="2026-01-01T10:00:00Z",
        confidence=0.8,
        dedupe_key="fuzz",
    )
    mask = PrivacyMask.objects.create(camera=camera, name="Window", points=SQUARE)
    users = {
        role: UserFactory(
            role=role,
            sites=[site] if role in (Role.GUARD, Role.SUPERVISOR) else [],
            email="" if role in (Role.GUARD, Role.DPO) else f"{role.value.lower()}@example.org",
        )
        for role in (Role.GUARD, Role.SUPERVISOR, Role.DPO, Role.ADMIN)
    }
    return SimpleNamespace(
        site=site, camera=camera, zone=zone, rule=rule, alert=alert, mask=mask, users=users
    )


def _known_ids(estate, user, token) -> dict[str, dict[str, int]]:
    """Path parameters that name existing objects, by the path's first segment."""
    event = AccessEvent.objects.order_by("-pk").first()
    entry = LogEntry.objects.order_by("-pk").first()
    return {
        "sites": {"id": estate.site.pk},
        "cameras": {"id": estate.camera.pk},
        "zones": {"id": estate.zone.pk},
        "rules": {"id": estate.rule.pk},
        "alerts": {"id": estate.alert.pk},
        "privacy-masks": {"id": estate.mask.pk},
        "users": {"id": user.pk, "site_id": estate.site.pk},
        "tokens": {"id": token.pk},
        "access-events": {"id": event.pk if event else 1},
        "change-log": {"id": entry.pk if entry else 1},
    }


@pytest.fixture
def in_process_requests():
    """Requests run inside the test's transaction: Django would otherwise close the
    connection at the end of each one (the test client does the same)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR, Role.DPO, Role.ADMIN])
def test_every_answer_is_documented_and_no_server_error(
    role, api_schema, estate, in_process_requests, settings_override
):
    user = estate.users[role]
    _, key = api_token_create(
        actor=user, name="fuzz", scope=ApiToken.Scope.WRITE, expires_in_days=1
    )
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    # Another token of theirs to revoke: revoking the one the run uses would end the run.
    spare, _ = api_token_create(actor=user, name="spare", scope="read", expires_in_days=1)
    known = _known_ids(estate, user, spare)

    for result in api_schema.get_all_operations():
        operation = result.ok()
        segment = operation.path.removeprefix("/api/v1/").split("/")[0]
        fixed = {
            name: value
            for name, value in known.get(segment, {}).items()
            if "{" + name + "}" in operation.path
        }
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if fixed:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))

        @settings(
            max_examples=EXAMPLES * len(strategies),
            deadline=None,
            derandomize=SEEDED,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case):
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Failure, FailureGroup, AssertionError) as failure:
                failures.append(
                    f"{role}: {case.method} {case.formatted_path} query={case.query!r} "
                    f"body={str(case.body)[:200]!r} -> {response.status_code} "
                    f"{response.content[:300]!r}: {str(failure)[:500]}"
                )

        run()

    assert not failures, "\n\n".join(failures[:20]) + f"\n\n({len(failures)} failures)"


@pytest.fixture
def settings_override(settings):
    """Generous rates: this test is about answers, not limits (tested in tests/vms)."""
    rates = {"anon": "100000/min", "user": "100000/min", "token": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
