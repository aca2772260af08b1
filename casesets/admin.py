import re

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
from institutions.models import Institution
from registry.admin_lists import NationalListMixin, month_filter
from registry.downloads import stored_file_response
from registry.scope import VISIBLE_TO, ScopedAdminMixin
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


class DataYearFilter(admin.SimpleListFilter):
    """数据年度 of the case's report. The years offered are read from the reports (a few
    thousand rows), not from a DISTINCT over every case as a field filter would."""

    title = _("数据年度")
    parameter_name = "report__data_year"

    def lookups(self, request, model_admin):
        years = Report.objects.order_by("-data_year").values_list("data_year", flat=True)
        return [(str(year), str(year)) for year in years.distinct()]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(report__data_year=int(value)) if value.isdigit() else queryset.none()


# A term of the case search that can be a 住院号 (letters, digits and - _ /, as
# ``casesets.validators`` allows); any other term is part of an institution's name. A UUID is
# a case's 个案编号 (its public id, which the case export carries in place of the 住院号).
ADMISSION_NO_TERM = re.compile(r"[A-Za-z0-9_/-]+")
PUBLIC_ID_TERM = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def institutions_named(term: str) -> list[int]:
    """The institutions whose name contains ``term`` (a scan of the institutions, a few
    thousand short rows: under a millisecond; their ids go into the case query as a list,
    which PostgreSQL plans from the reports' statistics)."""
    return list(Institution.objects.filter(name__icontains=term).values_list("pk", flat=True))


class CaseAdmin(ScopedAdminMixin, NationalListMixin, SimpleHistoryAdmin):
    """Auditors read cases and their history here; only the hospital edits them. The one
    action, 恢复, calls ``casesets.services.restore_case``.

    At national size (issue 21): the count stops at ``ADMIN_LIST_MAX_ROWS`` and so do the
    pages (``registry.admin_lists``); the search reads indexes only (``get_search_results``).
    The list is in ``(report_id, id)`` order — each report's cases together, in entry order,
    read along the indexes that lead with the report — so that the filters that choose
    reports (数据年度, 省份, 年度报告, a 医疗机构 in the search) read only their reports' cases:
    in id order a filter on the latest year would first walk every older year's cases. It
    sorts by 修改时间 (indexed) too, and by nothing else."""

    scope_path = VISIBLE_TO

    search_fields = ("admission_no",)  # shows the box; get_search_results says what it reads
    search_help_text = _(
        "住院号：完整或开头几位（不区分大小写）；医疗机构：名称中的字词；或导出文件中的个案编号。"
        "多个词用空格分开，须同时满足。"
    )
    list_select_related = ("report__institution",)
    list_per_page = 50
    ordering = ("report_id", "id")
    sortable_by = ("updated_at",)
    actions = ["restore_selected"]
    history_list_display = ("admission_no", "deleted_at")

    def get_search_results(self, request, queryset, search_term):
        """Each term narrows the list: a 个案编号 (the unique public id), a 住院号 by its
        beginning (``UPPER(admission_no) LIKE 'TERM%'``, the ``*_admission_prefix_idx``
        index), anything else by the institution's name. Never a ``LIKE '%…%'`` over a
        million cases."""
        for term in search_term.split():
            if PUBLIC_ID_TERM.fullmatch(term):
                queryset = queryset.filter(public_id=term)
            elif ADMISSION_NO_TERM.fullmatch(term):
                queryset = queryset.filter(admission_no__istartswith=term)
            else:
                queryset = queryset.filter(report__institution_id__in=institutions_named(term))
        return queryset, False

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
        for case in queryset.deleted().select_related("report"):
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


# Registered by excel_templates.admin, which adds the export of the listed cases.
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
        DataYearFilter,
        "thrombolytic_drug",
        DeletedFilter,
        ReportFilter,
    )


# Registered by excel_templates.admin, which adds the export of the listed cases.
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
    list_filter = (ProvinceFilter, DataYearFilter, "evt_mode", DeletedFilter, ReportFilter)


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


SHA256_TERM = re.compile(r"[0-9a-fA-F]{6,64}")


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdminMixin, NationalListMixin, admin.ModelAdmin):
    """Who uploaded which file for which report, how it ended, and the kept file (read only:
    the batches are the audit record of the imports). Counted and paged up to a cap, newest
    first from the ``created_at`` index, 月份 instead of ``date_hierarchy`` (issue 21)."""

    scope_path = VISIBLE_TO

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
    list_filter = ("attachment", "status", "created_at", month_filter("created_at"))
    list_select_related = ("report__institution", "created_by")
    search_fields = ("sha256",)  # shows the box; get_search_results says what it reads
    search_help_text = _("SHA-256（开头至少6位），或医院名称中的字词。")
    sortable_by = ("created_at",)
    ordering = ("-created_at",)

    def get_search_results(self, request, queryset, search_term):
        for term in search_term.split():
            if SHA256_TERM.fullmatch(term):
                queryset = queryset.filter(sha256__startswith=term.lower())
            else:
                queryset = queryset.filter(report__institution_id__in=institutions_named(term))
        return queryset, False

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
