"""Filters take integers as integers, and odd values are a 400, never a 500 — for every filter
of every API list, not a chosen few.

``?actor=1e30`` used to reach the database as ``Decimal("1E+30")``: an ``OverflowError`` (500)
on SQLite. Each list's filters are found by walking the API's URLs, so a new filter set is
covered the day it is added.
"""

from __future__ import annotations

import django_filters
import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters.utils import get_model_field
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import CameraFactory, UserFactory
from vms.filters import FilterBackend, IntegerFilter, IsoDateTimeFilter

ODD_NUMBERS = ["1e30", "99999999999999999999", "-99999999999999999999", "1.5", "NaN", "Infinity",
               "0x10", "9" * 5000]  # fmt: skip
ODD_DATES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-30T00:00:00Z",
             "2170-06-30T09:16:20-18:32", "0111-02-24T10:29:39+22:05", "yesterday", "1e30"]  # fmt: skip


def _api_list_views():
    """(path, view class) of every list endpoint under /api/v1/ with filters."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, callback in walk(get_resolver().url_patterns, ""):
        view = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", {}) or {}
        if not route.startswith("api/v1/") or "<" in route or "(?P<" in route:
            continue
        if view is None or (actions and "get" in actions and actions["get"] != "list"):
            continue
        if getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None):
            yield "/" + route.replace("^", "").replace("\\Z", "").replace("$", ""), view


LIST_VIEWS = sorted(set(_api_list_views()), key=lambda item: item[0])


def _filterset_class(view):
    queryset = view.queryset
    instance = view()
    return FilterBackend().get_filterset_class(instance, queryset)


def test_every_api_list_with_filters_is_found():
    paths = {path for path, _ in LIST_VIEWS}
    assert {"/api/v1/access-events/", "/api/v1/change-log/", "/api/v1/rules/"} <= paths
    assert len(paths) >= 8, paths


@pytest.mark.parametrize(("path", "view"), LIST_VIEWS, ids=[p for p, _ in LIST_VIEWS])
def test_integer_model_fields_are_filtered_as_integers(path, view):
    filterset = _filterset_class(view)
    for name, flt in filterset.base_filters.items():
        field = get_model_field(filterset._meta.model, flt.field_name)
        if isinstance(flt, django_filters.NumberFilter) and isinstance(
            field, models.IntegerField | models.AutoField | models.ForeignKey
        ):
            assert isinstance(flt, IntegerFilter), f"{path} ?{name}= reads a decimal"
        if isinstance(flt, django_filters.DateTimeFilter | django_filters.IsoDateTimeFilter):
            assert isinstance(flt, IsoDateTimeFilter), f"{path} ?{name}= keeps its offset"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "view"), LIST_VIEWS, ids=[p for p, _ in LIST_VIEWS])
def test_odd_values_are_refused_not_crashed(path, view):
    CameraFactory()
    client = APIClient()
    client.force_login(UserFactory(role=Role.ADMIN))
    filterset = _filterset_class(view)
    for name, flt in filterset.base_filters.items():
        if isinstance(flt, django_filters.NumberFilter | django_filters.ModelChoiceFilter):
            for value in ODD_NUMBERS:
                response = client.get(path, {name: value})
                assert response.status_code == 400, (path, name, value, response.status_code)
                assert name in response.json()
            if isinstance(flt, django_filters.NumberFilter):
                assert client.get(path, {name: "5"}).status_code == 200, (path, name)
        elif isinstance(flt, django_filters.IsoDateTimeFilter | django_filters.DateTimeFilter):
            for value in ODD_DATES:
                response = client.get(path, {name: value})
                assert response.status_code in (200, 400), (path, name, value)
        else:
            for value in ("\x00", "x" * 10_000, "1e30", "%"):
                response = client.get(path, {name: value})
                assert response.status_code in (200, 400), (path, name, value)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/access-events/", "/api/v1/change-log/"])
def test_huge_actor_is_a_400_naming_the_parameter(path):
    client = APIClient()
    client.force_login(UserFactory(role=Role.DPO))
    response = client.get(path, {"actor": "1e30"})
    assert response.status_code == 400
    assert response.json() == {"actor": ["Enter a whole number."]}


@pytest.mark.django_db
def test_an_offset_postgresql_does_not_know_is_answered():
    client = APIClient()
    client.force_login(UserFactory(role=Role.DPO))
    for value in ("2170-06-30T09:16:20-18:32", "0111-02-24T10:29:39+22:05"):
        response = client.get("/api/v1/access-events/", {"occurred_before": value})
        assert response.status_code == 200, (value, response.content)
    response = client.get("/api/v1/change-log/", {"changed_after": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 400 and "changed_after" in response.json()
