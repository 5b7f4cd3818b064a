"""Celery tasks of the privacy app: each calls one service."""

from celery import shared_task

from privacy.services.retention import retention_purge as retention_purge_service
from privacy.services.unmask import unmask_grants_expire as unmask_grants_expire_service


@shared_task(name="privacy.tasks.retention_purge", ignore_result=True)
def retention_purge() -> dict:
    summary = retention_purge_service()
    return {"run": str(summary.run), "items": summary.items, "keys": summary.keys_destroyed}


@shared_task(name="privacy.tasks.unmask_grants_expire", ignore_result=True)
def unmask_grants_expire() -> int:
    return unmask_grants_expire_service()


@shared_task(name="privacy.tasks.transparency_daily", ignore_result=True)
def transparency_daily() -> dict:
    """DPIAs past review stop covering recognition; a policy that took effect today is cited."""
    from privacy.services.dpia import dpias_lapse_expired
    from privacy.services.notices import notices_publish_all

    turned_off = dpias_lapse_expired()
    published = notices_publish_all(cause="A privacy policy version took effect")
    return {"recognition_off": len(turned_off), "notices": len(published)}
