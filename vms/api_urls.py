"""The REST API, version 1: each app contributes its routes; the schema and its docs."""

from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny


class DocsView(SpectacularSwaggerView):
    """The API's documentation page: a person who is not logged in is sent to log in (the page
    is HTML for people; the schema it loads stays behind authentication)."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("cameras.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("accounts.tokens.api_urls")),
    path("", include("compliance.api.urls")),
    path("", include("privacy.api.urls")),
    path("", include("analytics.api.urls")),
]
