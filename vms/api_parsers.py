"""Request body parsers of the API: every body within ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413
beyond it) and JSON within :data:`MAX_JSON_DEPTH` (400 beyond it).

Kept apart from :mod:`vms.api`: DRF imports the parser classes named in its settings while it
builds ``APIView``, which :mod:`vms.api` itself imports.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


#: Deepest nesting of arrays and objects a JSON body may have. No Veil input nests beyond
#: four (a shape's points); a deeper body is refused before anything recurses through it.
MAX_JSON_DEPTH = 32


def _read_bounded(stream) -> bytes:
    """Read a request body, refusing one larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

    Django enforces the limit only when ``request.body`` or ``request.POST`` is read; DRF's
    parsers read the raw stream, so the limit is applied here too.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestTooLarge()
    return body


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` nests arrays/objects more than ``limit`` deep (iterative: a deep
    document cannot exhaust the stack while it is measured)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(parsers.JSONParser):
    """JSON within the size limit and :data:`MAX_JSON_DEPTH`; anything else is a 400/413."""

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return {}
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(_read_bounded(stream).decode(encoding))
        except RecursionError as exc:
            raise exceptions.ParseError(
                "JSON parse error - the document nests too deeply."
            ) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        if json_depth_exceeds(data):
            raise exceptions.ParseError(
                f"JSON parse error - the document nests deeper than {MAX_JSON_DEPTH} levels."
            )
        return data


class BoundedFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(_read_bounded(stream), encoding=encoding)


class BoundedMultiPartParser(parsers.MultiPartParser):
    """Multipart within the size limit: Django bounds only its non-file fields."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = str((request.META.get("CONTENT_LENGTH") if request is not None else "") or "0")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length.isdigit() and int(length) > limit:
            raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)
