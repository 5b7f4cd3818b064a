"""Response headers for every page Veil renders: Content-Security-Policy and ``no-store``.

* **Content-Security-Policy** (django-csp; the policy is ``CONTENT_SECURITY_POLICY`` in
  settings, or ``CONTENT_SECURITY_POLICY_REPORT_ONLY`` with ``VMS_CSP_REPORT_ONLY``). Veil's
  own pages carry no inline script, style or event handler: scripts and styles are static
  files and data reaches scripts through ``data-`` attributes or ``json_script``. Per
  request, :class:`ContentSecurityPolicyMiddleware` adds the websocket URL of this very host
  to ``connect-src`` (``ws(s)://<host>``: browsers did not always count it as ``'self'``),
  and relaxes the policy for the one vendor page that needs it, and only for it: the
  Swagger UI page (its inline start-up script runs with a per-response nonce). The API
  renders JSON only (no browsable HTML API).
* **Cache-Control: no-store** and **Pragma: no-cache** on every response Django produces:
  pages, the API, media (snapshots, thumbnails, clips, live frames, MJPEG), errors. Nearly
  everything Veil serves is personal data or tied to a session, so nothing is exempt; static
  files never get here (WhiteNoise answers them first, with its long-lived caching).
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from csp.constants import NONCE
from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.utils.cache import patch_cache_control
from drf_spectacular.views import SpectacularSwaggerView

# Pages of vendored UIs and the policy each needs on top of Veil's own.
API_DOCS_POLICY = {"script-src": [NONCE]}  # the inline start-up script carries the nonce


def _view_class(request):
    match = getattr(request, "resolver_match", None)
    return getattr(getattr(match, "func", None), "view_class", None)


def vendor_policy(request, response) -> dict | None:
    """The extra directives for a vendored UI's page, or None for Veil's own pages."""
    view_class = _view_class(request)
    # By view class, not URL: the docs may move (e.g. under /api/v1/) and keep their policy.
    # (drf-spectacular's Redoc page is not served: it loads Google fonts and inline code.)
    if isinstance(view_class, type) and issubclass(view_class, SpectacularSwaggerView):
        return API_DOCS_POLICY
    return None


def _websocket_origin(request) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 for a bad Host still gets a policy, without it
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with this host's websocket URL and the vendor pages' extras
    (see the module doc). Everything else comes from settings."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        update: dict[str, list] = {key: list(value) for key, value in (parts.update or {}).items()}
        websocket = _websocket_origin(request)
        if websocket:
            update.setdefault("connect-src", []).append(websocket)
        for directive, sources in (vendor_policy(request, response) or {}).items():
            update.setdefault(directive, []).extend(sources)
        parts.update = update
        return parts


def _no_store(response):
    patch_cache_control(response, no_store=True)
    response["Pragma"] = "no-cache"
    return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` and ``Pragma: no-cache`` on every response (module doc);
    directives a view set itself (``private``, ``max-age=0``) are kept beside it."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return _no_store(self.get_response(request))

    async def __acall__(self, request):
        return _no_store(await self.get_response(request))
