from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/tokens/", include("accounts.tokens.urls")),
    path("cameras/", include("cameras.urls")),
    path("audit/", include("compliance.urls")),
    path("privacy/", include("privacy.urls")),
    path("analytics/", include("analytics.urls")),
    path("api/v1/", include("vms.api_urls")),
    # The schema moved under the version it describes; old links still arrive.
    path("api/schema/", RedirectView.as_view(pattern_name="api-schema", query_string=True)),
    path("api/docs/", RedirectView.as_view(pattern_name="api-docs", query_string=True)),
]

# Errors under /api/ answer JSON like the API's own; the console keeps its pages.
handler400 = "vms.api_errors.api_bad_request"
handler403 = "vms.api_errors.api_permission_denied"
handler404 = "vms.api_errors.api_page_not_found"
handler500 = "vms.api_errors.api_server_error"
