"""Veil's URLs plus two views that fail, for the error-handling tests."""

from django.http import HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from vms.urls import handler400, handler403, handler404, handler500  # noqa: F401
from vms.urls import urlpatterns as veil_urlpatterns


class Boom(APIView):
    def get(self, request):
        raise RuntimeError("secret internals: /srv/veil/settings.py line 42")

    def post(self, request):  # pragma: no cover - never reached
        return Response({})


def plain_form(request):
    """A Django view that reads ``request.POST`` (a body over the limit fails right there)."""
    return HttpResponse(str(len(request.POST)))


def page_boom(request):
    raise RuntimeError("secret internals")


urlpatterns = [
    path("api/v1/boom/", Boom.as_view()),
    path("api/v1/plain-form/", plain_form),
    path("page-boom/", page_boom),
    *veil_urlpatterns,
]
