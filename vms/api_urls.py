"""The REST API, version 1: each app contributes its routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("cameras.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("compliance.api.urls")),
    path("", include("privacy.api.urls")),
    path("", include("analytics.api.urls")),
]
