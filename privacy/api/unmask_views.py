"""The four-eyes un-mask over the REST API: one small view per command.

Thin: the selectors decide what a user sees (their own requests; approvers those on cameras
they see; the DPO all), the services decide and audit. A grant the user may not see answers
404 like a missing one; so does every original segment outside an active grant of theirs.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from privacy.models import UnmaskGrant
from privacy.selectors import unmask_active_grant, unmask_grants_visible, unmask_original_segments
from privacy.services.unmask import unmask_approve, unmask_refuse, unmask_request, unmask_revoke
from vms.api import RestrictedAPIMixin, RestrictedReadOnlyModelViewSet
from vms.permissions import Perm

from .serializers import (
    UnmaskGrantSerializer,
    UnmaskNoteSerializer,
    UnmaskRequestSerializer,
    UnmaskSegmentSerializer,
)


class UnmaskGrantViewSet(RestrictedReadOnlyModelViewSet):
    """Un-mask requests and grants: a requester's own, the requests on an approver's cameras,
    every one for the DPO."""

    queryset = UnmaskGrant.objects.all()
    serializer_class = UnmaskGrantSerializer
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "expires_at"]

    def get_queryset(self):
        # Grants are not scoped by object permissions but by who asked and who decides:
        # the selector is the gate for them.
        return unmask_grants_visible(user=self.request.user)


class _UnmaskCommand(RestrictedAPIMixin, generics.GenericAPIView):
    restrict_action = "view"
    queryset = UnmaskGrant.objects.all()
    filter_backends: list = []

    def answer(self, grant, code=status.HTTP_200_OK) -> Response:
        grant = unmask_grants_visible(user=self.request.user).get(pk=grant.pk)
        return Response(UnmaskGrantSerializer(grant).data, status=code)


class UnmaskRequestView(_UnmaskCommand):
    """Request an un-mask (guards, supervisors). Pending until another person decides."""

    required_permissions = (Perm.REQUEST_UNMASK,)
    serializer_class = UnmaskRequestSerializer

    @extend_schema(request=UnmaskRequestSerializer, responses={201: UnmaskGrantSerializer})
    def post(self, request):
        serializer = UnmaskRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grant = unmask_request(
            actor=request.user,
            camera_ids=data["cameras"],
            mode=data["mode"],
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            live_minutes=data.get("live_minutes"),
            valid_minutes=data.get("valid_minutes"),
            reason=data["reason"],
            alert_id=data.get("alert_id"),
            case_reference=data.get("case_reference", ""),
            request=request,
        )
        return self.answer(grant, status.HTTP_201_CREATED)


class _UnmaskDecision(_UnmaskCommand):
    serializer_class = UnmaskNoteSerializer
    service = None

    @extend_schema(request=UnmaskNoteSerializer, responses={200: UnmaskGrantSerializer})
    def post(self, request, pk):
        serializer = UnmaskNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = type(self).service(
            actor=request.user, grant_id=pk, note=serializer.validated_data["note"], request=request
        )
        return self.answer(grant)


class UnmaskApproveView(_UnmaskDecision):
    """Approve another person's request (supervisors, DPO; never one's own: 403). The grant
    opens now for its ``valid_minutes``, within the DPO's maximum."""

    required_permissions = (Perm.APPROVE_UNMASK,)
    service = staticmethod(unmask_approve)


class UnmaskRefuseView(_UnmaskDecision):
    """Refuse another person's request, with a note (required)."""

    required_permissions = (Perm.APPROVE_UNMASK,)
    service = staticmethod(unmask_refuse)


class UnmaskRevokeView(_UnmaskDecision):
    """End a grant now, with a note (DPO); open un-masked views close at once."""

    required_permissions = (Perm.REVOKE_UNMASK,)
    service = staticmethod(unmask_revoke)


class UnmaskSegmentListView(RestrictedAPIMixin, generics.GenericAPIView):
    """The original segments an active recorded grant of yours opens on one camera, each with
    the address of its watermarked video (watching it is recorded). Otherwise 404."""

    restrict_action = "view"
    queryset = UnmaskGrant.objects.all()
    filter_backends: list = []
    serializer_class = UnmaskSegmentSerializer
    required_permissions = (Perm.REQUEST_UNMASK,)

    @extend_schema(responses={200: UnmaskSegmentSerializer(many=True)})
    def get(self, request, pk, camera_id):
        grant, camera = unmask_active_grant(
            user=request.user, grant_id=pk, camera_id=camera_id, mode=UnmaskGrant.Mode.RECORDED
        )
        rows = [
            {
                "id": segment.pk,
                "started_at": segment.started_at,
                "ended_at": segment.ended_at,
                "url": request.build_absolute_uri(
                    reverse("privacy:unmask-segment", args=[grant.pk, camera.pk, segment.pk])
                ),
            }
            for segment in unmask_original_segments(grant=grant, camera=camera)
        ]
        return Response(UnmaskSegmentSerializer(rows, many=True).data)
