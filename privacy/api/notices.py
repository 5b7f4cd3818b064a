"""Notice versions and privacy-policy versions over the REST API.

Notice versions are read-only (they are published by configuration changes); policy
versions are drafted by admins and published by a DPO through ``publish``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from privacy.notice_models import NoticeVersion, PolicyVersion
from privacy.services.notices import policy_draft_save, policy_publish
from vms.api import RestrictedCommandView, RestrictedModelViewSet, RestrictedReadOnlyModelViewSet
from vms.permissions import Perm


class NoticeVersionSerializer(serializers.ModelSerializer):
    """One published version of a site's privacy notice; ``public_url`` is where anyone
    reads it (the signs' QR codes point to the site's current one)."""

    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:notice-version-detail")
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = NoticeVersion
        fields = [
            "id",
            "url",
            "site",
            "number",
            "published_at",
            "cause",
            "actor_username",
            "content",
            "printed",
            "diff",
            "public_url",
        ]
        read_only_fields = fields

    def get_public_url(self, version: NoticeVersion) -> str:
        request = self.context.get("request")
        path = version.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class NoticeVersionViewSet(RestrictedReadOnlyModelViewSet):
    """Published notice versions of the sites the user may see; ``?site=`` narrows."""

    queryset = NoticeVersion.objects.select_related("site")
    serializer_class = NoticeVersionSerializer
    filterset_fields = ["site", "number"]
    ordering_fields = ["published_at", "number"]
    ordering = ["site", "-number"]


class PolicyVersionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:policy-version-detail")

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "url",
            "number",
            "title",
            "text",
            "status",
            "effective_date",
            "created_at",
            "published_at",
            "diff",
        ]
        read_only_fields = ["number", "status", "created_at", "published_at", "diff"]


class PolicyVersionViewSet(RestrictedModelViewSet):
    """The privacy policy's versions: drafts (Admin writes them) and published ones."""

    queryset = PolicyVersion.objects.all()
    serializer_class = PolicyVersionSerializer
    filterset_fields = ["status"]
    ordering = ["-number", "-id"]

    def perform_create(self, serializer):
        serializer.instance = policy_draft_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        draft, data = serializer.instance, serializer.validated_data
        serializer.instance = policy_draft_save(
            actor=self.request.user,
            draft=draft,
            text=data.get("text", draft.text),
            title=data.get("title", draft.title),
            effective_date=data.get("effective_date", draft.effective_date),
        )


class PolicyPublishView(RestrictedCommandView):
    """Publish a draft policy version (DPO): it takes effect on its effective date."""

    restrict_action = "view"
    required_permissions = (Perm.PUBLISH_POLICY,)
    queryset = PolicyVersion.objects.all()
    serializer_class = PolicyVersionSerializer

    @extend_schema(request=None, responses={200: PolicyVersionSerializer})
    def post(self, request, pk):
        policy = policy_publish(actor=request.user, policy_id=self.get_object().pk, request=request)
        return Response(self.get_serializer(policy).data)
