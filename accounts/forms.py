"""Forms of the accounts pages. They validate input; the services in
:mod:`accounts.services` make every change."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)

from accounts.roles import Role
from cameras.models import Site

User = get_user_model()


LOGIN_REFUSED = (
    "That username and password do not match an active account, or there were too many "
    "failed attempts: try again in a few minutes, or ask an admin."
)


class LoginForm(AuthenticationForm):
    """Django's log-in form; failed attempts reach ``user_login_failed``: the audit trail and
    the lockout (``accounts.lockout``)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # One message for a wrong password, an unknown name, a deactivated account and a
        # locked-out one alike: the page reveals nothing about which.
        "invalid_login": LOGIN_REFUSED,
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class MfaCodeForm(forms.Form):
    """A code from an authenticator app, or (where allowed) a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, label: str = "Code", help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label
        self.fields["code"].help_text = help_text


class UserSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *Role.choices]
    )
    active = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Active or not"), ("true", "Active"), ("false", "Deactivated")],
    )

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        active = {"true": True, "false": False}.get(data.get("active", ""))
        return {"search": data.get("q", ""), "role": data.get("role", ""), "is_active": active}


class PasswordPairMixin(forms.Form):
    """Two password inputs that must match and pass Django's password validators."""

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_user(self):
        """The account the password is for, so the similarity validator can compare."""
        return None

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                validate_password(first, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserCreateForm(PasswordPairMixin):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.GUARD)

    field_order = ["username", "first_name", "last_name", "email", "role"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username

    def password_user(self):
        data = self.cleaned_data
        return User(
            username=data.get("username", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
        )


class UserUpdateForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(
        label="Active", required=False, help_text="A deactivated account cannot log in."
    )


class PasswordResetForm(PasswordPairMixin):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self):
        return self.user


class SiteAssignmentForm(forms.Form):
    """The whole set of sites a user is assigned to; the view applies the difference."""

    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The user sees every camera of these sites.",
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites


class CameraGrantForm(forms.Form):
    camera = forms.ModelChoiceField(
        queryset=None,
        label="Grant one camera",
        empty_label="Choose a camera",
        help_text="Only this camera, not the rest of its site.",
    )

    def __init__(self, *args, cameras, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["camera"].queryset = cameras
