"""User serializers: shapes and password checks; roles and grants go through the services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.roles import Role
from accounts.selectors import user_assigned_sites, user_granted_cameras
from cameras.models import Site
from vms.api import OptionalEmailField, RestrictedPrimaryKeyRelatedField

User = get_user_model()


class SiteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name"]


class CameraBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    """A person's account. The password is write-only and checked by Django's validators."""

    url = serializers.HyperlinkedIdentityField(view_name="accounts-api:user-detail")
    email = OptionalEmailField(required=False)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text="Required on create; on update, sets a new password.",
    )
    sites = serializers.SerializerMethodField(help_text="Sites the user is assigned to.")

    class Meta:
        model = User
        fields = [
            "id",
            "url",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "password",
            "sites",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["last_login", "date_joined"]

    @extend_schema_field(SiteBriefSerializer(many=True))
    def get_sites(self, user) -> list[dict]:
        return SiteBriefSerializer(user_assigned_sites(user=user), many=True).data

    def validate_username(self, value: str) -> str:
        if self.instance is not None and value != self.instance.username:
            raise serializers.ValidationError("A username cannot be changed.")
        return value

    def validate(self, attrs: dict) -> dict:
        password = attrs.get("password")
        if self.instance is None and not password:
            raise serializers.ValidationError({"password": "A new user needs a password."})
        if password:
            candidate = self.instance or User(
                username=attrs.get("username", ""),
                email=attrs.get("email", ""),
                first_name=attrs.get("first_name", ""),
                last_name=attrs.get("last_name", ""),
            )
            try:
                validate_password(password, candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserSiteAssignSerializer(serializers.Serializer):
    """Input of ``POST /users/{id}/sites/``: the site to assign."""

    site = RestrictedPrimaryKeyRelatedField(model=Site)


class UserSitesSerializer(serializers.Serializer):
    """The sites a user is assigned to, after an assignment change."""

    user = serializers.IntegerField()
    sites = SiteBriefSerializer(many=True)


class MeSerializer(serializers.ModelSerializer):
    """The requesting user: who they are, their role and what they are assigned."""

    email = OptionalEmailField(read_only=True)
    role = serializers.SerializerMethodField()
    sites = serializers.SerializerMethodField()
    cameras = serializers.SerializerMethodField(help_text="Cameras granted one by one.")

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "sites", "cameras"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, user) -> str | None:
        return user.role.value if user.role else None

    @extend_schema_field(SiteBriefSerializer(many=True))
    def get_sites(self, user) -> list[dict]:
        return SiteBriefSerializer(user_assigned_sites(user=user), many=True).data

    @extend_schema_field(CameraBriefSerializer(many=True))
    def get_cameras(self, user) -> list[dict]:
        return CameraBriefSerializer(user_granted_cameras(user=user), many=True).data
