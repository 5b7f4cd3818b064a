"""Every API error is JSON, whoever raises it: DRF, Django, or a bug.

Two body shapes, both in the schema (``vms.api_schema``):

* ``{"detail": "...", "code": "..."}`` for every error but field validation (401, 403, 404,
  405, 413, 415, 429, 500 and a 400 that is not about fields, such as malformed JSON);
* ``{"field": ["message", ...], "non_field_errors": [...]}`` for a 400 on the input's fields.

:func:`exception_handler` is DRF's ``EXCEPTION_HANDLER``. Errors raised before a view runs
(an unknown ``/api/`` path, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read by a middleware)
or escaping it (a 500) reach Django's handlers, which ``vms.urls`` points at the ``api_*``
functions below: JSON under ``/api/``, the HTML pages elsewhere. A 500 never carries a trace.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import connections
from django.http import JsonResponse
from django.views import defaults
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from vms.api_parsers import RequestTooLarge

API_PREFIX = "/api/"


def _code(detail, default: str) -> str:
    return str(getattr(detail, "code", None) or default)


def exception_handler(exc, context):
    """DRF's handler, with Django's "body too large" as a 413 and one body shape per kind."""
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handler answers (api_server_error under /api/)
    if isinstance(response.data, list):
        # A validation error not tied to a field (the search filter's): say so, as an object.
        response.data = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
    elif isinstance(response.data, dict) and set(response.data) == {"detail"}:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": _code(detail, "error")}
    if getattr(exc, "keep_transaction", False):
        # Refused before anything ran (an API token that does not open): the audit record of
        # the refusal is the only write, and it must survive the refusal.
        for db in connections.all(initialized_only=True):
            if db.in_atomic_block:
                db.set_rollback(False)
    return response


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def api_bad_request(request, exception, *args, **kwargs):
    if not is_api_request(request):
        return defaults.bad_request(request, exception, *args, **kwargs)
    if isinstance(exception, RequestDataTooBig):
        return _error(413, RequestTooLarge.default_detail, RequestTooLarge.default_code)
    return _error(400, "The request could not be understood.", "bad_request")


def api_permission_denied(request, exception, *args, **kwargs):
    if not is_api_request(request):
        return defaults.permission_denied(request, exception, *args, **kwargs)
    return _error(403, "You do not have permission to perform this action.", "permission_denied")


def api_page_not_found(request, exception, *args, **kwargs):
    if not is_api_request(request):
        return defaults.page_not_found(request, exception, *args, **kwargs)
    return _error(404, "Not found.", "not_found")


def api_server_error(request, *args, **kwargs):
    if not is_api_request(request):
        return defaults.server_error(request, *args, **kwargs)
    return _error(500, "A server error occurred.", "server_error")
