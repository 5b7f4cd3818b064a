"""Accounts' part of the DPO's desk: a report scoped to one person's actions."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from compliance.reports import ReportScope, report_scope_resolver_register


def scope_for(kind: str, object_id: str) -> ReportScope | None:
    if kind != "user":
        return None
    user = get_user_model().objects.filter(pk=int(object_id) if object_id.isdigit() else -1).first()
    if user is None:
        return None
    return ReportScope("user", object_id, f"User: {user.get_username()}", user_id=user.pk)


def scope_choices(user) -> list[tuple[str, str, str]]:
    """People whose actions a report can be about (the accounts the user may list)."""
    people = (
        get_user_model()
        .objects.restrict(user, "view")
        .filter(is_service_account=False)
        .order_by("username")
    )
    return [("user", str(pk), f"User: {name}") for pk, name in people.values_list("pk", "username")]


def register() -> None:
    report_scope_resolver_register(scope_for, scope_choices)
