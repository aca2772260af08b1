"""The 单纯静脉溶栓个案登记 and 血管内介入治疗个案登记 tabs of 查看详情 (SPEC §3.7) and the
pages of one case: 增加病例, 查看, 修改, 删除 and its 修改记录.

Every page reaches its report through ``surveys.reports.report_of`` (404 for another
institution's report) and its case through ``services.case_of`` (404 for a case of any other
report, or a deleted one). The forms are ``casesets.forms``; every change goes through
``casesets.services``, which locks the report and re-runs the rules. Read-only reports
(既往数据, 已提交, 已审核, outside the reporting window) list and show their cases only.
"""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import institution_member_required
from surveys import reports as report_services

from . import services
from .forms import form_for
from .history import case_history, display
from .models import ThrombolyticDrug
from .specs import ATTACHMENT2, ATTACHMENT3, SPECS

PAGE_SIZE = 20


def tab_url(report, kind):
    """The tab of ``kind`` on 查看详情."""
    return f"{reverse('surveys:report_detail', args=[report.public_id])}?tab={kind}"


# The tabs --------------------------------------------------------------------------------


def _filters(request, spec):
    """The tab's filters from the query: 住院号 (partial) and, on 附件3, 溶栓药物."""
    admission_no = (request.GET.get("admission_no") or "").strip()[:64]
    drug = request.GET.get("drug") or ""
    if "thrombolytic_drug" not in spec.filter_fields or drug not in ThrombolyticDrug.values:
        drug = ""
    return admission_no, drug


def _case_url(report, kind, url_name):
    """``url_name`` of a case of ``report`` as a function of the case's public id: one
    ``reverse`` for a page of rows instead of one per link (issue 21: three links a row were
    a tenth of the list's time)."""
    sample = uuid.UUID(int=0)
    head, tail = reverse(url_name, args=[report.public_id, kind, sample]).split(str(sample))
    return lambda case: f"{head}{case.public_id}{tail}"


def _rows(spec, report, page_cases):
    """``[(case, [(column label, shown value), ...], links), ...]`` in the order of
    ``spec.list_columns`` (the label names the value where the list is stacked, on phones);
    ``links`` holds the case's 查看/修改/删除 URLs."""
    # Plain strings, translated once for the page (a lazy label is translated again at every
    # use: 7 columns × 20 rows).
    labels = [str(spec.column(name).label) for name in spec.list_columns]
    urls = {
        name: _case_url(report, spec.kind, f"casesets:case_{name}")
        for name in ("detail", "edit", "delete")
    }
    return [
        (
            case,
            [
                (label, display(spec, name, getattr(case, name)))
                for label, name in zip(labels, spec.list_columns, strict=True)
            ],
            {name: url(case) for name, url in urls.items()},
        )
        for case in page_cases
    ]


def case_tab(spec):
    """The render function of the tab of ``spec`` (see ``surveys.views.reports.ReportTab``).
    Three queries for the list whatever the number of cases: count, page, nothing per row."""

    def render_tab(request, report, context):
        admission_no, drug = _filters(request, spec)
        cases = spec.model.objects.of_report(report).matching(admission_no)
        if drug:
            cases = cases.filter(thrombolytic_drug=drug)
        # Count and page over the ids (the report's index holds them with the 住院号, so
        # neither reads a row), then read the page's rows (issue 21).
        ids = cases.order_by("id").values_list("id", flat=True)
        page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = spec.model.objects.filter(pk__in=list(page.object_list)).only(
            "id", "public_id", *spec.list_columns
        )
        context.update(
            {
                "spec": spec,
                "kind": spec.kind,
                "page": page,
                "rows": _rows(spec, report, page.object_list),
                "headers": [spec.column(name).label for name in spec.list_columns],
                "admission_no": admission_no,
                "drug": drug,
                "drug_choices": ThrombolyticDrug.choices if spec.filter_fields else [],
                "filtered": bool(admission_no or drug),
            }
        )
        return render(request, "casesets/case_tab.html", context)

    return render_tab


# The two tabs, listed with 总表 in ``report_views.REPORT_TABS``.
thrombolysis_tab = case_tab(ATTACHMENT3)
intervention_tab = case_tab(ATTACHMENT2)


# One case --------------------------------------------------------------------------------


def _page_context(report, spec, **extra):
    return {
        "report": report,
        "spec": spec,
        "kind": spec.kind,
        "list_url": tab_url(report, spec.kind),
        **extra,
    }


def _refuse(request, report, spec, reason):
    """A change the report does not allow now: back to the tab with the reason."""
    messages.error(request, reason)
    return redirect(tab_url(report, spec.kind))


def _editable_report(request, report_id, kind):
    """``(report, spec, lock reason or None)``; 404 for another institution's report."""
    report = report_services.report_of(request.user, report_id)
    return report, SPECS[kind], report_services.lock_reason(report)


def _refused(request, report, spec, form, error):
    """A save the services refused: when the report was locked meanwhile, back to the tab
    with the reason; else the reason (a rule with what the database holds now, e.g. a
    colleague just entered the same 住院号) above the form, and ``None``."""
    reason = report_services.lock_reason(report)
    if reason:
        return _refuse(request, report, spec, reason)
    form.add_error(None, error.message)
    return None


@institution_member_required
@require_http_methods(["GET", "POST"])
def add(request, report_id, kind):
    """增加病例."""
    report, spec, reason = _editable_report(request, report_id, kind)
    if reason:
        return _refuse(request, report, spec, reason)
    form = form_for(kind)(request.POST if request.method == "POST" else None, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.add_case(report=report, case=form.save(), user=request.user)
        except report_services.ReportError as error:
            refused = _refused(request, report, spec, form, error)
            if refused:
                return refused
        else:
            messages.success(
                request, _("病例（住院号 %(no)s）已保存。") % {"no": case.admission_no}
            )
            if "save_and_add" in request.POST:
                return redirect("casesets:case_add", report_id=report.public_id, kind=kind)
            return redirect(tab_url(report, kind))
    context = _page_context(report, spec, form=form, adding=True)
    return render(request, "casesets/case_form.html", context)


@institution_member_required
@require_http_methods(["GET", "POST"])
def edit(request, report_id, kind, case_id):
    """修改."""
    report, spec, reason = _editable_report(request, report_id, kind)
    case = services.case_of(report, kind, case_id)
    if reason:
        return _refuse(request, report, spec, reason)
    form = form_for(kind)(
        request.POST if request.method == "POST" else None, report=report, instance=case
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.update_case(case=form.save(), user=request.user)
        except report_services.ReportError as error:
            refused = _refused(request, report, spec, form, error)
            if refused:
                return refused
        else:
            messages.success(
                request, _("病例（住院号 %(no)s）已修改。") % {"no": saved.admission_no}
            )
            return redirect(
                "casesets:case_detail",
                report_id=report.public_id,
                kind=kind,
                case_id=saved.public_id,
            )
    context = _page_context(report, spec, form=form, case=case, adding=False)
    return render(request, "casesets/case_form.html", context)


def _shown_fields(spec, case, columns):
    return [(column, display(spec, column.name, getattr(case, column.name))) for column in columns]


@institution_member_required
def detail(request, report_id, kind, case_id):
    """查看: every field, the derived intervals and who entered and changed the case."""
    report, spec, reason = _editable_report(request, report_id, kind)
    case = services.case_of(report, kind, case_id)
    intervals = [(interval.label, getattr(case, interval.name)) for interval in spec.intervals]
    context = _page_context(
        report,
        spec,
        case=case,
        editable=reason is None,
        lock_reason=reason,
        core=_shown_fields(spec, case, spec.core_columns),
        optional=_shown_fields(spec, case, spec.optional_columns),
        intervals=intervals,
        created_by=case.created_by if case.created_by_id else None,
        updated_by=case.updated_by if case.updated_by_id else None,
    )
    return render(request, "casesets/case_detail.html", context)


@institution_member_required
@require_http_methods(["GET", "POST"])
def delete(request, report_id, kind, case_id):
    """删除: a confirmation page; POST hides the case (an auditor can restore it)."""
    report, spec, reason = _editable_report(request, report_id, kind)
    case = services.case_of(report, kind, case_id)
    if reason:
        return _refuse(request, report, spec, reason)
    if request.method == "POST":
        try:
            services.delete_case(case=case, user=request.user)
        except report_services.ReportError as error:
            return _refuse(request, report, spec, error.message)
        messages.success(request, _("病例（住院号 %(no)s）已删除。") % {"no": case.admission_no})
        return redirect(tab_url(report, kind))
    context = _page_context(report, spec, case=case)
    return render(request, "casesets/case_delete.html", context)


@institution_member_required
def history(request, report_id, kind, case_id):
    """修改记录: every save of the case, newest first, field by field (old → new)."""
    report, spec, _reason = _editable_report(request, report_id, kind)
    case = services.case_of(report, kind, case_id)
    context = _page_context(report, spec, case=case, revisions=case_history(case))
    return render(request, "casesets/case_history.html", context)
