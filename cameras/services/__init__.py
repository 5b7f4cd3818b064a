"""Writes of the cameras app, split by domain: the registry, and health probes."""

from cameras.services.registry import (  # noqa: F401
    camera_detail_open,
    camera_disable,
    camera_register,
    camera_source_open,
    camera_update,
    site_create,
    site_update,
)
