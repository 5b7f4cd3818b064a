"""The generic API permission tests every viewset's test class inherits (NetBox's
``APIViewTestCases``).

A test class names its resource and how to make one, then mixes in the behaviours the
resource has::

    class TestCameraAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
        model = Camera
        namespace, basename = "cameras-api", "camera"

        def make_object(self):
            return CameraFactory()

        def create_data(self):
            return {...}

Configuration that may be removed (zones, rules, privacy masks) mixes in ``DeleteTests``
instead of ``NoDeleteTests``. Each mixin checks four cases against the real gate, services
and audit trail:

* **anonymous**: refused with 401 and a ``WWW-Authenticate`` challenge, no data in the body;
* **without permission** (a guard with no assignment): lists are empty, a detail is a 404
  identical to a missing id's, writes are refused and change nothing;
* **object permission** (``grant(user, obj)``: a guard assigned to a site, granted a camera):
  exactly the granted objects, read-only;
* **permitted** (``reader_role`` reads everything, ``writer_role`` writes), and every write
  leaves an auditlog entry whose actor is the requesting user.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from auditlog.models import LogEntry
from django.db import models
from django.forms.models import model_to_dict
from django.urls import reverse
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from accounts.roles import Role
from compliance.models import AccessEvent
from tests.factories import UserFactory
from vms.permissions import permission_name


def results(response) -> list[dict]:
    """The rows of a list response, paginated or not."""
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def ids(response) -> set[int]:
    return {row["id"] for row in results(response)}


class APITestBase:
    """Shared set-up. Subclasses set the class attributes and ``make_object``."""

    model: ClassVar[type[models.Model]]
    namespace: ClassVar[str]
    basename: ClassVar[str]
    #: A role that reads every row but writes none.
    reader_role: ClassVar[Role] = Role.DPO
    #: A role that may create and change rows.
    writer_role: ClassVar[Role] = Role.ADMIN
    #: A role that sees nothing until granted something.
    unprivileged_role: ClassVar[Role] = Role.GUARD

    @pytest.fixture(autouse=True)
    def _api_setup(self, db):
        self.anonymous = APIClient()

    # --- hooks ------------------------------------------------------------------------------

    def make_object(self) -> models.Model:
        raise NotImplementedError

    def grant(self, user, obj) -> None:
        """Give ``user`` object-level view access to ``obj`` (override: assign a site)."""
        assign_perm(permission_name(self.model, "view"), user, obj)

    # --- helpers ----------------------------------------------------------------------------

    def client_for(self, role: Role | str = "", **user_fields) -> tuple[APIClient, Any]:
        user = UserFactory(role=role, **user_fields)
        client = APIClient()
        client.force_login(user)
        return client, user

    def list_url(self) -> str:
        return reverse(f"{self.namespace}:{self.basename}-list")

    def detail_url(self, pk) -> str:
        return reverse(f"{self.namespace}:{self.basename}-detail", args=[pk])

    def missing_pk(self) -> int:
        last = self.model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 10_000

    def snapshot(self, obj) -> dict:
        obj = type(obj)._default_manager.get(pk=obj.pk)
        return model_to_dict(obj)

    def assert_no_data(self, response, *objects) -> None:
        body = response.content.decode()
        assert '"results"' not in body
        for obj in objects:
            assert f'"id":{obj.pk}' not in body.replace(" ", "")

    def assert_hidden(self, client, method: str, obj, data=None) -> None:
        """``obj`` answers exactly like an id that does not exist: status and body."""
        call = getattr(client, method)
        kwargs = {"format": "json"} if data is not None else {}
        hidden = call(self.detail_url(obj.pk), data, **kwargs)
        missing = call(self.detail_url(self.missing_pk()), data, **kwargs)
        assert hidden.status_code == 404, hidden.content
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


class ListTests(APITestBase):
    def test_list_anonymous_is_refused(self):
        obj = self.make_object()
        response = self.anonymous.get(self.list_url())
        assert response.status_code == 401
        self.assert_no_data(response, obj)

    def test_list_without_permission_is_empty(self):
        self.make_object()
        client, _ = self.client_for(self.unprivileged_role)
        response = client.get(self.list_url())
        assert response.status_code == 200
        assert results(response) == []

    def test_list_object_permission_shows_exactly_the_granted(self):
        granted, other = self.make_object(), self.make_object()
        client, user = self.client_for(self.unprivileged_role)
        self.grant(user, granted)
        response = client.get(self.list_url())
        assert response.status_code == 200
        assert ids(response) == {granted.pk}
        assert other.pk not in ids(response)

    def test_list_reader_sees_all(self):
        objects = [self.make_object(), self.make_object()]
        client, _ = self.client_for(self.reader_role)
        response = client.get(self.list_url(), {"limit": 1000})
        assert response.status_code == 200
        assert {obj.pk for obj in objects} <= ids(response)


class RetrieveTests(APITestBase):
    #: The access event a successful retrieve writes (e.g. ``AccessKind.CAMERA_VIEW``).
    retrieve_access_kind: ClassVar[str | None] = None

    def test_retrieve_anonymous_is_refused(self):
        obj = self.make_object()
        response = self.anonymous.get(self.detail_url(obj.pk))
        assert response.status_code == 401
        self.assert_no_data(response, obj)

    def test_retrieve_without_permission_is_404_like_missing(self):
        obj = self.make_object()
        client, _ = self.client_for(self.unprivileged_role)
        self.assert_hidden(client, "get", obj)

    def test_retrieve_object_permission(self):
        obj = self.make_object()
        client, user = self.client_for(self.unprivileged_role)
        self.grant(user, obj)
        response = client.get(self.detail_url(obj.pk))
        assert response.status_code == 200
        assert response.json()["id"] == obj.pk

    def test_retrieve_reader(self):
        obj = self.make_object()
        client, user = self.client_for(self.reader_role)
        events_before = AccessEvent.objects.count()
        response = client.get(self.detail_url(obj.pk))
        assert response.status_code == 200
        assert response.json()["id"] == obj.pk
        if self.retrieve_access_kind:
            event = AccessEvent.objects.order_by("-id").first()
            assert AccessEvent.objects.count() == events_before + 1
            assert (event.kind, event.actor, event.target_id) == (
                self.retrieve_access_kind,
                user,
                str(obj.pk),
            )

    def test_retrieve_hidden_writes_no_access_event(self):
        obj = self.make_object()
        client, _ = self.client_for(self.unprivileged_role)
        before = AccessEvent.objects.count()
        assert client.get(self.detail_url(obj.pk)).status_code == 404
        assert AccessEvent.objects.count() == before


class CreateTests(APITestBase):
    def create_data(self) -> dict:
        raise NotImplementedError

    def _count(self) -> int:
        return self.model._default_manager.count()

    def test_create_anonymous_is_refused(self):
        data = self.create_data()
        before = self._count()
        response = self.anonymous.post(self.list_url(), data, format="json")
        assert response.status_code == 401
        assert self._count() == before

    def test_create_without_permission_is_403(self):
        data = self.create_data()
        # Log in first: making users and logging in write rows of their own (audit models).
        clients = [self.client_for(role)[0] for role in (self.unprivileged_role, self.reader_role)]
        before = self._count()
        for role, client in zip((self.unprivileged_role, self.reader_role), clients, strict=True):
            response = client.post(self.list_url(), data, format="json")
            assert response.status_code == 403, (role, response.content)
        assert self._count() == before

    def test_create_permitted_is_audited(self):
        data = self.create_data()
        client, user = self.client_for(self.writer_role)
        response = client.post(self.list_url(), data, format="json")
        assert response.status_code == 201, response.content
        obj = self.model._default_manager.get(pk=response.json()["id"])
        entry = LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.CREATE).get()
        assert entry.actor == user


class UpdateTests(APITestBase):
    def update_data(self, obj) -> dict:
        """A valid partial update of ``obj`` that changes at least one field."""
        raise NotImplementedError

    def test_update_anonymous_is_refused(self):
        obj = self.make_object()
        before = self.snapshot(obj)
        response = self.anonymous.patch(
            self.detail_url(obj.pk), self.update_data(obj), format="json"
        )
        assert response.status_code == 401
        assert self.snapshot(obj) == before

    def test_update_hidden_is_404_like_missing(self):
        obj = self.make_object()
        before = self.snapshot(obj)
        client, _ = self.client_for(self.unprivileged_role)
        self.assert_hidden(client, "patch", obj, self.update_data(obj))
        assert self.snapshot(obj) == before

    def test_update_visible_but_not_changeable_is_403(self):
        obj = self.make_object()
        before = self.snapshot(obj)
        granted_client, user = self.client_for(self.unprivileged_role)
        self.grant(user, obj)
        reader_client, _ = self.client_for(self.reader_role)
        for client in (granted_client, reader_client):
            response = client.patch(self.detail_url(obj.pk), self.update_data(obj), format="json")
            assert response.status_code == 403, response.content
        assert self.snapshot(obj) == before

    def test_update_permitted_is_audited(self):
        obj = self.make_object()
        before = self.snapshot(obj)
        client, user = self.client_for(self.writer_role)
        response = client.patch(self.detail_url(obj.pk), self.update_data(obj), format="json")
        assert response.status_code == 200, response.content
        assert self.snapshot(obj) != before
        entry = (
            LogEntry.objects.get_for_object(obj)
            .filter(action=LogEntry.Action.UPDATE)
            .order_by("-id")
            .first()
        )
        assert entry is not None and entry.actor == user


class DeleteTests(APITestBase):
    """Configuration the writer role may delete (zones, rules, masks); the change log keeps it."""

    def _exists(self, obj) -> bool:
        return self.model._default_manager.filter(pk=obj.pk).exists()

    def test_delete_anonymous_is_refused(self):
        obj = self.make_object()
        assert self.anonymous.delete(self.detail_url(obj.pk)).status_code == 401
        assert self._exists(obj)

    def test_delete_hidden_is_404_like_missing(self):
        obj = self.make_object()
        client, _ = self.client_for(self.unprivileged_role)
        self.assert_hidden(client, "delete", obj)
        assert self._exists(obj)

    def test_delete_visible_but_not_deletable_is_403(self):
        obj = self.make_object()
        granted_client, user = self.client_for(self.unprivileged_role)
        self.grant(user, obj)
        reader_client, _ = self.client_for(self.reader_role)
        for client in (granted_client, reader_client):
            response = client.delete(self.detail_url(obj.pk))
            assert response.status_code == 403, response.content
        assert self._exists(obj)

    def test_delete_permitted_is_audited(self):
        obj = self.make_object()
        client, user = self.client_for(self.writer_role)
        response = client.delete(self.detail_url(obj.pk))
        assert response.status_code == 204, response.content
        assert not self._exists(obj)
        entry = LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.DELETE).get()
        assert entry.actor == user


class NoDeleteTests(APITestBase):
    """Records are never hard-deleted through the API."""

    def test_delete_is_not_allowed(self):
        obj = self.make_object()
        client, _ = self.client_for(self.writer_role)
        response = client.delete(self.detail_url(obj.pk))
        assert response.status_code == 405
        assert self.model._default_manager.filter(pk=obj.pk).exists()


class ReadOnlyTests(APITestBase):
    """Every write method answers 405, even to the most privileged role."""

    def test_writes_are_not_allowed(self):
        obj = self.make_object()
        client, _ = self.client_for(self.writer_role)
        before = self.snapshot(obj)
        count = self.model._default_manager.count()
        assert client.post(self.list_url(), {}, format="json").status_code == 405
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(self.detail_url(obj.pk), {}, format="json")
            assert response.status_code == 405, (method, response.content)
        assert self.snapshot(obj) == before
        assert self.model._default_manager.count() == count


class CapabilityTests(APITestBase):
    """An endpoint that needs a capability (the view's ``required_permissions``) on top of the
    object being in scope: every role is tried with the object in its scope, and only
    ``capability_holders`` get through; lacking the capability is a 404 identical to a missing
    id's (``capability_hidden``) or a 403. The capability opens the endpoint for whoever holds
    it, by role or given directly, and never outside the user's scope.

    A test class sets ``capability``, ``capability_holders`` and ``capability_url``; a command
    that changes state makes a fresh object for every call.
    """

    capability: ClassVar[str]
    #: The roles that hold it: the product's policy, stated here rather than read from roles.
    capability_holders: ClassVar[set[Role]]
    capability_method: ClassVar[str] = "get"
    capability_hidden: ClassVar[bool] = True
    capability_ok_status: ClassVar[int] = 200

    def capability_url(self, pk) -> str:
        raise NotImplementedError

    def capability_data(self, obj) -> dict | None:
        return None

    def _capability_call(self, client, obj, pk=None):
        call = getattr(client, self.capability_method)
        data = self.capability_data(obj)
        kwargs = {"format": "json"} if data is not None else {}
        return call(self.capability_url(obj.pk if pk is None else pk), data, **kwargs)

    def assert_refused(self, client, obj) -> None:
        response = self._capability_call(client, obj)
        if self.capability_hidden:
            missing = self._capability_call(client, obj, pk=self.missing_pk())
            assert response.status_code == 404, response.content
            assert response.json() == missing.json()
        else:
            assert response.status_code == 403, response.content

    def test_capability_anonymous_is_refused(self):
        obj = self.make_object()
        response = self._capability_call(self.anonymous, obj)
        assert response.status_code == 401
        self.assert_no_data(response, obj)

    def test_capability_follows_the_role_policy(self):
        for role in Role:
            obj = self.make_object()
            client, user = self.client_for(role)
            self.grant(user, obj)
            if role in self.capability_holders:
                response = self._capability_call(client, obj)
                assert response.status_code == self.capability_ok_status, (role, response.content)
            else:
                self.assert_refused(client, obj)

    def _holder_without_role(self):
        """A user with no role, given only the capability itself."""
        from django.contrib.auth.models import Permission

        client, user = self.client_for("")
        app_label, codename = self.capability.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
        return client, user

    def test_capability_given_directly_opens_it(self):
        obj = self.make_object()
        client, user = self._holder_without_role()
        self.grant(user, obj)
        response = self._capability_call(client, obj)
        assert response.status_code == self.capability_ok_status, response.content

    def test_capability_does_not_widen_the_scope(self):
        obj = self.make_object()
        client, _ = self._holder_without_role()
        response = self._capability_call(client, obj)
        missing = self._capability_call(client, obj, pk=self.missing_pk())
        assert response.status_code == 404, response.content
        assert response.json() == missing.json()


def response_text(response) -> str:
    """A response body as text, for leak checks that must not depend on its structure."""
    try:
        return json.dumps(response.json())
    except ValueError:
        return response.content.decode(errors="replace")
