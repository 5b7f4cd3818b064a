"""Camera and site serializers: shapes only; rules live in the registry services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cameras.models import Camera, Site, SubjectCategory
from vms.api import RestrictedPrimaryKeyRelatedField

# What the health probe measured: the probe's to write, never the client's.
MEASURED_FIELDS = (
    "status",
    "status_message",
    "last_seen_at",
    "width",
    "height",
    "frame_rate",
    "codec",
)


class SiteSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="cameras-api:site-detail")
    camera_count = serializers.SerializerMethodField()

    class Meta:
        model = Site
        fields = [
            "id",
            "url",
            "name",
            "address",
            "time_zone",
            "country",
            "region",
            "signage_enforcement",
            "camera_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(serializers.IntegerField())
    def get_camera_count(self, site: Site) -> int:
        """Cameras on the site that the requesting user may see."""
        request = self.context.get("request")
        return Camera.objects.restrict(request.user, "view").filter(site=site).count()


class CameraSerializer(serializers.ModelSerializer):
    """A camera's registration and its measured health.

    The source is write-only: ``source_url`` (required to register a camera, needs
    ``Perm.VIEW_CAMERA_SOURCE``) may be written with credentials (``rtsp://user:secret@host/s``),
    which the registry stores apart. No camera response contains the source; holders of the
    permission read it, redacted, at ``/cameras/{id}/source/``.
    """

    url = serializers.HyperlinkedIdentityField(view_name="cameras-api:camera-detail")
    site = RestrictedPrimaryKeyRelatedField(model=Site)
    site_name = serializers.CharField(source="site.name", read_only=True)
    subject_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=SubjectCategory.choices),
        required=False,
        help_text="Whom the camera films.",
    )
    source_url = serializers.CharField(
        write_only=True,
        required=False,
        max_length=2000,
        help_text=(
            "rtsp://, rtsps://, http(s):// (MJPEG) or file:// (inside the deployment's media "
            "directories). Network hosts must pass the deployment's network rules. Required "
            "to register a camera; left out, an update keeps the stored source. Credentials "
            "typed into the URL are stored apart; secret query values sent back as *** keep "
            "their stored value while the scheme, host and port stay the same. Changing the "
            "scheme, host or port clears stored credentials unless they are sent again in the "
            "same request. Never returned: see the camera's source resource."
        ),
    )
    source_username = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Blank keeps the stored username, unless the source's host changes.",
    )
    source_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        style={"input_type": "password"},
        help_text="Blank keeps the stored password, unless the source's host changes.",
    )

    retention_in_effect_hours = serializers.IntegerField(
        source="effective_retention_hours",
        read_only=True,
        help_text="What retention applies: as asked, up to what a DPO approved.",
    )
    retention_approved_hours = serializers.IntegerField(read_only=True)
    analytics_in_use = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What the camera does with its video, as its privacy notice says it.",
    )

    class Meta:
        model = Camera
        fields = [
            "id",
            "url",
            "name",
            "site",
            "site_name",
            "source_url",
            "source_username",
            "source_password",
            "purpose",
            "lawful_basis",
            "lawful_basis_note",
            "subject_categories",
            "films_public_space",
            "analytics_in_use",
            "retention_hours",
            "retention_justification",
            "retention_in_effect_hours",
            "retention_approved_hours",
            "enabled",
            "analytics_enabled",
            "analytics_hold",
            "analytics_fps",
            "anonymize_mode",
            "recording_mode",
            "recording_pre_roll_seconds",
            "recording_post_roll_seconds",
            "face_recognition_enabled",
            "plate_recognition_enabled",
            *MEASURED_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            *MEASURED_FIELDS,
            "created_at",
            "updated_at",
        ]

    def validate_source_url(self, value: str) -> str:
        from cameras.sources import split_credentials
        from cameras.validators import validate_camera_source

        value = value.strip()
        if self.instance is not None and value == self.instance.source_url_display:
            # What the source resource showed, sent back: the service keeps the stored source
            # (secret query values are not overwritten by their "***" redaction).
            return value
        # The deployment's source rules; Django's ValidationError becomes a field error here.
        validate_camera_source(split_credentials(value)[0])
        return value

    def validate(self, attrs):
        if self.instance is None and not attrs.get("source_url"):
            raise serializers.ValidationError({"source_url": "A camera needs a stream source."})
        return attrs


class CameraSourceSerializer(serializers.ModelSerializer):
    """Where a camera's un-anonymised stream comes from, for ``Perm.VIEW_CAMERA_SOURCE``
    holders: the URL without credentials and with secret query values redacted."""

    source_url = serializers.CharField(source="source_url_display", read_only=True)
    has_credentials = serializers.BooleanField(read_only=True)

    class Meta:
        model = Camera
        fields = ["id", "source_url", "has_credentials"]
        read_only_fields = fields


class CameraDisableSerializer(serializers.Serializer):
    """The answer to ``disable``: the camera's id and its new state."""

    id = serializers.IntegerField(read_only=True)
    enabled = serializers.BooleanField(read_only=True)
    status = serializers.CharField(read_only=True)
