"""Publishing transparency records: site notices (automatically, whenever the configuration
changes what they say) and privacy-policy versions (drafted, then published by a DPO).

A notice is republished in the transaction of the change that caused it, attributed to the
actor of that change. Retention beyond 72 hours appears in the notice only when a DPO
approves it (``Camera.effective_retention_hours``): until then it is not true, so the version
is published at approval, attributed to the approving DPO.
"""

from __future__ import annotations

import difflib

from auditlog import get_logentry_model
from auditlog.context import auditlog_value
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import Signal
from django.dispatch.dispatcher import _make_id
from django.utils import timezone

from cameras.models import Site
from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.notice_models import NoticeVersion, PolicyStatus, PolicyVersion
from privacy.notices import notice_content_build, notice_lines, notice_printed
from vms.permissions import Perm, require_model_permission, require_permission

# Sent (in the publishing transaction) with ``version`` and ``previous`` (or None): signs
# compare what they print.
notice_published = Signal()


def lines_diff(before: list[str], after: list[str]) -> list[list[str]]:
    """The changed lines only, as ``[["-", old], ["+", new], ...]`` in order."""
    changes = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changes += [["-", line] for line in before[a0:a1]]
        changes += [["+", line] for line in after[b0:b1]]
    return changes


def _current_actor(actor):
    """``actor``, or else the one django-auditlog attributes changes to right now.

    auditlog never resets its context variable, so a value left from an earlier request or
    task may linger: it counts only while its ``set_actor`` block is open (its receiver
    still connected)."""
    if actor is None:
        context = auditlog_value.get(None) or {}
        key = (context.get("signal_duid"), _make_id(get_logentry_model()))
        if any(receiver[0] == key for receiver in pre_save.receivers):
            actor = context.get("actor")
    return actor if getattr(actor, "is_authenticated", False) else None


def policy_current_summary() -> dict | None:
    """The policy in effect today, as notices cite it."""
    policy = (
        PolicyVersion.objects.filter(
            status=PolicyStatus.PUBLISHED, effective_date__lte=timezone.localdate()
        )
        .order_by("-number")
        .first()
    )
    if policy is None:
        return None
    return {"number": policy.number, "effective": policy.effective_date.isoformat()}


@transaction.atomic
def notice_publish(*, site_id: int, cause: str, actor=None) -> NoticeVersion | None:
    """Publish a new version of the site's notice if the live configuration changed what it
    says; returns it, or None when the notice is already current."""
    site = Site.objects.select_for_update(no_key=True).get(pk=site_id)
    content = notice_content_build(site, policy=policy_current_summary())
    previous = NoticeVersion.objects.filter(site=site).order_by("-number").first()
    if previous is not None and previous.content == content:
        return None
    if previous is None and not content["cameras"]:
        return None  # nobody is filmed here yet: nothing to tell
    actor = _current_actor(actor)
    version = NoticeVersion.objects.create(
        site=site,
        number=(previous.number + 1) if previous else 1,
        content=content,
        printed=notice_printed(content),
        diff=lines_diff(notice_lines(previous.content) if previous else [], notice_lines(content)),
        cause=cause[:300],
        actor=actor,
        actor_username=actor.get_username() if actor else "",
    )
    notice_published.send(sender=NoticeVersion, version=version, previous=previous)
    return version


def notices_publish_all(*, cause: str, actor=None) -> list[NoticeVersion]:
    """Republish every site's notice that changed (after a policy or deployment change)."""
    published = []
    for site_id in Site.objects.order_by("pk").values_list("pk", flat=True):
        version = notice_publish(site_id=site_id, cause=cause, actor=actor)
        if version is not None:
            published.append(version)
    return published


@transaction.atomic
def policy_draft_save(
    *, actor, text: str, title: str = "", effective_date=None, draft: PolicyVersion | None = None
) -> PolicyVersion:
    """Create or change a draft of the privacy policy (Admin or DPO)."""
    if draft is None:
        require_model_permission(actor, PolicyVersion, "add")
        draft = PolicyVersion(created_by=actor)
    else:
        require_model_permission(actor, PolicyVersion, "change")
        draft = PolicyVersion.objects.select_for_update().get(pk=draft.pk)
        if draft.status != PolicyStatus.DRAFT:
            raise ValidationError("A published policy version cannot be changed; draft a new one.")
    draft.text = text
    draft.title = title or draft.title
    draft.effective_date = effective_date
    draft.full_clean()
    draft.save()
    return draft


@transaction.atomic
def policy_publish(*, actor, policy_id: int, request=None) -> PolicyVersion:
    """Publish a draft (a DPO): it gets the next number, the diff against the last published
    version, and — once effective — every notice cites it."""
    require_permission(
        actor, Perm.PUBLISH_POLICY, "Only a data protection officer may publish the policy."
    )
    draft = PolicyVersion.objects.select_for_update().get(pk=policy_id)
    if draft.status != PolicyStatus.DRAFT:
        raise ValidationError("This policy version is already published.")
    if draft.effective_date is None:
        raise ValidationError({"effective_date": "Set the date the policy takes effect."})
    if draft.effective_date < timezone.localdate():
        raise ValidationError({"effective_date": "A policy cannot take effect in the past."})
    last = (
        PolicyVersion.objects.select_for_update()
        .filter(status=PolicyStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    draft.number = (last.number + 1) if last else 1
    draft.diff = lines_diff(last.text.splitlines() if last else [], draft.text.splitlines())
    draft.status = PolicyStatus.PUBLISHED
    draft.published_by = actor
    draft.published_at = timezone.now()
    draft.save()
    access_event_record(
        kind=AccessKind.RECORD_PUBLISH,
        actor=actor,
        target=draft,
        data={"record": "privacy_policy", "number": draft.number},
        request=request,
    )
    notices_publish_all(cause=f"Privacy policy version {draft.number} published", actor=actor)
    return draft
