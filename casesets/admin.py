from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from institutions.admin import ProvinceFilter
from registry.downloads import stored_file_response
from surveys.models import Report
from surveys.reports import ReportError

from .models import ImportBatch, InterventionCase, ThrombolysisCase
from .services import restore_case


class DeletedFilter(admin.SimpleListFilter):
    title = _("已删除")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.deleted()
        if self.value() == "no":
            return queryset.alive()
        return queryset


class ReportFilter(admin.SimpleListFilter):
    """年度报告: the cases of one report, as linked from that report's admin page. The only
    choice offered is the report chosen (a list of every report would be far too long)."""

    title = _("年度报告")
    parameter_name = "report"

    def _report_id(self):
        value = self.value() or ""
        return int(value) if value.isdigit() else None

    def has_output(self):
        # Shown (and applied) only when a report is chosen, even one that does not exist.
        return self.value() is not None

    def lookups(self, request, model_admin):
        if self.value() is None:
            return []
        report_id = self._report_id()
        report = None
        if report_id is not None:
            report = Report.objects.filter(pk=report_id).select_related("institution").first()
        if report is None:
            return [(self.value(), gettext("没有该报告"))]
        label = gettext("%(hospital)s %(year)s年度") % {
            "hospital": report.institution.name,
            "year": report.data_year,
        }
        return [(str(report.pk), label)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        report_id = self._report_id()
        return queryset.filter(report_id=report_id) if report_id else queryset.none()


class CaseAdmin(SimpleHistoryAdmin):
    """Auditors read cases and their history here; only the hospital edits them. The one
    action, 恢复, calls ``casesets.services.restore_case``."""

    search_fields = ("admission_no", "report__institution__name")
    list_select_related = ("report__institution",)
    list_per_page = 50
    actions = ["restore_selected"]
    history_list_display = ("admission_no", "deleted_at")

    def get_queryset(self, request):
        # The cases of the reports the auditor may see (one rule: ``report_visibility``).
        return super().get_queryset(request).visible_to(request.user)

    @admin.display(description=_("医疗机构"), ordering="report__institution__name")
    def institution(self, obj):
        return obj.report.institution

    @admin.display(description=_("数据年度"), ordering="report__data_year")
    def data_year(self, obj):
        return obj.report.data_year

    @admin.display(description=_("已删除"), boolean=True)
    def is_deleted(self, obj):
        return obj.is_deleted

    @admin.action(description=_("恢复所选的已删除病例"))
    def restore_selected(self, request, queryset):
        restored = 0
        for case in queryset.select_related("report"):
            if not case.is_deleted:
                continue
            try:
                restore_case(case=case, auditor=request.user)
            except ReportError as error:
                self.message_user(
                    request, f"{case.admission_no}：{error.message}", level=messages.ERROR
                )
            else:
                restored += 1
        if restored:
            self.message_user(
                request,
                ngettext("已恢复 %(n)d 例。", "已恢复 %(n)d 例。", restored) % {"n": restored},
                level=messages.SUCCESS,
            )
        elif not queryset.deleted().exists():
            self.message_user(request, _("所选病例都未被删除，无需恢复。"), level=messages.WARNING)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ThrombolysisCase)
class ThrombolysisCaseAdmin(CaseAdmin):
    list_display = (
        "admission_no",
        "institution",
        "data_year",
        "nihss_pre",
        "nihss_discharge",
        "mrs_discharge",
        "thrombolytic_drug",
        "thrombolytic_drug_other",
        "dnt_minutes",
        "is_deleted",
        "updated_at",
    )
    list_filter = (
        ProvinceFilter,
        "report__data_year",
        "thrombolytic_drug",
        DeletedFilter,
        ReportFilter,
    )


@admin.register(InterventionCase)
class InterventionCaseAdmin(CaseAdmin):
    list_display = (
        "admission_no",
        "institution",
        "data_year",
        "evt_mode",
        "nihss_pre",
        "nihss_discharge",
        "mrs_discharge",
        "dpt_minutes",
        "is_deleted",
        "updated_at",
    )
    list_filter = (ProvinceFilter, "report__data_year", "evt_mode", DeletedFilter, ReportFilter)


# A report's cases on its read-only admin page (templates/admin/surveys/report/change_form.html,
# block report_cases) -----------------------------------------------------------------------

REPORT_CASES_SHOWN = 10


def _drug_shown(case):
    """溶栓药 as read: 其他 with the drug's name, e.g. 其他（链激酶）."""
    drug = case.get_thrombolytic_drug_display()
    if case.thrombolytic_drug_other:
        return gettext("%(drug)s（%(name)s）") % {
            "drug": drug,
            "name": case.thrombolytic_drug_other,
        }
    return drug


# The key columns of each attachment there: field names, or (label, function of the case).
REPORT_CASE_COLUMNS = {
    ThrombolysisCase: (
        "admission_no",
        "nihss_pre",
        "nihss_discharge",
        "mrs_discharge",
        (_("溶栓药"), lambda case: _drug_shown(case)),
        "dnt_minutes",
    ),
    InterventionCase: (
        "admission_no",
        "evt_mode",
        "nihss_pre",
        "nihss_discharge",
        "mrs_discharge",
        "dpt_minutes",
    ),
}


def _column(model, column):
    """``(label, value of a case)`` of one column of REPORT_CASE_COLUMNS."""
    if not isinstance(column, str):
        return column
    field = model._meta.get_field(column)
    if field.choices:
        return field.verbose_name, lambda case: getattr(case, f"get_{column}_display")()
    return field.verbose_name, lambda case: getattr(case, column)


def report_case_lists(request, report) -> list[dict]:
    """The report's 溶栓 and 介入 cases for its admin page: how many are live and deleted,
    the first REPORT_CASES_SHOWN live ones with the key columns, and links to the case
    lists filtered by the report (two queries per attachment)."""
    lists = []
    for model in (ThrombolysisCase, InterventionCase):
        opts = model._meta
        counts = model.objects.filter(report_id=report.pk).aggregate(
            live=Count("id", filter=Q(deleted_at__isnull=True)),
            deleted=Count("id", filter=Q(deleted_at__isnull=False)),
        )
        columns = [_column(model, column) for column in REPORT_CASE_COLUMNS[model]]
        cases = model.objects.of_report(report).order_by("id")[:REPORT_CASES_SHOWN]
        can_view = request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        lists.append(
            {
                "key": opts.model_name,
                "title": opts.verbose_name,
                "count": counts["live"],
                "deleted": counts["deleted"],
                "headers": [label for label, _value in columns],
                "rows": [
                    {
                        "url": reverse(
                            f"admin:{opts.app_label}_{opts.model_name}_change", args=[case.pk]
                        )
                        if can_view
                        else None,
                        "cells": [value(case) for _label, value in columns],
                    }
                    for case in cases
                ],
                "list_url": f"{changelist}?report={report.pk}" if can_view else None,
                "deleted_url": f"{changelist}?report={report.pk}&deleted=yes" if can_view else None,
            }
        )
    return lists


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- ImportBatch: read-only record of the Excel imports (issue 7) ----------------------------


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Who uploaded which file for which report, how it ended, and the kept file (read only:
    the batches are the audit record of the imports)."""

    list_display = (
        "created_at",
        "created_by",
        "institution",
        "report",
        "attachment",
        "row_count",
        "error_count",
        "status",
        "sha256",
        "download_link",
    )
    list_filter = ("attachment", "status", "created_at")
    list_select_related = ("report__institution", "created_by")
    search_fields = ("sha256", "report__institution__name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("医院"), ordering="report__institution__name")
    def institution(self, batch):
        return batch.report.institution

    @admin.display(description=_("上传的文件"))
    def download_link(self, batch):
        if not batch.file:
            return "-"
        url = reverse("admin:casesets_importbatch_download", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("下载"))

    def get_urls(self):
        download = path(
            "<int:pk>/download/",
            self.admin_site.admin_view(self.download_view),
            name="casesets_importbatch_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, pk):
        """The kept workbook, to staff who may view the batches."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(self.get_queryset(request).select_related("report"), pk=pk)
        name = batch.original_name or f"import-{batch.pk}.xlsx"
        return stored_file_response(batch.file, XLSX, name)
