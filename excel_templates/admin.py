"""年度报告 and the cases in the admin, with what the apps above them add: ``surveys.admin.
ReportAdmin`` (the list, the read-only report, 退回, 审核通过, 恢复) with the report's 溶栓 and
介入个案 (``casesets.admin.report_case_lists``) and 导出总表 (``exports``); the case lists of
``casesets.admin`` with 导出个案 (``case_exports``). Registered here, the lowest app that sees
all of them; surveys' and casesets' admins import none of this."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casesets import admin as casesets_admin
from casesets.admin import report_case_lists
from casesets.changes import changes_since_return
from casesets.models import InterventionCase, ThrombolysisCase
from registry.ratelimit import over_limit, too_many
from surveys import admin as surveys_admin
from surveys.models import Report, ReportStatus

from . import case_exports
from .exports import export_response

FORMAT_VAR = "format"
FORMATS = ("xlsx", "csv")


def export_changelist(model_admin, request):
    """``(refusal, changelist, format)`` of an export request: the list as the query string
    sets it (every filter, the search, the order; all pages) and the format from ``?format=``
    (not a filter of the list). ``refusal`` is the response to send instead — 429 over the
    export limit, or back to the list (with a message) when the filters are wrong; without
    the view permission, ``PermissionDenied``."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    wait = over_limit(request, "export")
    if wait:
        return too_many(request, wait), None, None
    query = request.GET.copy()
    fmt = query.pop(FORMAT_VAR, ["xlsx"])[-1]
    query.pop(PAGE_VAR, None)  # every page; and no "page too deep" message
    request.GET = query
    if fmt not in FORMATS:
        fmt = "xlsx"
    try:
        return None, model_admin.get_changelist_instance(request), fmt
    except IncorrectLookupParameters:
        messages.error(request, gettext("筛选条件有误，请重新选择后再导出。"))
        opts = model_admin.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist"), None, None


@admin.register(Report)
class ReportAdmin(surveys_admin.ReportAdmin):
    """年度报告 with its cases on each report's page and 导出总表 on the list."""

    actions = ("approve_selected", "export_selected")

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name=self.decision_url_name("export"),
            ),
            *super().get_urls(),
        ]

    def report_parts(self, request, report):
        parts = super().report_parts(request, report)
        parts["case_lists"] = report_case_lists(request, report)
        # 与退回时相比的修改: once the hospital submitted again after a 退回 (issue 22 item 3).
        if report.status != ReportStatus.RETURNED:
            parts["return_changes"] = changes_since_return(report)
        return parts

    # 导出总表 ------------------------------------------------------------------------------

    def export_view(self, request):
        """导出总表 of the reports the list shows now (its filters, search and order), as
        .xlsx or, with ``?format=csv``, CSV; streamed."""
        refusal, changelist, fmt = export_changelist(self, request)
        if refusal:
            return refusal
        return export_response(changelist.queryset, fmt)

    @admin.action(description=_("导出所选报告的总表（.xlsx）"), permissions=["view"])
    def export_selected(self, request, queryset):
        wait = over_limit(request, "export")
        if wait:
            return too_many(request, wait)
        return export_response(queryset)


class CaseExportMixin:
    """导出个案 on a case list: the cases the list shows (its filters and search, every
    page), as CSV or .xlsx, for staff who may view the cases (``casesets.view_…``)."""

    change_list_template = "admin/casesets/case_change_list.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        refusal, changelist, fmt = export_changelist(self, request)
        if refusal:
            return refusal
        # The list's filters go into the audit log; the search term does not (it may be a
        # 住院号), only that there was one.
        filters = {
            key: value
            for key, value in request.GET.items()
            if key not in (SEARCH_VAR, ERROR_FLAG)
        }
        if request.GET.get(SEARCH_VAR, "").strip():
            filters["searched"] = True
        return case_exports.export_response(changelist.queryset, fmt, filters)


@admin.register(ThrombolysisCase)
class ThrombolysisCaseAdmin(CaseExportMixin, casesets_admin.ThrombolysisCaseAdmin):
    pass


@admin.register(InterventionCase)
class InterventionCaseAdmin(CaseExportMixin, casesets_admin.InterventionCaseAdmin):
    pass
