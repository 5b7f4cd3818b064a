"""Footage and grants for the un-mask tests: original segments written as the recorder writes
them (H.264 fragmented MP4, sealed through the default storage, indexed by a row), and a grant
taken through the real request and approval services."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.roles import Role
from privacy.models import RecordingSegment, RecordingTrack
from privacy.services.unmask import unmask_approve, unmask_request
from privacy.watermark import encode_fragmented
from tests.factories import CameraFactory, SiteFactory, UserFactory

WIDTH, HEIGHT, FPS = 320, 240, 10.0
REASON = "Forklift struck a pallet at the loading dock; identify the driver for the report."


def scene_frame(index: int) -> np.ndarray:
    """A mid-grey textured scene (no pure black or white): a moving disc on a gradient."""
    ramp = np.linspace(70, 170, WIDTH, dtype=np.uint8)
    frame = np.repeat(ramp[None, :, None], HEIGHT, axis=0).repeat(3, axis=2).copy()
    cv2.circle(frame, (40 + index * 8 % 240, 150), 30, (90, 140, 110), -1)
    return frame


def save_segment(camera, started_at, *, seconds: float = 2.0, track=RecordingTrack.ORIGINAL):
    """One recorded segment of ``camera`` from ``started_at``, stored sealed, with its row."""
    count = int(seconds * FPS)
    data = encode_fragmented(
        (scene_frame(i) for i in range(count)), width=WIDTH, height=HEIGHT, fps=FPS
    )
    name = (
        f"recordings/{camera.pk}/{started_at:%Y/%m/%d}/"
        f"{started_at:%H%M%S}-{started_at.microsecond:06d}-{track}.mp4"
    )
    name = default_storage.save(name, ContentFile(data))
    return RecordingSegment.objects.create(
        camera=camera,
        track=track,
        started_at=started_at,
        ended_at=started_at + timedelta(seconds=seconds),
        name=name,
        bytes=len(data),
        frames=count,
        fps=FPS,
        width=WIDTH,
        height=HEIGHT,
    )


def decode_mp4(data: bytes, tmp_path) -> list[np.ndarray]:
    """Every frame of an MP4, decoded by OpenCV."""
    path = tmp_path / f"served-{len(data)}.mp4"
    path.write_bytes(data)
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


class World:
    """A depot site with a dock camera (and an office camera), its guard and supervisor, a
    supervisor of another site, a DPO; an original and an anonymised segment of the dock
    ten minutes ago, and one of the office."""

    def __init__(self) -> None:
        self.site = SiteFactory(name="Depot")
        other = SiteFactory(name="Airport")
        self.camera = CameraFactory(site=self.site, name="Dock")
        self.office = CameraFactory(site=self.site, name="Office")
        self.guard = UserFactory(role=Role.GUARD, sites=[self.site], first_name="Gina")
        self.other_guard = UserFactory(role=Role.GUARD, sites=[self.site])
        self.supervisor = UserFactory(role=Role.SUPERVISOR, sites=[self.site])
        self.foreign_supervisor = UserFactory(role=Role.SUPERVISOR, sites=[other])
        self.dpo = UserFactory(role=Role.DPO)
        self.start = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
        self.segment = save_segment(self.camera, self.start)
        self.anonymised = save_segment(self.camera, self.start, track=RecordingTrack.ANONYMISED)
        self.office_segment = save_segment(self.office, self.start)

    def request(self, user=None, **fields):
        fields.setdefault("camera_ids", [self.camera.pk])
        fields.setdefault("starts_at", self.start + timedelta(seconds=1))
        fields.setdefault("ends_at", self.start + timedelta(seconds=60))
        fields.setdefault("reason", REASON)
        return unmask_request(actor=user or self.guard, **fields)

    def approved(self, **fields):
        grant = self.request(**fields)
        return unmask_approve(actor=self.supervisor, grant_id=grant.pk, note="Seen the alert.")
