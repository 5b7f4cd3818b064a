"""DPIAs over the REST API: Admin drafts and submits; a DPO approves or rejects."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cameras.models import Camera
from privacy.dpia_models import Dpia, DpiaAnalytic
from privacy.services.dpia import dpia_decide, dpia_save, dpia_submit, dpia_withdraw
from vms.api import RestrictedCommandView, RestrictedModelViewSet, RestrictedPrimaryKeyRelatedField
from vms.permissions import Perm


class DpiaSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:dpia-detail")
    cameras = RestrictedPrimaryKeyRelatedField(model=Camera, many=True, required=False)
    analytics = serializers.ListField(
        child=serializers.ChoiceField(choices=DpiaAnalytic.choices), required=False
    )
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = Dpia
        fields = [
            "id",
            "url",
            "title",
            "owner",
            "description",
            "necessity",
            "risks",
            "measures",
            "cameras",
            "analytics",
            "status",
            "review_date",
            "dpo_opinion",
            "decided_at",
            "in_force",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "dpo_opinion", "decided_at", "created_at", "updated_at"]


class DpiaViewSet(RestrictedModelViewSet):
    """DPIAs: Admin writes drafts; the DPO reads every one and decides submitted ones."""

    queryset = Dpia.objects.select_related("owner").prefetch_related("cameras")
    serializer_class = DpiaSerializer
    filterset_fields = ["status"]
    ordering = ["-updated_at", "-id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = dpia_save(
            actor=self.request.user, cameras=data.pop("cameras", None), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = dpia_save(
            actor=self.request.user,
            dpia=serializer.instance,
            cameras=data.pop("cameras", None),
            **data,
        )


class DpiaSubmitView(RestrictedCommandView):
    """Submit a draft to the DPO (every Art. 35(7) part written, cameras and analytics named)."""

    queryset = Dpia.objects.all()
    serializer_class = DpiaSerializer

    @extend_schema(request=None, responses={200: DpiaSerializer})
    def post(self, request, pk):
        dpia = dpia_submit(actor=request.user, dpia_id=self.get_object().pk)
        return Response(self.get_serializer(dpia).data)


class DpiaDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField()
    review_date = serializers.DateField(required=False, allow_null=True)


class DpiaDecideView(RestrictedCommandView):
    """The DPO's decision on a submitted DPIA, with an opinion (and a review date to approve)."""

    restrict_action = "view"
    required_permissions = (Perm.DECIDE_DPIA,)
    queryset = Dpia.objects.all()
    serializer_class = DpiaDecisionSerializer

    @extend_schema(request=DpiaDecisionSerializer, responses={200: DpiaSerializer})
    def post(self, request, pk):
        decision = DpiaDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        dpia = dpia_decide(
            actor=request.user,
            dpia_id=self.get_object().pk,
            request=request,
            **decision.validated_data,
        )
        return Response(DpiaSerializer(dpia, context={"request": request}).data)


class DpiaWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class DpiaWithdrawView(RestrictedCommandView):
    """Withdraw a DPIA: recognition it allowed turns off now."""

    restrict_action = "view"
    queryset = Dpia.objects.all()
    serializer_class = DpiaWithdrawSerializer

    @extend_schema(request=DpiaWithdrawSerializer, responses={200: DpiaSerializer})
    def post(self, request, pk):
        body = DpiaWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dpia = dpia_withdraw(
            actor=request.user, dpia_id=self.get_object().pk, **body.validated_data
        )
        return Response(DpiaSerializer(dpia, context={"request": request}).data)
