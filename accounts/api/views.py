"""Users, site assignments and the current user over the REST API.

Managing users needs ``accounts.change_user`` (Admin). A DPO may read accounts; everybody
else finds none. Writes go through :mod:`accounts.services`, which write the access events.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.selectors import user_assigned_sites
from accounts.services import (
    site_assign_user,
    site_unassign_user,
    user_create,
    user_set_password,
    user_update,
)
from cameras.models import Site
from vms.api import RestrictedCommandView, RestrictedModelViewSet

from .serializers import (
    MeSerializer,
    UserSerializer,
    UserSiteAssignSerializer,
    UserSitesSerializer,
)

User = get_user_model()


class UserViewSet(RestrictedModelViewSet):
    """People's accounts (service accounts are not people). No delete: deactivate instead."""

    queryset = User.objects.filter(is_service_account=False).prefetch_related("groups")
    serializer_class = UserSerializer
    filterset_fields = ["is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "date_joined", "last_login"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        is_active = data.pop("is_active", True)
        user = user_create(
            actor=self.request.user,
            username=data["username"],
            password=data["password"],
            role=data["role"],
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            request=self.request,
        )
        if not is_active:
            user = user_update(
                actor=self.request.user, user=user, is_active=False, request=self.request
            )
        serializer.instance = user

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        user = user_update(
            actor=self.request.user,
            user=serializer.instance,
            role=data.get("role"),
            is_active=data.get("is_active"),
            email=data.get("email"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            request=self.request,
        )
        if data.get("password"):
            user = user_set_password(
                actor=self.request.user, user=user, password=data["password"], request=self.request
            )
        serializer.instance = user


def _sites_answer(user) -> dict:
    return UserSitesSerializer({"user": user.pk, "sites": user_assigned_sites(user=user)}).data


class UserSitesView(RestrictedCommandView):
    """``GET``: the sites a user is assigned to. ``POST {"site": id}``: assign one more."""

    queryset = User.objects.filter(is_service_account=False)
    serializer_class = UserSiteAssignSerializer

    def gate_action(self) -> str:
        return "view" if self.request.method in ("GET", "HEAD", "OPTIONS") else "change"

    @extend_schema(responses={200: UserSitesSerializer})
    def get(self, request, pk):
        return Response(_sites_answer(self.get_object()))

    @extend_schema(request=UserSiteAssignSerializer, responses={200: UserSitesSerializer})
    def post(self, request, pk):
        user = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        site_assign_user(
            actor=request.user, site=serializer.validated_data["site"], user=user, request=request
        )
        return Response(_sites_answer(user), status=status.HTTP_200_OK)


class UserSiteUnassignView(RestrictedCommandView):
    """``DELETE``: take a site (and its cameras) away from a user."""

    queryset = User.objects.filter(is_service_account=False)
    serializer_class = UserSitesSerializer

    @extend_schema(request=None, responses={200: UserSitesSerializer})
    def delete(self, request, pk, site_id):
        user = self.get_object()
        site = Site.objects.restrict(request.user, "view").filter(pk=site_id).first()
        if site is None:
            raise NotFound("No site matches the given query.")
        site_unassign_user(actor=request.user, site=site, user=user, request=request)
        return Response(_sites_answer(user), status=status.HTTP_200_OK)


class MeView(generics.RetrieveAPIView):
    """The requesting user: role, assigned sites and individually granted cameras."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user
