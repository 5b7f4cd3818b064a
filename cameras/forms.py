"""Forms of the site and camera pages. They validate input (the model's own validators run
too: a vague purpose or an unjustified retention is refused here already); the registry
services make every change and validate again."""

from __future__ import annotations

import zoneinfo

from django import forms

from cameras.models import Camera, Site, SubjectCategory
from cameras.sources import split_credentials
from cameras.validators import validate_camera_source
from vms.redaction import has_secrets


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(zone, zone.replace("_", " ")) for zone in zones]


class SiteForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="UTC")

    class Meta:
        model = Site
        fields = ["name", "country", "region", "time_zone", "address", "signage_enforcement"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


# Analytics and recording settings have sensible defaults: a form that leaves them out keeps them.
_KEEP_WHEN_LEFT_OUT = ("analytics_fps", "recording_pre_roll_seconds", "recording_post_roll_seconds")


class CameraForm(forms.ModelForm):
    """Register or edit a camera.

    Secrets are never sent back to the browser: the URL is shown redacted (secret query values
    as ``***``, kept when sent back unchanged), the username and password inputs start blank
    and blank means "keep what is stored" — unless the URL's scheme, host or port changes:
    then stored credentials are cleared unless entered again (the help texts say so).
    Credentials typed into the URL (``rtsp://user:pass@host/...``) move to their inputs. The
    source passes the deployment's source rules (:func:`validate_camera_source`) here already.

    ``with_source=False`` (a user without ``Perm.VIEW_CAMERA_SOURCE``) leaves the stream URL
    and its credentials out of the form altogether: neither shown nor changed.
    """

    source_username = forms.CharField(
        label="Stream username",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    source_password = forms.CharField(
        label="Stream password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )

    subject_categories = forms.MultipleChoiceField(
        label="People filmed",
        choices=SubjectCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Camera
        fields = [
            "name",
            "site",
            "source_url",
            "purpose",
            "lawful_basis",
            "lawful_basis_note",
            "subject_categories",
            "films_public_space",
            "retention_hours",
            "retention_justification",
            "enabled",
            "analytics_enabled",
            "analytics_fps",
            "anonymize_mode",
            "recording_mode",
            "recording_pre_roll_seconds",
            "recording_post_roll_seconds",
        ]
        labels = {
            "source_url": "Stream URL",
            "retention_hours": "Retention (hours)",
            "analytics_fps": "Analytics frames per second",
            "anonymize_mode": "Anonymise faces and plates by",
            "recording_mode": "Record",
            "recording_pre_roll_seconds": "Seconds kept before an alert",
            "recording_post_roll_seconds": "Seconds kept after an alert",
        }
        widgets = {
            "source_url": forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "lawful_basis_note": forms.Textarea(attrs={"rows": 3}),
            "retention_justification": forms.Textarea(attrs={"rows": 2}),
        }

    field_order = [
        "name",
        "site",
        "source_url",
        "source_username",
        "source_password",
        "purpose",
        "lawful_basis",
        "lawful_basis_note",
        "subject_categories",
        "films_public_space",
        "retention_hours",
        "retention_justification",
        "enabled",
    ]

    def __init__(self, *args, sites, with_source: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        if not with_source:
            for name in ("source_url", "source_username", "source_password"):
                del self.fields[name]
        editing = self.instance.pk is not None
        if "source_url" in self.fields:
            self._source_help(editing)
        self.fields["purpose"].help_text = (
            "Say specifically what the camera watches and why; vague text such as "
            "'for safety' is refused."
        )
        for name in (*_KEEP_WHEN_LEFT_OUT, "anonymize_mode", "recording_mode"):
            self.fields[name].required = False

    def _source_help(self, editing: bool) -> None:
        url_help = "rtsp://, rtsps://, http(s):// (MJPEG) or file:// (media directories only)."
        if editing:
            # What the browser gets: never a stored secret, even to an admin.
            self.initial["source_url"] = self.instance.source_url_display
            if has_secrets(self.instance.source_url):
                url_help += (
                    " Secret values shown as *** are stored — re-enter to change; they are kept "
                    "only while the scheme, host and port stay the same."
                )
        self.fields["source_url"].help_text = url_help
        if editing and self.instance.has_credentials:
            hint = (
                "Stored — re-enter to change, or leave blank to keep. Changing the URL's "
                "scheme, host or port clears the stored username and password unless you "
                "enter them again here."
            )
        else:
            hint = "Optional. Leave blank if the stream needs none."
        for name in ("source_username", "source_password"):
            self.fields[name].help_text = hint

    def _kept_when_left_out(self, name: str):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value is None else value

    def clean_analytics_fps(self):
        return self._kept_when_left_out("analytics_fps")

    def clean_recording_pre_roll_seconds(self):
        return self._kept_when_left_out("recording_pre_roll_seconds")

    def clean_recording_post_roll_seconds(self):
        return self._kept_when_left_out("recording_post_roll_seconds")

    def clean_recording_mode(self):
        return self.cleaned_data.get("recording_mode") or self.instance.recording_mode

    def clean_anonymize_mode(self):
        return self.cleaned_data.get("anonymize_mode") or self.instance.anonymize_mode

    def clean_source_url(self):
        # Credentials typed into the URL move to their own inputs at once, so that even a
        # form shown again with errors never echoes them back in the URL field.
        url, username, password = split_credentials((self.cleaned_data["source_url"] or "").strip())
        if username or password:
            self.data = self.data.copy()
            self.data["source_url"] = url
            self._url_credentials = (username, password)
        validate_camera_source(url)
        return url

    def clean(self):
        cleaned = super().clean()
        username, password = getattr(self, "_url_credentials", ("", ""))
        if username and not cleaned.get("source_username"):
            cleaned["source_username"] = username
        if password and not cleaned.get("source_password"):
            cleaned["source_password"] = password
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned input as keyword arguments for the registry services."""
        return {name: self.cleaned_data[name] for name in self.fields}
