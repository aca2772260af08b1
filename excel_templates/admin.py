"""年度报告 in the admin: ``surveys.admin.ReportAdmin`` (the list, the read-only report,
退回, 审核通过, 恢复) with what the apps above surveys add — the report's 溶栓 and 介入个案
(``casesets.admin.report_case_lists``) and 导出总表 (``exports``). Registered here, the
lowest app that sees both; surveys' admin imports neither."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casesets.admin import report_case_lists
from registry.ratelimit import over_limit, too_many
from surveys import admin as surveys_admin
from surveys.models import Report

from .exports import export_response


@admin.register(Report)
class ReportAdmin(surveys_admin.ReportAdmin):
    """年度报告 with its cases on each report's page and 导出总表 on the list."""

    actions = ("export_selected",)

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
        return parts

    # 导出总表 ------------------------------------------------------------------------------

    def export_view(self, request):
        """导出总表 of the reports the list shows now (its filters, search and order)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        wait = over_limit(request, "export")
        if wait:
            return too_many(request, wait)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(request, gettext("筛选条件有误，请重新选择后再导出。"))
            return redirect(self.changelist_url())
        return export_response(changelist.queryset)

    @admin.action(description=_("导出所选报告的总表（.xlsx）"), permissions=["view"])
    def export_selected(self, request, queryset):
        wait = over_limit(request, "export")
        if wait:
            return too_many(request, wait)
        return export_response(queryset)
