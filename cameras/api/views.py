"""Sites and cameras over the REST API. Thin: the gate narrows, the registry services write."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from cameras.filters import CameraFilterSet, SiteFilterSet
from cameras.models import Camera, Site
from cameras.services import (
    camera_detail_open,
    camera_disable,
    camera_register,
    camera_source_open,
    camera_update,
    site_create,
    site_update,
)
from vms.api import RestrictedCommandView, RestrictedModelViewSet
from vms.permissions import Perm

from .serializers import (
    CameraDisableSerializer,
    CameraSerializer,
    CameraSourceSerializer,
    SiteSerializer,
)


class SiteViewSet(RestrictedModelViewSet):
    """Sites: everyone sees those they are assigned to; Admin creates and changes them."""

    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    search_fields = ["name", "address"]
    ordering_fields = ["name", "country", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = site_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = site_update(
            actor=self.request.user, site=serializer.instance, **serializer.validated_data
        )


class CameraViewSet(RestrictedModelViewSet):
    """Cameras the user may see. Opening one records a camera-view access event.

    There is no delete: a camera is disabled (``POST /cameras/{id}/disable/``) and its record
    and history stay.
    """

    queryset = Camera.objects.select_related("site")
    serializer_class = CameraSerializer
    filterset_class = CameraFilterSet
    search_fields = ["name", "site__name"]
    ordering_fields = ["name", "site__name", "status", "last_seen_at", "created_at"]

    def retrieve(self, request, *args, **kwargs):
        camera = camera_detail_open(
            actor=request.user, camera_id=kwargs[self.lookup_field], request=request
        )
        return Response(self.get_serializer(camera).data)

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        site = fields.pop("site")
        serializer.instance = camera_register(actor=self.request.user, site=site, **fields)

    def perform_update(self, serializer):
        serializer.instance = camera_update(
            actor=self.request.user, camera=serializer.instance, **serializer.validated_data
        )


class CameraSourceView(RestrictedCommandView):
    """A camera's stream source (redacted URL, whether credentials are stored).

    Only for holders of ``cameras.view_camera_source`` (Admin): the source is the
    un-anonymised video. Everyone else gets the 404 of a camera that does not exist.
    """

    restrict_action = "view"
    required_permissions = (Perm.VIEW_CAMERA_SOURCE,)
    queryset = Camera.objects.all()
    serializer_class = CameraSourceSerializer

    def get(self, request, pk):
        camera = camera_source_open(actor=request.user, camera_id=pk, request=request)
        return Response(self.get_serializer(camera).data)


class CameraDisableView(RestrictedCommandView):
    """Disable a camera: no analytics, no live view; the record and its history stay."""

    queryset = Camera.objects.select_related("site")
    serializer_class = CameraDisableSerializer

    @extend_schema(request=None, responses={200: CameraDisableSerializer})
    def post(self, request, pk):
        camera = camera_disable(actor=request.user, camera=self.get_object())
        return Response(CameraDisableSerializer(camera).data, status=status.HTTP_200_OK)
