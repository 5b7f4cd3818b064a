"""The base of every filter set: integers are integers, moments are moments, both in range.

django-filter's ``NumberFilter`` — its default for integer model fields too — reads a
*decimal*: ``?actor=1e30`` became ``Decimal("1E+30")``, which Django's integer range check
does not look at, so SQLite raised ``OverflowError`` (a 500) where PostgreSQL answered an
empty page. Every filter set subclasses :class:`FilterSet`, whose integer fields get
:class:`IntegerFilter`: whole numbers in the 64-bit range, anything else a 400 naming the
parameter. Declare id filters as ``IntegerFilter(field_name="actor_id")``, never
``NumberFilter``; ``tests/vms/test_filters.py`` walks every API filter set to hold that.

Date-times get :class:`IsoDateTimeFilter`, which hands the database UTC: Python accepts an
offset up to ±23:59, PostgreSQL only ±15:59 (``?occurred_before=2026-01-01T00:00:00-18:00``
was a ``DataError``, a 500), and a moment beyond the calendar's ends is a 400 too.

:class:`FilterBackend` builds the filter sets of views that only list ``filterset_fields``
from the same base.
"""

from __future__ import annotations

import copy
from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as DRFFilterSet

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class BoundedIntegerField(forms.IntegerField):
    """A whole number the database can compare with a 64-bit column."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    field_class = BoundedIntegerField


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment (Django's formats too), as UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


_INTEGER_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)


def _with_integers(defaults: dict) -> dict:
    defaults = copy.deepcopy(defaults)
    defaults.update({field: {"filter_class": IntegerFilter} for field in _INTEGER_FIELDS})
    defaults[models.DateTimeField] = {"filter_class": IsoDateTimeFilter}
    return defaults


class FilterSet(django_filters.FilterSet):
    """django-filter's, with integer model fields filtered as integers."""

    FILTER_DEFAULTS = _with_integers(django_filters.FilterSet.FILTER_DEFAULTS)


class GeneratedFilterSet(DRFFilterSet):
    """The base of sets built from a view's ``filterset_fields`` (DRF's, integers as integers)."""

    FILTER_DEFAULTS = _with_integers(DRFFilterSet.FILTER_DEFAULTS)


class FilterBackend(DjangoFilterBackend):
    """DRF's filter backend; sets generated from ``filterset_fields`` are integer-safe too."""

    filterset_base = GeneratedFilterSet
