"""The one writer of a camera's status.

Two reporters see a camera's stream: the health probe (a Celery task, every camera) and the
analytics engine (the cameras it analyses, continuously). Both report through
:func:`camera_status_record`, which locks the row, stores the status and what the reporter
measured, and tells every socket watching the camera (``camera.status``) once the write commits.
Status changes reach the audit trail through django-auditlog; "last seen" and the probe's
scheduling fields are excluded there as bookkeeping (see ``compliance.audit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from django.db import transaction

from cameras.models import Camera
from cameras.payloads import camera_status_payload
from cameras.sources import redact_source_url
from vms.realtime import send_to_camera_on_commit

STATUS_MESSAGE_MAX = Camera._meta.get_field("status_message").max_length


@transaction.atomic
def camera_status_record(
    *,
    camera_id: int,
    status: str,
    message: str | None = None,
    seen_at: datetime | None = None,
    facts: Mapping[str, Any] | None = None,
) -> bool:
    """Store what a reporter saw of a camera's stream; push a change of status on commit.

    ``status`` is a :class:`cameras.models.CameraStatus`. ``message`` explains it (stored without
    credentials); ``None`` means the reporter has nothing to say: the message stays while the
    status does and is cleared when the status changes. ``seen_at`` is when a frame was last
    decoded ("last seen"); ``facts`` are other camera fields the reporter measured (resolution,
    codec, the probe's schedule), saved in the same write. Returns whether the status or its
    message changed; a camera deleted meanwhile is left alone (``False``).
    """
    # NO KEY UPDATE: status writes queue behind each other, never behind (or ahead of) the
    # worker's alert and segment inserts that reference the camera (FOR KEY SHARE): those
    # took the audit chain's lock in the other order and deadlocked with FOR UPDATE.
    camera = Camera.objects.select_for_update(no_key=True).filter(pk=camera_id).first()
    if camera is None:
        return False
    if message is None:
        message = camera.status_message if camera.status == status else ""
    message = _without_source(message, camera)[:STATUS_MESSAGE_MAX]
    changed = (camera.status, camera.status_message) != (status, message)
    fields = set(facts or ())
    for name, value in (facts or {}).items():
        setattr(camera, name, value)
    if seen_at is not None:
        camera.last_seen_at = seen_at
        fields.add("last_seen_at")
    if changed:
        camera.status, camera.status_message = status, message
        fields |= {"status", "status_message"}
    if fields:
        # save(), not update(): status changes reach the audit log like any other change.
        # Naming the fields leaves ``updated_at`` alone: it versions the camera's configuration.
        camera.save(update_fields=sorted(fields))
    if changed:
        send_to_camera_on_commit(
            camera.pk, {"type": "camera.status", "camera": camera_status_payload(camera)}
        )
    return changed


def _without_source(message: str, camera: Camera) -> str:
    """The probe's message with no trace of the camera's source.

    Every role that sees a camera reads its status message (lists, the wall, status pushes),
    but only holders of ``Perm.VIEW_CAMERA_SOURCE`` may learn where the un-anonymised stream
    is: the URL (with or without credentials), its host and, for files, the path go.
    """
    url = camera.stream_url()
    parts = urlsplit(camera.source_url)
    shown = {url, redact_source_url(url), camera.source_url, camera.source_url_display}
    if parts.scheme == "file":
        shown.add(unquote(parts.path))
    for text in sorted(shown, key=len, reverse=True):  # longest first: a URL before its host
        if text:
            message = message.replace(text, "the source")
    for secret in (parts.netloc, parts.hostname, camera.source_password, camera.source_username):
        if secret and len(secret) >= 3:
            message = message.replace(secret, "***")
    return message
