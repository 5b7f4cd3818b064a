"""The zone and rule editor: draw areas, lines and static privacy masks over the camera's
current anonymised frame, and set the camera's rules.

Only users who may change the camera through the gate reach any of it (Admin); everyone else
gets the 404 of a missing camera. The drawing script saves shapes one by one through the REST
API (``/api/v1/zones/``, ``/api/v1/privacy-masks/``: session and CSRF token); rules are an
ordinary form here. Writes go through :mod:`analytics.services.zones` and
:mod:`privacy.services.masks`; the analytics worker picks saved changes up by itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from analytics import services
from analytics.api.serializers import ZoneSerializer
from analytics.models import Alert, Rule, Zone
from analytics.services.zones import RULE_FIELDS
from cameras.models import Camera
from privacy.api.serializers import PrivacyMaskSerializer
from privacy.models import PrivacyMask
from vms.forms import apply_service_errors
from vms.permissions import get_restricted_or_404

# Rule kinds and the zone kind they take ("" = no zone needed, an area may narrow it).
ZONE_KIND_FOR_RULE = {
    Rule.Kind.PERSON_IN_ZONE: Zone.Kind.AREA,
    Rule.Kind.LOITERING: Zone.Kind.AREA,
    Rule.Kind.LINE_CROSSING: Zone.Kind.LINE,
}


def _camera(request, camera_id: int) -> Camera:
    """The camera if the user may change it; the 404 of a missing camera otherwise."""
    return get_restricted_or_404(
        Camera.objects.select_related("site"), request.user, "change", pk=camera_id
    )


class RuleForm(forms.Form):
    """What an admin sets on a rule; the service and ``Rule.clean`` have the last word."""

    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=Rule.Kind.choices)
    zone = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        help_text="An area for person-in-zone and loitering, a line for line crossing; "
        "optional (an area) for the other kinds.",
    )
    active_from = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Local site time. Leave both empty for always.",
    )
    active_until = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    dwell_seconds = forms.IntegerField(
        label="Dwell (seconds)", min_value=0, initial=30, help_text="Loitering: time in the zone."
    )
    count_threshold = forms.IntegerField(
        label="Count (people)", min_value=1, initial=5, help_text="Crowd: people at once."
    )
    min_confidence = forms.FloatField(
        label="Minimum confidence",
        min_value=0.0,
        max_value=1.0,
        initial=0.5,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="Detections below this score are ignored (0–1).",
    )
    cooldown_seconds = forms.IntegerField(
        label="Cool-down (seconds)",
        min_value=1,
        initial=60,
        help_text="At most one alert per this many seconds.",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, camera: Camera, **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(camera.zones.order_by("kind", "name"))
        self.fields["zone"].choices = [
            ("", "— none —"),
            ("Areas", [(z.pk, z.name) for z in zones if z.kind == Zone.Kind.AREA]),
            ("Lines", [(z.pk, z.name) for z in zones if z.kind == Zone.Kind.LINE]),
        ]

    @classmethod
    def initial_from(cls, rule: Rule) -> dict:
        initial = {name: getattr(rule, name) for name in RULE_FIELDS}
        initial["zone"] = rule.zone_id
        return initial


def _editor_data(request, camera: Camera) -> dict:
    """What the drawing script starts from: the shapes (as the API shows them), where to save
    them, the frame."""
    zones = (
        Zone.objects.restrict(request.user, "view")
        .filter(camera=camera)
        .prefetch_related("rules")
        .order_by("name")
    )
    masks = PrivacyMask.objects.restrict(request.user, "view").filter(camera=camera).order_by("id")
    context = {"request": request}
    # A fallback background when the worker has no live frame: the newest alert snapshot
    # (anonymised like everything else; opening it is an audited access event).
    snapshot_alert = (
        Alert.objects.restrict(request.user, "view")
        .filter(camera=camera)
        .exclude(snapshot="")
        .order_by("-id")
        .first()
    )
    return {
        "camera": {"id": camera.pk, "name": camera.name},
        "aspect": [camera.width or 16, camera.height or 9],
        "frame_url": reverse("analytics:live-frame", args=[camera.pk]),
        "snapshot_url": (
            reverse("analytics:alert-snapshot", args=[snapshot_alert.pk])
            if snapshot_alert
            else None
        ),
        # The REST collections the script creates shapes in; each shape carries its own url.
        "urls": {
            "zones": reverse("analytics-api:zone-list"),
            "masks": reverse("privacy-api:privacy-mask-list"),
        },
        "zones": ZoneSerializer(zones, many=True, context=context).data,
        "masks": PrivacyMaskSerializer(masks, many=True, context=context).data,
    }


def _render_page(request, camera: Camera, *, form: RuleForm, editing: Rule | None, status=200):
    rules = list(camera.rules.select_related("zone").order_by("name"))
    return render(
        request,
        "zones/camera_zones.html",
        {
            "camera": camera,
            "rules": rules,
            "form": form,
            "editing": editing,
            "editor": _editor_data(request, camera),
            "zone_kind_for_rule": {str(k): str(v) for k, v in ZONE_KIND_FOR_RULE.items()},
        },
        status=status,
    )


@require_GET
@login_required
def camera_zones(request, camera_id: int):
    """The editor page; ``?rule=<id>`` opens that rule in the form."""
    camera = _camera(request, camera_id)
    editing = None
    if request.GET.get("rule"):
        editing = get_restricted_or_404(
            Rule.objects.filter(camera=camera), request.user, "change", pk=request.GET["rule"]
        )
        form = RuleForm(camera=camera, initial=RuleForm.initial_from(editing))
    else:
        form = RuleForm(camera=camera)
    return _render_page(request, camera, form=form, editing=editing)


@require_POST
@login_required
def rule_save(request, camera_id: int, rule_id: int | None = None):
    """Create (no ``rule_id``) or change a rule from the page's form."""
    camera = _camera(request, camera_id)
    editing = None
    if rule_id is not None:
        editing = get_restricted_or_404(
            Rule.objects.filter(camera=camera), request.user, "change", pk=rule_id
        )
    form = RuleForm(request.POST, camera=camera)
    if form.is_valid():
        try:
            rule = services.rule_save(
                actor=request.user, camera=camera, rule=editing, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Saved the rule “{rule.name}”.")
            return redirect("analytics:camera-zones", camera_id=camera.pk)
    return _render_page(request, camera, form=form, editing=editing, status=400)


@require_POST
@login_required
def rule_delete(request, camera_id: int, rule_id: int):
    camera = _camera(request, camera_id)
    rule = get_restricted_or_404(
        Rule.objects.filter(camera=camera), request.user, "delete", pk=rule_id
    )
    name = rule.name
    try:
        services.rule_delete(actor=request.user, rule=rule)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"Deleted the rule “{name}”.")
    return redirect("analytics:camera-zones", camera_id=camera.pk)
