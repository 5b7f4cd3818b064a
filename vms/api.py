"""The base of every REST API view: the permission gate, service errors, bounded bodies.

NetBox's ``BaseViewSet`` shape: the queryset is narrowed with
``Model.objects.restrict(request.user, action)`` in :meth:`RestrictedViewMixin.initial`, before
any handler runs, so a handler can only ever find objects the user may act on. A hidden object
and a missing one answer the same 404, with the same body.

Writes go through the app's services (``camera_register``, ``user_update`` ...), which re-check
the actor's right inside their transaction; a Django ``ValidationError`` they raise becomes a
DRF 400 with field errors, a ``PermissionDenied`` a 403.

Which gate action a request needs:

=====================  ==========================================================
GET, HEAD, OPTIONS     ``view``
PUT, PATCH             ``change``
DELETE                 ``delete``
POST to a collection   ``add`` — a *model-level* permission (there is no object yet)
POST to a command      the command's ``restrict_action`` (``change`` unless it says)
=====================  ==========================================================

Capabilities (what a role may *do*: decide on an alert, read a camera's source URL) are declared
on the view as ``required_permissions`` and checked by :class:`RequiresPermission` before any
handler runs, through the gate's :func:`~vms.permissions.has_permission`. A view whose very
existence is nobody else's business (``permission_hidden = True``, the default) answers the
same 404 as a missing object; otherwise lacking the capability is a 403.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import (
    exceptions,
    generics,
    mixins,
    permissions,
    serializers,
    viewsets,
)
from rest_framework.settings import api_settings

from vms.api_parsers import (  # noqa: F401 - the API base's public names
    MAX_JSON_DEPTH,
    BoundedFormParser,
    BoundedJSONParser,
    BoundedMultiPartParser,
    RequestTooLarge,
)
from vms.geometry import MAX_POINTS
from vms.permissions import (
    RestrictedQuerySet,
    has_permission,
    require_model_permission,
)

ACTION_FOR_METHOD = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def service_error_as_api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` as DRF's, keeping field errors under their field and
    model-wide ones (a unique name) under DRF's ``non_field_errors``."""
    detail = serializers.as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return exceptions.ValidationError(detail=detail)


class RestrictedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key input that only accepts objects the requesting user may see.

    A hidden id is refused with the same message as a missing one.
    """

    def __init__(self, *, model=None, action: str = "view", **kwargs):
        self.restrict_model = model
        self.restrict_action = action
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.none() if model else None)
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        model = self.restrict_model or self.queryset.model
        user = getattr(request, "user", None)
        return as_restricted(model._default_manager.all()).restrict(user, self.restrict_action)


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": 1},
            "minItems": 2,
            "maxItems": 2,
        },
        "minItems": 2,
        "maxItems": MAX_POINTS,
        "example": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]],
    }
)
class PointsField(serializers.JSONField):
    """A drawn shape, ``[[x, y], ...]`` in fractions of the frame.

    Taken as sent: the service checks and rounds it (``vms.geometry.clean_points``), so a
    shape is validated in one place whatever the door it came in by.
    """


class OptionalEmailField(serializers.EmailField):
    """An email address that may be blank, as ``EmailField(blank=True)`` stores it.

    Declare it on read-only serializers too: DRF drops ``allow_blank`` from the fields it
    generates as read-only, so the schema said ``format: email`` and every answer about a
    person without an address contradicted it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)


class CreateOnlyFieldsMixin:
    """Serializer mixin: ``Meta.create_only_fields`` are set on create and never changed.

    Sending the value the object already has is accepted (a client may PUT back what it got).
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            errors = {
                name: "Set when created; it cannot be changed."
                for name in getattr(self.Meta, "create_only_fields", ())
                if name in attrs and attrs[name] != getattr(self.instance, name)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


def as_restricted(queryset) -> RestrictedQuerySet:
    """``queryset`` with the gate's ``restrict``, also for third-party models (auditlog's
    ``LogEntry``) whose managers do not have it. Filters, joins and prefetches are kept."""
    if isinstance(queryset, RestrictedQuerySet):
        return queryset
    clone = RestrictedQuerySet(
        model=queryset.model, query=queryset.query.chain(), using=queryset._db
    )
    clone._prefetch_related_lookups = queryset._prefetch_related_lookups
    return clone


class RequiresPermission(permissions.BasePermission):
    """Every capability named in the view's ``required_permissions`` (the API's
    :func:`~vms.permissions.permission_required`).

    Lacking one is a 404 with the view's "not found" body when the view sets
    ``permission_hidden`` (the default: a guard learns nothing about an endpoint that is not
    theirs), a 403 otherwise. Anonymous requests are left to the authentication classes (403).
    """

    message = "You may not do that."

    def has_permission(self, request, view) -> bool:
        required = getattr(view, "required_permissions", ())
        if not required or not request.user.is_authenticated:
            return True  # nothing to check, or IsAuthenticated refuses first
        if all(has_permission(request.user, perm) for perm in required):
            return True
        if getattr(view, "permission_hidden", True):
            not_found = getattr(view, "not_found", None)
            raise not_found() if not_found else exceptions.NotFound()
        return False


class RestrictedViewMixin:
    """Narrow ``self.queryset`` through the gate before any handler runs.

    Subclasses set ``queryset`` to the unrestricted base (with its ``select_related``); the
    handlers see only what ``restrict(user, action)`` leaves. Capabilities the view needs
    beyond that are ``required_permissions`` (see :class:`RequiresPermission`).
    """

    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, RequiresPermission]
    #: Capabilities (``Perm`` names) every request to this view needs.
    required_permissions: tuple[str, ...] = ()
    #: Lacking one of them: 404 like a missing object (True) or 403 (False).
    permission_hidden: bool = True
    #: For command views: the gate action a POST needs. ``None``: decided by the method.
    restrict_action: str | None = None

    def gate_action(self) -> str:
        if self.restrict_action:
            return self.restrict_action
        method = self.request.method.upper()
        if method == "POST":
            return "add" if getattr(self, "action", None) == "create" else "change"
        return ACTION_FOR_METHOD.get(method, "view")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        if not hasattr(self, request.method.lower()):
            return  # no handler for this method: DRF answers 405, nothing to gate
        # Refuse an oversized body before anything reads it; the parsers bound it too.
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length.isdigit() and int(length) > limit:
            raise RequestTooLarge()
        self.base_queryset = as_restricted(self.queryset)
        self.gate = self.gate_action()
        if self.gate == "add":
            # Nothing to restrict yet: creating is a model-level right. The service checks
            # it again inside its transaction.
            require_model_permission(request.user, self.queryset.model, "add")
            self.queryset = self.base_queryset.restrict(request.user, "view")
        else:
            self.queryset = self.base_queryset.restrict(request.user, self.gate)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            if self.gate != "view" and self._visible(lookup):
                # The user can see it, so saying so leaks nothing: refuse with 403.
                raise exceptions.PermissionDenied(
                    f"You may not {self.gate} this {self.base_queryset.model._meta.verbose_name}."
                ) from None
            raise self.not_found() from None

    def _visible(self, lookup) -> bool:
        try:
            return (
                self.base_queryset.restrict(self.request.user, "view")
                .filter(**{self.lookup_field: lookup})
                .exists()
            )
        except (ValueError, TypeError, DjangoValidationError):
            return False

    def not_found(self) -> exceptions.NotFound:
        """The one 404 body for hidden and missing objects alike."""
        name = self.queryset.model._meta.verbose_name
        return exceptions.NotFound(f"No {name} matches the given query.")

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = service_error_as_api_error(exc)
        elif isinstance(exc, Http404):
            exc = self.not_found() if hasattr(self, "base_queryset") else exceptions.NotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


class RestrictedAPIMixin(RestrictedViewMixin):
    parser_classes = [BoundedJSONParser, BoundedFormParser, BoundedMultiPartParser]


class RestrictedModelViewSet(
    RestrictedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create and update through the gate. No hard delete: records stay.

    Subclasses implement :meth:`perform_create` and :meth:`perform_update` by calling their
    app's services and setting ``serializer.instance`` to what the service returned.
    """

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):  # pragma: no cover - every subclass overrides
        raise NotImplementedError("Writes go through a service: override perform_create.")

    def perform_update(self, serializer):  # pragma: no cover - every subclass overrides
        raise NotImplementedError("Writes go through a service: override perform_update.")


class RestrictedConfigurationViewSet(mixins.DestroyModelMixin, RestrictedModelViewSet):
    """Full CRUD through the gate, for configuration (zones, rules, privacy masks).

    Deleting configuration loses no record: the change log keeps what it was and who removed
    it. Subclasses also implement :meth:`perform_destroy` with their app's delete service.
    """

    http_method_names = [*RestrictedModelViewSet.http_method_names, "delete"]

    def perform_destroy(self, instance):  # pragma: no cover - every subclass overrides
        raise NotImplementedError("Deletes go through a service: override perform_destroy.")


class RestrictedReadOnlyModelViewSet(
    RestrictedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List and retrieve through the gate; every write method answers 405."""


class RestrictedCommandView(RestrictedAPIMixin, generics.GenericAPIView):
    """One operation on one object (``POST /cameras/{id}/disable/``), through the gate.

    ``get_object()`` finds the target among the objects the user may ``restrict_action``;
    a hidden target is a 404, a visible one the user may not change a 403.
    """

    restrict_action = "change"
    filter_backends: list = []
