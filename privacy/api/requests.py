"""Subject-access requests over the REST API: list, read and log them, and one command per
step (verify, acknowledge, start, extend, close). Thin: the request services do the work."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.models import Camera, Site
from privacy.models import RequestKind, SubjectAccessRequest
from privacy.models.requests import CLOSED_STATUSES
from privacy.services import requests as services
from vms.api import RestrictedCommandView, RestrictedModelViewSet, RestrictedPrimaryKeyRelatedField


class SubjectAccessRequestSerializer(serializers.ModelSerializer):
    """A request with its clock: ``due`` (the site's date), ``days_remaining`` (negative once
    overdue; null when closed), ``overdue``. Logging one holds the footage it names."""

    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:subject-request-detail")
    site = RestrictedPrimaryKeyRelatedField(model=Site)
    cameras = RestrictedPrimaryKeyRelatedField(model=Camera, many=True, required=False)
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    due = serializers.DateField(source="clock.due", read_only=True)
    acknowledge_by = serializers.DateField(source="clock.acknowledge_by", read_only=True)
    days_remaining = serializers.IntegerField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = SubjectAccessRequest
        fields = [
            "id", "url", "reference", "kind", "status", "requester_name", "requester_contact",
            "site", "cameras", "window_start", "window_end", "description", "received_at",
            "received_via", "jurisdiction", "verified_by", "verified_at", "verification_method",
            "acknowledged_at", "extension", "extension_reason", "extension_notified_at",
            "closed_at", "outcome", "legal_hold", "due", "acknowledge_by", "days_remaining",
            "overdue", "has_photo",
        ]  # fmt: skip
        read_only_fields = [
            "reference", "status", "received_via", "jurisdiction", "verified_by", "verified_at",
            "verification_method", "acknowledged_at", "extension", "extension_reason",
            "extension_notified_at", "closed_at", "outcome", "legal_hold",
        ]  # fmt: skip
        extra_kwargs = {"received_at": {"required": False}}

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)


class SubjectAccessRequestViewSet(RestrictedModelViewSet):
    """Subject-access requests (DPO). Created through the intake service: jurisdiction and
    clock come from the site, the footage named is held. Changed only through the step
    commands; never deleted."""

    http_method_names = ["get", "post", "head", "options"]
    queryset = SubjectAccessRequest.objects.select_related("site").prefetch_related("cameras")
    serializer_class = SubjectAccessRequestSerializer
    search_fields = ["reference"]
    ordering_fields = ["received_at", "status"]
    ordering = ["-received_at"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.subject_request_receive(
            actor=self.request.user,
            site_id=data["site"].pk,
            camera_ids=[camera.pk for camera in data.get("cameras", [])],
            kind=data["kind"],
            requester_name=data["requester_name"],
            requester_contact=data["requester_contact"],
            window_start=data["window_start"],
            window_end=data["window_end"],
            description=data.get("description", ""),
            received_at=data.get("received_at"),
            request=self.request,
        )


class VerifyInput(serializers.Serializer):
    method = serializers.CharField(max_length=300)


class ExtendInput(serializers.Serializer):
    extension = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=4000)


class CloseInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=[str(status) for status in CLOSED_STATUSES])
    outcome = serializers.CharField(max_length=4000)


class EmptyInput(serializers.Serializer):
    pass


class _StepView(RestrictedCommandView):
    queryset = SubjectAccessRequest.objects.select_related("site")
    serializer_class = SubjectAccessRequestSerializer
    input_serializer = EmptyInput
    step = ""

    def post(self, request, pk):
        subject_request = self.get_object()
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = getattr(services, f"subject_request_{self.step}")(
            actor=request.user,
            request_id=subject_request.pk,
            request=request,
            **data.validated_data,
        )
        return Response(self.get_serializer(done).data)


def _step(name: str, input_serializer, doc: str):
    view = type(
        f"SubjectRequest{name.title()}View",
        (_StepView,),
        {"step": name, "input_serializer": input_serializer, "__doc__": doc},
    )
    view.post = extend_schema(request=input_serializer, responses=SubjectAccessRequestSerializer)(
        view.post
    )
    return view


SubjectRequestVerifyView = _step(
    "verify", VerifyInput, "Record that the requester's identity was verified, and how."
)
SubjectRequestAcknowledgeView = _step(
    "acknowledge", EmptyInput, "Record that receipt was confirmed to the requester."
)
SubjectRequestStartView = _step("start", EmptyInput, "Begin the search (identity verified).")
SubjectRequestExtendView = _step(
    "extend", ExtendInput, "Extend the deadline, with the reasoned notice sent now."
)
SubjectRequestCloseView = _step(
    "close", CloseInput, "Answer, refuse or record a withdrawal; the hold is released."
)
