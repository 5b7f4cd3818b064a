"""Celery tasks of the analytics app: each calls one service."""

from celery import shared_task

from analytics.services.rollups import stats_rollup_refresh as stats_rollup_refresh_service


@shared_task(name="analytics.tasks.stats_rollup_refresh", ignore_result=True)
def stats_rollup_refresh() -> int:
    return stats_rollup_refresh_service()
