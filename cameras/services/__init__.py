"""Writes of the cameras app, split by domain: the registry, health probes, and the one
writer of a camera's status (shared by the probe and the analytics engine)."""

from cameras.services.registry import (  # noqa: F401
    camera_detail_open,
    camera_disable,
    camera_register,
    camera_source_open,
    camera_update,
    site_create,
    site_update,
)
from cameras.services.status import camera_status_record  # noqa: F401
