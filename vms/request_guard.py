"""Requests with control characters in a header, the path or a query value: a 400.

HTTP forbids NUL, CR and LF in a field value (RFC 9110, 5.5), yet some servers pass them on,
and every record that keeps a header or the path (the audit trail's user agent, django-axes'
failed log-ins) then fails its insert on PostgreSQL, which refuses NUL in text: a 500, and the
record that should have been written is not. A failed log-in that cannot be recorded cannot be
counted either. Refusing such a request first, before anything reads it, closes the class.
Tab is allowed (it is legal whitespace inside a value). A NUL in a query value (``%00``) is
refused too: no Veil parameter takes one, and not every view reads its parameters through a
form that would refuse it.
"""

from __future__ import annotations

import re

from django.http import HttpResponseBadRequest, JsonResponse

from vms.api_errors import is_api_request

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
MESSAGE = "The request's headers, path or query hold control characters."


def has_control_characters(request) -> bool:
    """Whether a header value or the path of ``request`` holds a control character."""
    if _CONTROL.search(request.path_info) or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    return any(
        isinstance(value, str) and _CONTROL.search(value)
        for key, value in request.META.items()
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
    )


class MalformedRequestMiddleware:
    """First of all middleware: a 400 (JSON under ``/api/``) for a malformed request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request):
            if is_api_request(request):
                return JsonResponse({"detail": MESSAGE, "code": "bad_request"}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
