"""API tokens over the REST API: list, create (the key answered once), revoke.

``GET /tokens/`` lists what the gate shows (one's own; everybody's for those who may see all
tokens); ``POST /tokens/`` creates one of the caller's own, from a logged-in session only (a
token cannot mint tokens that outlive it); ``POST /tokens/{id}/revoke/`` revokes one.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.response import Response

from accounts.tokens.models import ApiToken
from accounts.tokens.services import api_token_create, api_token_revoke
from vms.api import RestrictedCommandView, RestrictedReadOnlyModelViewSet
from vms.filters import FilterSet, IntegerFilter


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as lists show it: never its key."""

    owner = serializers.IntegerField(source="owner_id", read_only=True)
    owner_username = serializers.CharField(source="owner.username", read_only=True)
    status = serializers.ChoiceField(
        choices=ApiToken.Status.choices,
        read_only=True,
        help_text="Whether the token still opens anything.",
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "owner",
            "owner_username",
            "status",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "last_used_from",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    """Input of ``POST /tokens/``."""

    name = serializers.CharField(max_length=100, help_text="What will use the token.")
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.READ)
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        help_text="Days until the token stops working (at most the deployment's bound).",
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """A new token, with its key: shown in this answer only, never again."""

    key = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token <key>`.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiTokenFilterSet(FilterSet):
    owner = IntegerFilter(field_name="owner_id")

    class Meta:
        model = ApiToken
        fields = ["owner", "scope"]


class ApiTokenViewSet(mixins.CreateModelMixin, RestrictedReadOnlyModelViewSet):
    queryset = ApiToken.objects.select_related("owner")
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilterSet
    ordering_fields = ["created_at", "expires_at", "last_used_at", "name"]

    def gate_action(self) -> str:
        # Creating a token of one's own needs no model right; the service checks the rest.
        return "view" if self.request.method == "POST" else super().gate_action()

    def get_serializer_class(self):
        return ApiTokenCreateSerializer if self.action == "create" else ApiTokenSerializer

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        if getattr(request.auth, "is_api_token", False):
            raise exceptions.PermissionDenied(
                "Create API tokens from a logged-in session, not with another token."
            )
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(
            actor=request.user, request=request, **serializer.validated_data
        )
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenRevokeView(RestrictedCommandView):
    """``POST``: revoke a token (one's own, or anyone's for those who may)."""

    queryset = ApiToken.objects.select_related("owner")
    serializer_class = ApiTokenSerializer

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    def post(self, request, pk):
        token = api_token_revoke(actor=request.user, token=self.get_object(), request=request)
        return Response(ApiTokenSerializer(token).data)
