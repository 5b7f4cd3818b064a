"""``{% timestamp %}``: the one way pages show a moment (see :mod:`vms.timefmt`).

    {% load veil_time %}
    {% timestamp alert.occurred_at alert.camera.site.time_zone relative=True %}
    → <time class="timestamp" datetime="2026-12-01T15:04:05+00:00"
            title="2026-12-01 15:04:05 GMT · Europe/London, UTC+00:00">2026-12-01 15:04 GMT</time>
      <span class="time-ago" data-since="2026-12-01T15:04:05+00:00">3 min ago</span>

Without a time zone (audit records, which have no site) the installation's is used. The
``site_time`` filter gives the text alone, for places that cannot hold markup (a title).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from vms.timefmt import relative_time_text, site_time_text, site_time_title

register = template.Library()


@register.simple_tag
def timestamp(moment, time_zone=None, relative=False, empty="never"):
    if not moment:
        return format_html('<span class="timestamp muted">{}</span>', empty)
    iso = moment.isoformat()
    html = format_html(
        '<time class="timestamp" datetime="{}" title="{}">{}</time>',
        iso,
        site_time_title(moment, time_zone),
        site_time_text(moment, time_zone),
    )
    if relative:
        html += format_html(
            ' <span class="time-ago" data-since="{}">{}</span>', iso, relative_time_text(moment)
        )
    return html


@register.filter
def site_time(moment, time_zone=None) -> str:
    return site_time_text(moment, time_zone) if moment else ""
