from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accounts.decorators import verification_prompt

from .models import Institution
from .regions import children_of


def get_institution_for_user(user, public_id):
    """The institution with this id if ``user`` may see it; 404 otherwise."""
    return get_object_or_404(
        Institution.objects.visible_to(user).select_related("region"), public_id=public_id
    )


@login_required
def institution_detail(request, public_id):
    """单位信息: the institution's registered details, for its verified members and auditors.

    An unverified user gets the verification prompt: the page shows the 登记号 that
    个人身份认证 asks them to read off the licence itself."""
    institution = get_institution_for_user(request.user, public_id)
    if request.user.needs_verification:
        return verification_prompt(request)
    return render(request, "institutions/detail.html", {"institution": institution})


@require_GET
@cache_control(max_age=86400, public=True)
def region_options(request):
    """<option>s of the 行政区划 below ``?parent=<code>`` (provinces without it), for the
    cascading selects; public, since registration pages use it. An unknown or malformed
    code gives only the empty choice."""
    options = children_of(request.GET.get("parent", ""))
    # Rendered without the request: no context processor may touch the session and make
    # the response vary by cookie, so shared caches can keep it.
    html = render_to_string("institutions/widgets/region_options.html", {"options": options})
    return HttpResponse(html)


@require_GET
def institution_options(request):
    """<option>s of the active institutions in the 行政区划 ``?region=<code>``, for the
    单位名称 select of 用户注册 (public: names of registered hospitals are not secret)."""
    institutions = Institution.objects.filter(
        status=Institution.Status.ACTIVE, region_id=request.GET.get("region", "")
    ).only("public_id", "name")
    html = render_to_string(
        "institutions/widgets/institution_options.html", {"institutions": institutions}
    )
    return HttpResponse(html)
