"""The zone and rule editor: draw areas, lines and static privacy masks over the camera's
current anonymised frame, and set the camera's rules.

Only users who may change the camera through the gate reach any of it (Admin); everyone else
gets the 404 of a missing camera, on the page and on every endpoint. Shapes are saved one by
one as JSON (``fetch`` with the CSRF token); rules with an ordinary form. Writes go through
:mod:`analytics.services.zones`; the analytics worker picks saved changes up by itself.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from analytics import services
from analytics.models import Alert, Rule, Zone
from analytics.services.zones import RULE_FIELDS
from cameras.models import Camera
from privacy.models import PrivacyMask
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


def _apply_service_errors(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or "You may not do that.")
    elif hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _editor_data(user, camera: Camera, zones, masks) -> dict:
    """What the drawing script starts from: the shapes, where to save them, the frame."""
    used_by: dict[int, list[str]] = {}
    for zone_id, rule_name in camera.rules.exclude(zone=None).values_list("zone_id", "name"):
        used_by.setdefault(zone_id, []).append(rule_name)
    # A fallback background when the worker has no live frame: the newest alert snapshot
    # (anonymised like everything else; opening it is an audited access event).
    snapshot_alert = (
        Alert.objects.restrict(user, "view")
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
        "urls": {
            "zone_save": reverse("analytics:zone-save", args=[camera.pk]),
            "zone_delete": reverse("analytics:zone-delete", args=[camera.pk, 0]),
            "mask_save": reverse("analytics:mask-save", args=[camera.pk]),
            "mask_delete": reverse("analytics:mask-delete", args=[camera.pk, 0]),
        },
        "zones": [
            {
                "id": zone.pk,
                "type": zone.kind,
                "name": zone.name,
                "points": zone.points,
                "used_by": used_by.get(zone.pk, []),
            }
            for zone in zones
        ],
        "masks": [
            {"id": mask.pk, "type": "mask", "name": mask.name, "points": mask.points}
            for mask in masks
        ],
    }


def _render_page(request, camera: Camera, *, form: RuleForm, editing: Rule | None, status=200):
    zones = list(camera.zones.order_by("name"))
    masks = list(
        PrivacyMask.objects.restrict(request.user, "view").filter(camera=camera).order_by("id")
    )
    rules = list(camera.rules.select_related("zone").order_by("name"))
    return render(
        request,
        "zones/camera_zones.html",
        {
            "camera": camera,
            "rules": rules,
            "form": form,
            "editing": editing,
            "editor": _editor_data(request.user, camera, zones, masks),
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
            _apply_service_errors(form, error)
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


# --- JSON endpoints of the drawing script ----------------------------------------------------


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError("The request is not valid JSON.") from error
    if not isinstance(body, dict):
        raise ValidationError("Send a JSON object.")
    return body


def _error_response(error: ValidationError | PermissionDenied) -> JsonResponse:
    if isinstance(error, PermissionDenied):
        return JsonResponse({"error": str(error) or "You may not do that."}, status=403)
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    message = " ".join(m for messages_ in errors.values() for m in messages_)
    return JsonResponse({"error": message, "errors": errors}, status=400)


def _optional_id(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError("A shape id is a number.")
    try:
        return int(value)
    except ValueError as error:
        raise ValidationError("A shape id is a number.") from error


def _zone_json(zone: Zone) -> dict:
    return {
        "id": zone.pk,
        "type": zone.kind,
        "name": zone.name,
        "points": zone.points,
        "used_by": list(zone.rules.values_list("name", flat=True)),
    }


@require_POST
@login_required
def zone_save(request, camera_id: int):
    """``{"id": null | n, "name": ..., "type": "area" | "line", "points": [[x, y], ...]}``."""
    camera = _camera(request, camera_id)
    try:
        body = _json_body(request)
        zone = services.zone_save(
            actor=request.user,
            camera=camera,
            zone=_optional_id(body.get("id")),
            name=str(body.get("name") or ""),
            kind=str(body.get("type") or body.get("kind") or ""),
            points=body.get("points"),
        )
    except (ValidationError, PermissionDenied) as error:
        return _error_response(error)
    return JsonResponse({"zone": _zone_json(zone)})


@require_POST
@login_required
def zone_delete(request, camera_id: int, zone_id: int):
    camera = _camera(request, camera_id)
    zone = get_restricted_or_404(
        Zone.objects.filter(camera=camera), request.user, "delete", pk=zone_id
    )
    try:
        services.zone_delete(actor=request.user, zone=zone)
    except (ValidationError, PermissionDenied) as error:
        return _error_response(error)
    return JsonResponse({"deleted": zone_id})


@require_POST
@login_required
def mask_save(request, camera_id: int):
    """``{"id": null | n, "name": ..., "points": [[x, y], ...]}``."""
    camera = _camera(request, camera_id)
    try:
        body = _json_body(request)
        mask = services.privacy_mask_save(
            actor=request.user,
            camera=camera,
            mask=_optional_id(body.get("id")),
            name=str(body.get("name") or ""),
            points=body.get("points"),
        )
    except (ValidationError, PermissionDenied) as error:
        return _error_response(error)
    return JsonResponse(
        {"mask": {"id": mask.pk, "type": "mask", "name": mask.name, "points": mask.points}}
    )


@require_POST
@login_required
def mask_delete(request, camera_id: int, mask_id: int):
    camera = _camera(request, camera_id)
    mask = get_restricted_or_404(
        PrivacyMask.objects.filter(camera=camera), request.user, "delete", pk=mask_id
    )
    try:
        services.privacy_mask_delete(actor=request.user, mask=mask)
    except (ValidationError, PermissionDenied) as error:
        return _error_response(error)
    return JsonResponse({"deleted": mask_id})
