"""The signage register over the REST API: signs (with an anonymised photo), their
inspections, the printable PDF, and the record that a sign was re-printed."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from cameras.models import Camera, Site
from privacy.notice_models import NoticeVersion
from privacy.services.signs import (
    sign_inspection_record,
    sign_print_record,
    sign_register,
    sign_update,
)
from privacy.sign_models import Sign, SignInspection
from privacy.sign_pdf import PAPER, sign_pdf
from vms.api import (
    RestrictedAPIMixin,
    RestrictedCommandView,
    RestrictedModelViewSet,
    RestrictedPrimaryKeyRelatedField,
)


class SignSerializer(serializers.ModelSerializer):
    """A sign as installed. ``photo`` (JPEG/PNG) is stored with faces and plates blurred."""

    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:sign-detail")
    site = RestrictedPrimaryKeyRelatedField(model=Site)
    cameras = RestrictedPrimaryKeyRelatedField(model=Camera, many=True)
    photo = serializers.ImageField(required=False, allow_null=True, write_only=True)
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Sign
        fields = [
            "id",
            "url",
            "site",
            "location",
            "plan_x",
            "plan_y",
            "cameras",
            "photo",
            "photo_url",
            "installed_on",
            "inspection_interval_days",
            "printed_version",
            "printed_at",
            "stale",
            "stale_reason",
        ]
        read_only_fields = ["printed_version", "printed_at", "stale", "stale_reason"]

    def get_photo_url(self, sign: Sign) -> str | None:
        """Where the (anonymised) photo is served, through the gate; None without one."""
        if not sign.photo:
            return None
        request = self.context.get("request")
        path = reverse("privacy-api:sign-photo", args=[sign.pk])
        return request.build_absolute_uri(path) if request else path


class SignViewSet(RestrictedModelViewSet):
    """Signs on the sites the user may see; Admin registers and changes them."""

    queryset = Sign.objects.select_related("site").prefetch_related("cameras")
    serializer_class = SignSerializer
    filterset_fields = ["site", "stale"]
    ordering = ["site", "location"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = sign_register(
            actor=self.request.user,
            site=data.pop("site"),
            cameras=data.pop("cameras", []),
            photo=data.pop("photo", None),
            **data,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("site", None)  # a sign stays where it was put up
        serializer.instance = sign_update(
            actor=self.request.user,
            sign=serializer.instance,
            cameras=data.pop("cameras", None),
            photo=data.pop("photo", None),
            **data,
        )


class SignPrintView(RestrictedCommandView):
    """Record that the sign was re-printed from the current notice and put up again."""

    queryset = Sign.objects.all()
    serializer_class = SignSerializer

    @extend_schema(request=None, responses={200: SignSerializer})
    def post(self, request, pk):
        sign = sign_print_record(actor=request.user, sign_id=self.get_object().pk, request=request)
        return Response(self.get_serializer(sign).data)


def notice_public_url(request, site_id: int) -> str:
    return request.build_absolute_uri(reverse("privacy:notice", args=[site_id]))


class SignPdfView(RestrictedCommandView):
    """The printable sign (PDF), from the site's current notice, with its QR code."""

    restrict_action = "view"
    queryset = Sign.objects.select_related("site")
    serializer_class = SignSerializer

    @extend_schema(
        parameters=[OpenApiParameter("paper", str, enum=list(PAPER), default="A4")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        sign = self.get_object()
        paper = request.query_params.get("paper", "A4").upper()
        if paper not in PAPER:
            raise serializers.ValidationError({"paper": "Choose A4 or A3."})
        version = NoticeVersion.objects.filter(site=sign.site).order_by("-number").first()
        if version is None:
            raise serializers.ValidationError("This site has no published notice yet.")
        pdf = sign_pdf(
            version=version,
            location=sign.location,
            notice_url=notice_public_url(request, sign.site_id),
            paper=paper,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="sign-{sign.pk}-{paper}.pdf"'
        return response


class SignPhotoView(RestrictedCommandView):
    """The sign's photo as installed (faces and plates blurred on upload)."""

    restrict_action = "view"
    queryset = Sign.objects.all()
    serializer_class = SignSerializer

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        sign = self.get_object()
        if not sign.photo:
            raise self.not_found()
        content_type = "image/png" if sign.photo.name.endswith(".png") else "image/jpeg"
        return HttpResponse(sign.photo.read(), content_type=content_type)


class SignInspectionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:sign-inspection-detail")
    sign = RestrictedPrimaryKeyRelatedField(model=Sign)
    inspector = serializers.CharField(source="inspector.get_username", read_only=True)
    photo = serializers.ImageField(required=False, allow_null=True, write_only=True)
    next_due = serializers.DateField(required=False)
    inspected_on = serializers.DateField(required=False)

    class Meta:
        model = SignInspection
        fields = [
            "id",
            "url",
            "sign",
            "inspected_on",
            "inspector",
            "condition",
            "photo",
            "notes",
            "next_due",
        ]


class SignInspectionViewSet(
    RestrictedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Inspections of signs: recorded, never changed."""

    queryset = SignInspection.objects.select_related("sign", "inspector")
    serializer_class = SignInspectionSerializer
    filterset_fields = ["sign", "condition"]
    ordering = ["sign", "-inspected_on", "-id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = sign_inspection_record(
            actor=self.request.user, sign_id=data.pop("sign").pk, **data
        )
