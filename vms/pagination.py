"""Keyset (cursor) pagination for the long lists: alerts, access events, the change log.

A page is "the next ``size`` rows after this one" — ``WHERE (time, id) < (t, i) ORDER BY time
DESC, id DESC LIMIT size + 1`` on an index — so page 20 000 costs what page 1 costs, where
``OFFSET`` would read and throw away every row before it. The cursor is an opaque token
naming the row a page starts after (or, going back, before); the HTML pages and the API use
the same one.

Counts are bounded too: :func:`count_capped` counts at most ``cap + 1`` rows, so a list says
"1 000+" instead of counting a million restricted rows on every page view.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_SIZE = 50
COUNT_CAP = 1000


class InvalidCursor(ValueError):
    """A cursor this list did not issue (edited, truncated, or from another ordering)."""


@dataclass
class KeysetPage:
    """One page of rows, and the cursors of its neighbours (``None`` at either end)."""

    object_list: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    count: int | None = field(default=None)
    count_capped: bool = False

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_label(self) -> str:
        """ "1 000+" past the cap; thousands apart by a space (no locale guessing)."""
        if self.count is None:
            return ""
        return f"{self.count:,}".replace(",", "\u202f") + ("+" if self.count_capped else "")


def _ordering(queryset: models.QuerySet) -> tuple[models.Field, bool]:
    """The key field and direction of ``queryset``'s ordering (its first term); the primary
    key, in the same direction, breaks ties. A nullable or non-concrete first term (not one
    the lists use) falls back to the primary key alone."""
    meta = queryset.model._meta
    first = str((queryset.query.order_by or meta.ordering or ["-pk"])[0])
    descending = first.startswith("-")
    name = first.lstrip("-")
    if name in {"pk", meta.pk.name, meta.pk.attname}:
        return meta.pk, descending
    try:
        key = meta.get_field(name)
    except FieldDoesNotExist:  # a lookup through a relation: not a keyset key
        return meta.pk, descending
    if key.null or not key.concrete or key.many_to_many:
        return meta.pk, descending
    return key, descending


def _encode(direction: str, value: Any, pk: Any) -> str:
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    raw = json.dumps([direction, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, key: models.Field, pk_field: models.Field) -> tuple[str, Any, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, value, pk = json.loads(raw)
        if direction not in ("n", "p"):
            raise InvalidCursor("Unknown cursor direction.")
        return direction, key.to_python(value), pk_field.to_python(pk)
    except (ValueError, TypeError, binascii.Error, ValidationError) as exc:
        raise InvalidCursor("Invalid cursor.") from exc


def _beyond(key: models.Field, pk_name: str, value, pk, *, smaller: bool) -> models.Q:
    """Rows strictly past ``(value, pk)`` in the given direction, written so that the index on
    ``(key, pk)`` bounds the scan (``key <= value`` as an index condition, then the tie-break)."""
    strict, loose = ("lt", "lte") if smaller else ("gt", "gte")
    if key.primary_key:
        return models.Q(**{f"pk__{strict}": pk})
    return models.Q(**{f"{key.attname}__{loose}": value}) & (
        models.Q(**{f"{key.attname}__{strict}": value})
        | models.Q(**{key.attname: value, f"{pk_name}__{strict}": pk})
    )


def keyset_paginate(
    queryset: models.QuerySet, *, cursor: str | None = None, size: int = DEFAULT_SIZE
) -> KeysetPage:
    """The page of ``queryset`` (already restricted, filtered and ordered) that ``cursor``
    names, or the first. Costs one query (plus the queryset's prefetches), whatever the depth.

    Raises :class:`InvalidCursor` for a cursor this list did not issue.
    """
    key, descending = _ordering(queryset)
    meta = queryset.model._meta
    pk_name = meta.pk.attname
    direction, value, pk = _decode(cursor, key, meta.pk) if cursor else ("n", None, None)
    backwards = direction == "p"
    order = "-" if descending != backwards else ""
    rows_qs = queryset.order_by(*dict.fromkeys([f"{order}{key.attname}", f"{order}{pk_name}"]))
    if cursor:
        rows_qs = rows_qs.filter(_beyond(key, pk_name, value, pk, smaller=descending != backwards))
    rows = list(rows_qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        if not rows:  # nothing newer any more: start again from the top
            return keyset_paginate(queryset, size=size)
        rows.reverse()

    def at(row, where: str) -> str:
        return _encode(where, getattr(row, key.attname), getattr(row, pk_name))

    has_next = (more and not backwards) or (backwards and bool(rows))
    has_previous = (more and backwards) or (not backwards and cursor is not None)
    return KeysetPage(
        object_list=rows,
        next_cursor=at(rows[-1], "n") if has_next and rows else None,
        previous_cursor=at(rows[0], "p") if has_previous and rows else None,
    )


def count_capped(queryset: models.QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counting no further than ``cap`` (``(cap, True)`` means "cap+")."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return min(counted, cap), counted > cap


def page_for_request(queryset: models.QuerySet, request, *, size: int = DEFAULT_SIZE):
    """The HTML lists' page: ``?cursor=`` from the query string (an unknown one shows the
    first page), with a bounded count for the "N in all" line."""
    try:
        page = keyset_paginate(queryset, cursor=request.GET.get("cursor") or None, size=size)
    except InvalidCursor:
        page = keyset_paginate(queryset, size=size)
    page.count, page.count_capped = count_capped(queryset)
    return page


class KeysetPagination(BasePagination):
    """The API's pagination for long lists: ``?cursor=`` (from ``next`` / ``previous``) and
    ``?limit=`` (1–200, default 50). No count: a restricted count over millions of rows is
    the slow part of a list; follow ``next`` until it is ``null``."""

    page_size = DEFAULT_SIZE
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "limit"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except ValueError:
            raise exceptions.ValidationError({"limit": ["A whole number is required."]}) from None
        size = max(1, min(size, self.max_page_size))
        cursor = request.query_params.get(self.cursor_query_param) or None
        try:
            self.page = keyset_paginate(queryset, cursor=cursor, size=size)
        except InvalidCursor:
            raise exceptions.ValidationError({"cursor": ["Invalid cursor."]}) from None
        return list(self.page)

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        previous = self._link(self.page.previous_cursor)
        if previous is None and self.page.has_previous:
            previous = remove_query_param(
                self.request.build_absolute_uri(), self.cursor_query_param
            )
        return Response(
            {"next": self._link(self.page.next_cursor), "previous": previous, "results": data}
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page cursor, from a response's next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (1-{self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
