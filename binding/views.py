"""绑定既往数据 (SPEC §3.9): the bound list and the institution's 绑定申请, the search, 绑定
(immediate, or a 绑定申请) and 解绑 with confirmation, and 下次再说 of the welcome page's
reminder.

Every page is behind the verification gate. Records are addressed by their public UUID.
Before a record is bound to the user's institution, pages show its identity fields only
(name, region, year, 负责人 and masked phone, status, entry time) — never its 总表 or cases.
A record bound to another institution, an application of another institution and the 解绑
of a record not bound here answer 404. Searches and claims are rate-limited per user and
per address (``RATE_LIMITS``) and every step is in the audit log.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

import audit
from accounts.decorators import institution_member_required
from registry.ratelimit import over_limit

from . import claims, services
from . import legacy_format as fmt
from .forms import ClaimForm
from .models import BindingApplication, LegacyRecord
from .reminder import dismiss_reminder
from .search import MAX_QUERY_LENGTH, parse_query, search_page

# The newest applications listed on the home page.
APPLICATIONS_SHOWN = 50


def _bound_count(institution_id) -> int:
    return LegacyRecord.objects.bound_to(institution_id).count()


def _too_often(request, action, wait: int):
    """429: the user or the address is over the scope's limit (audited as refused)."""
    audit.record(request, action, outcome=audit.Outcome.DENIED, rate_limited=True)
    message = _("操作过于频繁，请%(minutes)d分钟后再试。") % {"minutes": math.ceil(wait / 60)}
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


@institution_member_required
def home(request):
    """目前本单位已绑定N条数据 (with 解绑 and 继续绑定数据) and the institution's 绑定申请;
    with neither, the search."""
    institution_id = request.user.institution_id
    records = list(services.bound_records(institution_id))
    applications = list(claims.applications_of(institution_id)[:APPLICATIONS_SHOWN])
    if not records and not applications:
        return _search_page(request, bound_count=0)
    return render(request, "binding/home.html", {"records": records, "applications": applications})


@institution_member_required
def search(request):
    """Search by keyword; the results (identity fields only) with 绑定."""
    return _search_page(request, bound_count=_bound_count(request.user.institution_id))


def _search_page(request, bound_count):
    # The form posts (a phone number stays out of URLs and logs); pages of a keyword
    # search are links with ?q=.
    source = request.POST if request.method == "POST" else request.GET
    query = (source.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    page = None
    link_query = ""
    if query:
        wait = over_limit(request, "binding_search")
        if wait:
            return _too_often(request, audit.Action.BINDING_SEARCH, wait)
        page = search_page(query, request.GET.get("page"))
        page.object_list = _with_own_applications(list(page.object_list), request.user)
        has_phone = bool(parse_query(query).phones)
        link_query = "" if has_phone else query
        audit.record(
            request, audit.Action.BINDING_SEARCH, results=page.paginator.count,
            page=page.number, phone=has_phone, similar=page.paginator.similar,
        )  # fmt: skip
    results_url = reverse("binding:search")
    if link_query:
        results_url += "?" + urlencode({"q": link_query, "page": page.number})
    context = {
        "query": query,
        "link_query": link_query,
        "results_url": results_url,
        "page": page,
        "bound_count": bound_count,
        "application_count": BindingApplication.objects.filter(
            institution_id=request.user.institution_id
        ).count(),
        "institution_id": request.user.institution_id,
    }
    return render(request, "binding/search.html", context)


def _with_own_applications(records, user):
    """Each record with ``pending_application``: the public id of the user's institution's
    pending application for it, or None (one query for the page)."""
    pending = dict(
        BindingApplication.objects.filter(
            institution_id=user.institution_id,
            status=BindingApplication.Status.PENDING,
            record__in=records,
        ).values_list("record_id", "public_id")
    )
    for record in records:
        record.pending_application = pending.get(record.pk)
    return records


def _survey_groups(values):
    """The record's 总表 as ``[(group, [(label, heading, value, unit), ...]), ...]``, each
    value printed by the edition (``None`` when blank: the template says 未填)."""
    edition = fmt.EDITION

    def row(item, value):
        shown = None if value is None else edition.display(item, value)
        return item.label, item.heading, shown, item.unit

    return [(group, [row(*pair) for pair in items]) for group, items in edition.grouped(values)]


def _record_context(record):
    """A record bound to the user's institution, with its content (解绑 confirmation)."""
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
    """绑定: GET shows the record's identity and whether binding is immediate or a 绑定申请;
    POST claims it (refused with the reason)."""
    record = services.pool_record(public_id)
    institution = request.user.institution
    if record is None or record.bound_institution_id not in (None, institution.pk):
        return _unavailable(request)
    if record.bound_institution_id == institution.pk:
        messages.info(request, _("本单位已绑定该数据。"))
        return redirect("binding:home")
    pending = claims.pending_application(record, institution.pk)
    if pending is not None:
        messages.info(request, claims.pending_message())
        return redirect("binding:application", public_id=pending.public_id)
    judgement = claims.judge(record, institution)
    if request.method == "POST":
        wait = over_limit(request, "binding_claim")
        if wait:
            return _too_often(request, audit.Action.BIND, wait)
        form = ClaimForm(request.POST, note_required=not judgement.immediate)
        if form.is_valid():
            return _claim(request, record, judgement, form)
    else:
        form = ClaimForm(note_required=not judgement.immediate)
    return _confirm_page(request, record, judgement, form)


def _confirm_page(request, record, judgement, form, problem=None):
    context = {
        "record": record,
        "judgement": judgement,
        "form": form,
        "problem": problem or services.bind_problem(record, request.user.institution_id),
        "last_rejected": claims.applications_of(request.user.institution_id)
        .filter(record=record, status=BindingApplication.Status.REJECTED)
        .first(),
        "back": _local_url(request, request.GET.get("back"), reverse("binding:search")),
    }
    return render(request, "binding/bind_confirm.html", context)


def _claim(request, record, judgement, form):
    institution = request.user.institution
    try:
        result = claims.claim_legacy_record(
            record=record, institution=institution, user=request.user,
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except services.BindingError as error:
        audit.record(request, audit.Action.BIND, obj=record, outcome=audit.Outcome.FAILURE)
        # Bound by someone a moment ago, this year has a report, or a colleague applied.
        fresh = services.pool_record(record.public_id)
        if fresh.bound_institution_id == institution.pk:
            messages.error(request, error.message)
            return redirect("binding:home")
        if fresh.bound_institution_id is not None:
            return _unavailable(request)
        return _confirm_page(request, fresh, judgement, form, problem=error.message)
    if isinstance(result, BindingApplication):
        messages.success(
            request,
            _(
                "已提交%(name)s %(year)s年度数据的绑定申请，"
                "审核员核实通过后，该数据将出现在“脑血管病登记”中。"
            )
            % {"name": record.hospital_name, "year": record.data_year},
        )
        return redirect("binding:application", public_id=result.public_id)
    messages.success(
        request,
        _("已绑定%(name)s %(year)s年度的数据，可在“脑血管病登记”中查看。")
        % {"name": record.hospital_name, "year": record.data_year},
    )
    return redirect(f"{reverse('binding:home')}#report-{result.public_id}")


@institution_member_required
@require_safe
def application(request, public_id):
    """One of the institution's 绑定申请: the record's identity, the 申请说明, and the
    auditor's decision (the reason of a rejection; the report once approved)."""
    found = claims.own_application(request.user, public_id)
    if found is None:
        raise Http404
    report = found.report if found.report_id and found.report.deleted_at is None else None
    return render(
        request,
        "binding/application.html",
        {"application": found, "record": found.record, "report": report},
    )


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
