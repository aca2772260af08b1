"""Auditors: the pool of legacy records, the zip import, the import runs and the binding log
(all read-only: records change only through the importer and 绑定/解绑)."""

import hashlib
import tempfile

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.validators import mask_phone

from .importer import import_legacy
from .models import BindingLog, LegacyImport, LegacyRecord
from .sources import MAX_TOTAL_BYTES, SourceError

MAX_UPLOAD_BYTES = 300 * 1024 * 1024


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BoundFilter(admin.SimpleListFilter):
    title = _("绑定情况")
    parameter_name = "bound"

    def lookups(self, request, model_admin):
        return (("yes", _("已绑定")), ("no", _("未绑定")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(bound_institution__isnull=False)
        if self.value() == "no":
            return queryset.filter(bound_institution__isnull=True)
        return queryset


class CaseFilesFilter(admin.SimpleListFilter):
    """Records loaded without one of their 附件2/附件3 files (it could not be read)."""

    title = _("个案文件")
    parameter_name = "files"

    def lookups(self, request, model_admin):
        return (("missing", _("缺少个案文件")), ("complete", _("齐全")))

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.exclude(refused_files=[])
        if self.value() == "complete":
            return queryset.filter(refused_files=[])
        return queryset


class ImportForm(forms.Form):
    archive = forms.FileField(
        label=_("导出压缩包（zip）"),
        help_text=_("旧平台导出的文件夹压缩成的 zip，文件名为 UTF-8；内含 年度/附件1_….xlsx 等。"),
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("压缩包不能超过%(mb)sMB。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("请上传 .zip 压缩包。"))
        return archive


@admin.register(LegacyRecord)
class LegacyRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "hospital_name",
        "data_year",
        "region_text",
        "director_name",
        "submit_status",
        "entered_at",
        "bound_institution",
        "bound_at",
        "case_files",
    )
    list_filter = ("data_year", "submit_status", BoundFilter, CaseFilesFilter)
    search_fields = ("hospital_name", "region_text", "director_name", "director_phone")
    list_select_related = ("bound_institution",)
    list_per_page = 50
    change_list_template = "admin/binding/legacyrecord/change_list.html"
    # The phone masked like on every page (security checklist 8.2).
    readonly_fields = ("report_link", "masked_director_phone", "refused_files_list")
    fieldsets = (
        (_("医院"), {"fields": (
            "hospital_name", "data_year", "region_text", "region_code", "region",
            "grade", "category", "director_name", "masked_director_phone", "director_email",
            "submit_status", "entered_at",
        )}),
        (_("总表与个案"), {"fields": (
            "refused_files_list", "values", "thrombolysis_cases", "intervention_cases",
        )}),
        (_("绑定"), {"fields": (
            "bound_institution", "bound_report", "report_link", "bound_at", "bound_by",
        )}),
        (_("来源"), {"fields": (
            "public_id", "source_file", "source_row", "source_sha256", "fingerprint",
            "imported_by", "imported_at",
        )}),
    )  # fmt: skip

    @admin.display(description=_("联系电话"))
    def masked_director_phone(self, obj):
        return mask_phone(obj.director_phone) or "—"

    @admin.display(description=_("个案文件"))
    def case_files(self, obj):
        missing = obj.refused_attachments
        return _("缺少%(files)s") % {"files": "、".join(missing)} if missing else "—"

    @admin.display(description=_("未导入的个案文件"))
    def refused_files_list(self, obj):
        """Each refused file with its reason and the import run that refused it."""
        if not obj.refused_files:
            return "—"
        rows = format_html_join(
            "",
            '<li>{}：{}（{}）<a href="{}">{}</a></li>',
            (
                (
                    entry["attachment"],
                    entry["file"],
                    entry["reason"],
                    reverse("admin:binding_legacyimport_change", args=[entry["import_id"]]),
                    _("导入批次"),
                )
                for entry in obj.refused_files
            ),
        )
        note = _("这些文件的个案尚未导入；用修复的文件重新导入即补全，已导入的内容不变。")
        return format_html('<ul id="refused-files">{}</ul><div class="help">{}</div>', rows, note)

    @admin.display(description=_("年度报告"))
    def report_link(self, obj):
        if not obj.bound_report_id:
            return "—"
        url = reverse("admin:surveys_report_change", args=[obj.bound_report_id])
        return format_html('<a href="{}">{}</a>', url, obj.bound_report)

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="binding_legacyrecord_import",
            )
        ]
        return urls + super().get_urls()

    def import_view(self, request):
        """导入既往数据: the same importer as ``manage.py import_legacy``, on an uploaded zip."""
        if not request.user.has_perm("binding.add_legacyrecord"):
            raise PermissionDenied
        result = None
        error = ""
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["archive"]
            digest = hashlib.sha256()
            with tempfile.TemporaryFile() as copy:
                for chunk in upload.chunks():
                    digest.update(chunk)
                    copy.write(chunk)
                copy.seek(0)
                try:
                    result = import_legacy(
                        copy,
                        name=upload.name,
                        run_by=request.user,
                        source_sha256=digest.hexdigest(),
                    )
                except SourceError as failure:
                    error = failure.message
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入既往数据"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
            # (line, indented) pairs: a file's line, then its refusals and notes under it.
            "report_lines": [
                (line.strip(), line.startswith(" ")) for line in result.text().splitlines()
            ]
            if result
            else [],
            "error": error,
            "max_total_mb": MAX_TOTAL_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/binding/legacy_import.html", context)


@admin.register(LegacyImport)
class LegacyImportAdmin(ReadOnlyAdmin):
    list_display = (
        "source_name",
        "started_at",
        "run_by",
        "created",
        "completed",
        "unchanged",
        "refused",
    )
    list_select_related = ("run_by",)
    search_fields = ("source_name",)
    fields = (
        "source_name",
        "source_sha256",
        "started_at",
        "finished_at",
        "run_by",
        "created",
        "completed",
        "unchanged",
        "refused",
        "report",
    )


@admin.register(BindingLog)
class BindingLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "record", "institution", "report", "user")
    list_filter = ("action",)
    search_fields = ("record__hospital_name", "institution__name", "user__username")
    list_select_related = ("record", "institution", "report", "user")
    date_hierarchy = "at"
    fields = ("at", "action", "record", "institution", "report", "user")
