"""factory_boy factories shared by every app's tests.

Users get their role through the real role groups (created by the accounts migrations), so a
factory-made guard has exactly the permissions a real guard has. Site assignment and single
camera grants go through the same guardian object permissions the services give.

    admin = UserFactory(role=Role.ADMIN)  # enrolled in MFA, as the role requires
    guard = UserFactory(role=Role.GUARD, sites=[site], cameras=[camera])
    newcomer = UserFactory(role=Role.ADMIN, mfa=False)  # must enrol at first log-in
    camera = CameraFactory(site__name="Depot", source_username="u", source_password="p")
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm

from accounts.roles import ROLE_PERMISSIONS, SITE_ASSIGNMENT_PERMISSIONS, Role
from cameras.models import Camera, CameraStatus, LawfulBasis, Site
from vms.permissions import Perm

DEFAULT_PASSWORD = "correct-horse-battery-staple"

BALANCING_NOTE = (
    "Our interest in detecting break-ins at the loading bay outweighs the limited intrusion: "
    "the camera covers only the dock, staff are informed, and footage is kept for 72 hours."
)
SPECIFIC_PURPOSE = (
    "Detect unauthorised entry to the loading dock outside opening hours and keep evidence "
    "for incident investigation"
)


class UserFactory(factory.django.DjangoModelFactory):
    """A person with one role (``role=""`` for none) and the default password."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_active = True
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """Put the user in one role group: Guard unless told; ``role=""`` for none."""
        if not create:
            return
        role = Role.GUARD if extracted is None else extracted
        if role:
            self.groups.add(Group.objects.get(name=Role(role).value))

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """An authenticator app (confirmed TOTP device) for users whose role requires one, as
        after enrolling (``mfa=True``/``False`` to choose), kept as ``self.otp_device``. The
        test client's ``login()``/``force_login()`` then give a session verified with it
        (tests/conftest.py); a log-in through the log-in page asks for a code."""
        if not create:
            return
        role = self.role
        # Superusers hold every permission, this duty too.
        required = self.is_superuser or (
            role is not None and Perm.REQUIRE_MFA in ROLE_PERMISSIONS[role]
        )
        wanted = required if extracted is None else extracted
        if wanted:
            self.otp_device = TOTPDevice.objects.create(
                user=self, name="Authenticator app", confirmed=True
            )

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        """Assign the user to these sites, as ``site_assign_user`` does."""
        if not create or not extracted:
            return
        perms = SITE_ASSIGNMENT_PERMISSIONS.get(self.role, ["cameras.view_site"])
        for site in extracted:
            for perm in perms:
                assign_perm(perm, self, site)

    @factory.post_generation
    def cameras(self, create, extracted, **kwargs):
        """Grant the user these cameras one by one, as ``camera_grant_user`` does."""
        if not create or not extracted:
            return
        for camera in extracted:
            assign_perm("cameras.view_camera", self, camera)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Site {n}")
    address = factory.Sequence(lambda n: f"{n} Harbour Road")
    time_zone = "Europe/Berlin"
    country = "DE"
    region = ""
    # Tests of the engine run cameras without registering signs: only the signage tests block.
    signage_enforcement = "warn"


class CameraFactory(factory.django.DjangoModelFactory):
    """A registered camera with a specific purpose and the default 72 h retention."""

    class Meta:
        model = Camera

    name = factory.Sequence(lambda n: f"Camera {n}")
    site = factory.SubFactory(SiteFactory)
    source_url = factory.Sequence(lambda n: f"rtsp://10.0.0.{n % 250 + 1}:554/stream1")
    source_username = ""
    source_password = ""
    purpose = SPECIFIC_PURPOSE
    lawful_basis = LawfulBasis.LEGITIMATE_INTERESTS
    lawful_basis_note = BALANCING_NOTE
    retention_hours = 72
    enabled = True
    status = CameraStatus.UNKNOWN
