"""A test-only page behind the verification gate (pytest.mark.urls), standing in for the
registry pages that will use ``institution_member_required``: it shows institution data
that an unverified account must never see."""

from django.http import HttpResponse
from django.urls import path

from accounts.decorators import institution_member_required
from registry.urls import urlpatterns as site_urlpatterns


@institution_member_required
def institution_data(request):
    institution = request.user.institution
    return HttpResponse(f"<p id='data'>机构数据：{institution.credit_code}</p>")


urlpatterns = [path("gate/", institution_data, name="gated"), *site_urlpatterns]
