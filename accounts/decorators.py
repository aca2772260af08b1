"""The verification gate: one decorator for every page that shows institution data."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

import audit


def verification_prompt(request):
    """The page an unverified hospital user gets instead of institution data (403)."""
    audit.record(request, audit.Action.PERMISSION_DENIED, outcome="denied", gate="verification")
    return render(request, "accounts/verification_required.html", status=403)


def institution_member_required(view):
    """Let through only active hospital accounts that may see their institution's data.

    - anonymous visitors go to the login page;
    - auditors have no institution of their own: 403 (they work in the admin);
    - a hospital user who has not passed 个人身份认证 gets the prompt page (403) and not a
      single row of institution data — binding would otherwise hand other hospitals'
      legacy records to anyone who claims to work there.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.is_staff or user.institution_id is None:
            raise PermissionDenied
        if not user.can_see_institution_data:
            return verification_prompt(request)
        return view(request, *args, **kwargs)

    return wrapper
