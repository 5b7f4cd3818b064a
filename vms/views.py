"""Site-wide views that belong to no app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts.context_processors import landing_url_name


@login_required
def home(request):
    """The landing page after log-in: the live wall for guards and supervisors."""
    return redirect(landing_url_name(request.user))
