"""The OpenAPI schema's shape beyond what drf-spectacular infers: the error answers.

Every operation documents the errors it can answer, with the two bodies of
:mod:`vms.api_errors` as shared components (``Error``, ``ValidationError``):

* 401 (no or a refused credential), 403 (not allowed; a read-only token on a write), 406
  (an ``Accept`` header that excludes JSON), 429 (rate limit): every operation;
* 404: operations on one object (a path parameter) and those whose capability is hidden
  (``permission_hidden``: a view a role may not use answers like a missing page);
* 400: operations that read a body or query parameters;
* 413 and 415: operations that read a body.

A method an operation does not list answers 405 with the ``Error`` body (see the API's
description). ``tests/test_api_fuzz.py`` holds the schema to the answers.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR = {
    "type": "object",
    "description": "An error that is not about the input's fields.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "What went wrong, for a program."},
    },
    "required": ["detail", "code"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "The input was refused: each field's messages under its name, messages about the "
        "input as a whole under `non_field_errors`; a body that could not be read at all "
        "(malformed or too deeply nested JSON) answers `detail` and `code` instead."
    ),
    "additionalProperties": {},
    "example": {"name": ["This field is required."]},
}

DESCRIPTIONS = {
    "400": "The input was refused.",
    "401": "No credentials, or a token that is invalid, expired or revoked.",
    "403": "Not allowed (role, scope of the token, or a session without its CSRF token).",
    "404": "No such object, or none the caller may see (the same answer).",
    "406": "The `Accept` header excludes JSON, the only format the API answers in.",
    "413": "The request body is larger than the deployment allows.",
    "415": "The request body's media type is not accepted.",
    "429": "Too many requests: retry after the `Retry-After` header's seconds.",
}


def _component(registry, name: str, schema: dict) -> dict:
    component = ResolvedComponent(
        name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
    )
    registry.register_on_missing(component)
    return component.ref


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the error answers of every operation."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = ["401", "403", "406", "429"]
        if any(p.get("in") == "path" for p in parameters) or self._hides_capability():
            codes.append("404")
        if has_body or any(p.get("in") == "query" for p in parameters):
            codes.append("400")
        if has_body:
            codes += ["413", "415"]
        error = _component(registry, "Error", ERROR)
        validation = _component(registry, "ValidationError", VALIDATION_ERROR)
        responses = operation.setdefault("responses", {})
        for code in sorted(codes):
            if code not in responses:
                schema = validation if code == "400" else error
                responses[code] = {
                    "content": {"application/json": {"schema": schema}},
                    "description": DESCRIPTIONS[code],
                }
        return operation

    def _hides_capability(self) -> bool:
        return bool(getattr(self.view, "required_permissions", ())) and getattr(
            self.view, "permission_hidden", True
        )
