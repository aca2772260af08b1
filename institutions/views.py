from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Institution


def get_institution_for_user(user, public_id):
    """The institution with this id if ``user`` may see it; 404 otherwise."""
    return get_object_or_404(
        Institution.objects.visible_to(user).select_related("region"), public_id=public_id
    )


@login_required
def institution_detail(request, public_id):
    """单位信息: the institution's registered details, for its members and auditors."""
    institution = get_institution_for_user(request.user, public_id)
    return render(request, "institutions/detail.html", {"institution": institution})
