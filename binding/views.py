"""绑定既往数据 (SPEC §3.9): the bound list, the search, 绑定 and 解绑 with confirmation,
and 下次再说 of the welcome page's reminder.

Every page is behind the verification gate (an unverified user would otherwise see other
hospitals' legacy records). Records are addressed by their public UUID. The pool is open
to every verified user; a record bound to an institution can be unbound only by that
institution (404 for anyone else).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import institution_member_required

from . import legacy_format as fmt
from . import services
from .models import LegacyRecord
from .reminder import dismiss_reminder
from .search import MAX_QUERY_LENGTH, search_page


def _bound_count(institution_id) -> int:
    return LegacyRecord.objects.bound_to(institution_id).count()


@institution_member_required
def home(request):
    """目前本单位已绑定N条数据 (with 解绑 and 继续绑定数据); with nothing bound, the search."""
    records = list(services.bound_records(request.user.institution_id))
    if not records:
        return _search_page(request, bound_count=0)
    return render(request, "binding/home.html", {"records": records})


@institution_member_required
def search(request):
    """Search by keyword; the results with 绑定."""
    return _search_page(request, bound_count=_bound_count(request.user.institution_id))


def _search_page(request, bound_count):
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    page = search_page(query, request.GET.get("page")) if query else None
    context = {
        "query": query,
        "page": page,
        "bound_count": bound_count,
        "institution_id": request.user.institution_id,
    }
    return render(request, "binding/search.html", context)


def _survey_groups(values):
    """The record's 总表 as ``[(group, [(label, heading, value), ...]), ...]``."""
    groups = []
    for group in fmt.EDITION.groups:
        rows = [
            (item.label, item.heading, values.get(item.code), item.unit) for item in group.items
        ]
        groups.append((group, rows))
    return groups


def _record_context(record):
    return {
        "record": record,
        "edition": fmt.EDITION,
        "groups": _survey_groups(record.values or {}),
        "thrombolysis_count": len(record.thrombolysis_cases or ()),
        "intervention_count": len(record.intervention_cases or ()),
    }


def _unavailable(request):
    """A record that does not exist or is bound to another institution: 404, with a page
    that says why (a bound record is that institution's report; others may not see it)."""
    return render(request, "binding/unavailable.html", status=404)


@institution_member_required
def bind(request, public_id):
    """绑定: GET shows the record to check; POST binds it (refused with the reason)."""
    record = services.pool_record(public_id)
    institution = request.user.institution
    if record is None or record.bound_institution_id not in (None, institution.pk):
        return _unavailable(request)
    if record.bound_institution_id == institution.pk:
        messages.info(request, _("本单位已绑定该数据。"))
        return redirect("binding:home")
    problem = None
    if request.method == "POST":
        try:
            report = services.bind_legacy_record(record, institution, request.user)
        except services.BindingError as error:
            # Bound by someone a moment ago, or this year has a report: say so.
            record = services.pool_record(public_id)
            if record.bound_institution_id is not None:
                messages.error(request, error.message)
                if record.bound_institution_id == institution.pk:
                    return redirect("binding:home")
                return _unavailable(request)
            problem = error.message
        else:
            return _bound(request, record, report)
    context = {
        **_record_context(record),
        "problem": problem or services.bind_problem(record, institution.pk),
        "back": _local_url(request, request.GET.get("back"), reverse("binding:search")),
    }
    return render(request, "binding/bind_confirm.html", context)


def _bound(request, record, report):
    messages.success(
        request,
        _("已绑定%(name)s %(year)s年度的数据，可在“脑血管病登记”中查看。")
        % {"name": record.hospital_name, "year": record.data_year},
    )
    return redirect(f"{reverse('binding:home')}#report-{report.pk}")


def _own_bound_record(user, public_id) -> LegacyRecord:
    record = (
        LegacyRecord.objects.bound_to(user.institution_id)
        .select_related("bound_report")
        .filter(public_id=public_id)
        .first()
    )
    if record is None:
        raise Http404
    return record


@institution_member_required
def unbind(request, public_id):
    """解绑: GET asks for confirmation ("解绑后绑定的数据将会被清除"); POST unbinds."""
    record = _own_bound_record(request.user, public_id)
    if request.method == "POST":
        try:
            services.unbind_legacy_record(record, request.user.institution, request.user)
        except services.BindingError as error:
            messages.error(request, error.message)
            return redirect("binding:home")
        messages.success(
            request,
            _("已解绑%(name)s %(year)s年度的数据，该年度报告已从“脑血管病登记”中移除。")
            % {"name": record.hospital_name, "year": record.data_year},
        )
        return redirect("binding:home")
    return render(request, "binding/unbind_confirm.html", _record_context(record))


@institution_member_required
@require_POST
def dismiss(request):
    """下次再说: the reminder is not shown again in this session."""
    dismiss_reminder(request)
    return redirect(_local_url(request, request.POST.get("next"), reverse("welcome")))


def _local_url(request, url, default):
    """``url`` if it is a path on this site, else ``default`` (no open redirect)."""
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return default
