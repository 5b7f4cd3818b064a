from django.apps import AppConfig


class CamerasConfig(AppConfig):
    name = "cameras"

    def ready(self) -> None:
        from cameras import reports

        _register_audited_models()
        reports.register()  # the DPO's desk: report scope and section, dashboard tiles


def _register_audited_models() -> None:
    """Sites and cameras are audited; a camera's source credentials never reach the log."""
    from cameras.models import Camera, Site
    from compliance.audit import audit_register, audit_scope_register, audit_site_choices_register

    audit_scope_register(Site, lambda site: (site.pk, None))
    audit_site_choices_register(
        lambda user: Site.objects.restrict(user, "view").order_by("name").values_list("pk", "name")
    )
    audit_scope_register(Camera, lambda camera: (camera.site_id, camera.pk))
    audit_register(Site)
    audit_register(
        Camera,
        # Probe bookkeeping changes every few seconds; status changes themselves are kept.
        exclude_fields=[
            "last_seen_at",
            "last_probe_at",
            "next_probe_at",
            "probe_failures",
            "updated_at",
        ],
        mask_fields=["source_url", "source_username", "source_password"],
        mask_callable="cameras.sources.source_secret_mask",
    )
