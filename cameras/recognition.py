"""Whether a camera may run face or plate recognition.

Two kinds of rule. The EU AI Act's guardrail holds here, whatever else is recorded: no
real-time remote biometric identification of people in publicly accessible space (Art. 5(1)(h)).
Everything else — an approved, unexpired DPIA covering the camera and the analytic — lives in
``privacy``, which stands above cameras: it registers an *approver* in its ``AppConfig.ready``
(:func:`recognition_approver_register`). With no approver registered, or none that says yes,
recognition stays refused.
"""

from __future__ import annotations

from collections.abc import Callable

FACE = "face_recognition"
PLATE = "plate_recognition"
RECOGNITION_FIELDS = {FACE: "face_recognition_enabled", PLATE: "plate_recognition_enabled"}
RECOGNITION_LABELS = {FACE: "Face recognition", PLATE: "Plate recognition"}

# An approver answers None when it allows the analytic on the camera, else why not.
Approver = Callable[[object, str], "str | None"]
_approvers: list[Approver] = []

PUBLIC_SPACE_FACE_REFUSAL = (
    "Real-time face identification is not allowed on a camera that films publicly accessible "
    "space (EU AI Act Art. 5(1)(h)): turn face recognition off or correct the camera's "
    "public-space setting."
)


def recognition_approver_register(approver: Approver) -> None:
    """Let ``approver(camera, analytic)`` decide on recognition (idempotent)."""
    if approver not in _approvers:
        _approvers.append(approver)


def recognition_refusal(camera, analytic: str) -> str | None:
    """Why ``analytic`` may not run on ``camera`` now, or None when it may."""
    if analytic == FACE and camera.films_public_space:
        return PUBLIC_SPACE_FACE_REFUSAL
    if not _approvers:
        return (
            f"{RECOGNITION_LABELS[analytic]} cannot be enabled until an approved DPIA covers "
            "this camera."
        )
    for approver in _approvers:
        reason = approver(camera, analytic)
        if reason:
            return reason
    return None


def recognition_refusals(camera) -> dict[str, str]:
    """Field errors for every recognition the camera asks for but may not run."""
    errors = {}
    for analytic, field in RECOGNITION_FIELDS.items():
        if getattr(camera, field):
            reason = recognition_refusal(camera, analytic)
            if reason:
                errors[field] = reason
    return errors
