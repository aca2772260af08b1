"""本单位用户: the institution admin's list of the institution's accounts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.validators import mask_mobile

from .members import MemberError, members_of, set_member_active


def get_member_for_user(user, username):
    """An account of ``user``'s own institution, for its institution admin. 404 for
    everything else alike — another institution's account, a username nobody has, and any
    username asked for by someone who is not an institution admin — so that the answer never
    tells which usernames exist (issue 19 item 2). Auditors manage accounts in admin: 403
    whatever the username."""
    if user.is_staff or user.institution_id is None:
        raise PermissionDenied
    if not user.is_institution_admin:
        raise Http404
    return get_object_or_404(members_of(user), username=username)


@login_required
def member_list(request):
    """本单位用户: real name, username, masked mobile, role, verification, active."""
    if not request.user.is_institution_admin:
        raise PermissionDenied
    members = list(members_of(request.user).order_by("-is_active", "role", "username"))
    for member in members:
        member.masked_mobile = mask_mobile(member.mobile)
    return render(request, "institutions/users.html", {"members": members})


@login_required
@require_http_methods(["GET", "POST"])
def member_set_active(request, username):
    """停用 / 启用 one account (``active`` = 0 or 1 in the POST).

    停用 is asked first, on a page of its own (it works without scripts): the list's 停用
    opens it, and only its POST with ``confirm=1`` stops the account; any other request for
    停用 shows the page and changes nothing. 启用 needs no confirmation."""
    member = get_member_for_user(request.user, username)
    active = request.method == "POST" and request.POST.get("active") == "1"
    if not active and request.POST.get("confirm") != "1":
        if not member.is_active:
            return redirect("institutions:users")
        return render(request, "institutions/user_deactivate.html", {"member": member})
    try:
        set_member_active(member=member, actor=request.user, active=active)
    except MemberError as error:
        messages.error(request, error.message)
    else:
        done = _("已启用 %(user)s。") if active else _("已停用 %(user)s。")
        messages.success(request, done % {"user": member})
    return redirect("institutions:users")
