"""Auditors: the pool of legacy records, the zip import, the import runs, the queue of 绑定申请
(approve / reject through ``binding.claims``) and the binding log (all read-only: records
change only through the importer, 绑定/解绑 and the decisions)."""

import hashlib
import tempfile

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Q, Value, When
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.validators import mask_phone
from registry.admin_review import ReviewQueueAdminMixin
from registry.scope import ScopedAdminMixin
from surveys.models import Report

from . import claims
from .importer import import_legacy
from .models import BindingApplication, BindingLog, LegacyImport, LegacyRecord
from .search import is_phone, normalize, phone_spellings
from .services import BindingError
from .sources import MAX_TOTAL_BYTES, SourceError

MAX_UPLOAD_BYTES = 300 * 1024 * 1024


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _report_link(report_id, report):
    """A link to the report's admin page, or — without one."""
    if not report_id:
        return "—"
    url = reverse("admin:surveys_report_change", args=[report_id])
    return format_html('<a href="{}">{}</a>', url, report)


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
class LegacyRecordAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path = "region"
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
    # The phone is encrypted: found by the whole number only (get_search_results).
    search_fields = ("hospital_name", "region_text", "director_name")
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

    def get_search_results(self, request, queryset, search_term):
        """A whole phone number finds its record through the keyed hash; names and places
        as usual."""
        term = normalize(search_term)
        if is_phone(term):
            return queryset.filter(director_phone__in=phone_spellings(term)), False
        return super().get_search_results(request, queryset, search_term)

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
        return _report_link(obj.bound_report_id, obj.bound_report_id and obj.bound_report)

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
class LegacyImportAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    # An import of the old platform's national export: nationwide auditors only.
    scope_path = None
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
class BindingLogAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("at", "action", "record", "institution", "report", "user", "application")
    list_filter = ("action",)
    search_fields = ("record__hospital_name", "institution__name", "user__username")
    list_select_related = ("record", "institution", "report", "user", "application")
    date_hierarchy = "at"
    fields = ("at", "action", "record", "institution", "report", "user", "application")


def _mark(matched):
    if matched:
        return format_html('<span class="claim-match">✔ {}</span>', _("相符"))
    return format_html('<span class="claim-mismatch">✘ {}</span>', _("不符"))


def _former(values):
    """Former names or regions under the current one."""
    if not values:
        return ""
    return format_html(
        '<div class="former">{}：{}</div>', _("曾用"), "；".join(str(value) for value in values)
    )


class DecisionStatusFilter(admin.SimpleListFilter):
    """待审核 by default: the queue an auditor opens is the work still to do."""

    title = _("审核状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (*BindingApplication.Status.choices, ("all", _("全部")))

    def choices(self, changelist):
        value = self.value() or BindingApplication.Status.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or BindingApplication.Status.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(BindingApplication)
class BindingApplicationAdmin(ScopedAdminMixin, ReviewQueueAdminMixin, admin.ModelAdmin):
    """The 绑定申请 queue: the legacy record's identity beside the applying institution's
    current and former names and regions, the other applications for the same record, and
    批准 / 驳回 that call ``binding.claims`` (批准 binds through the same service as an
    immediate 绑定)."""

    pending_status = BindingApplication.Status.PENDING
    review_help = _(
        "驳回时必填：写明理由，申请单位会在其绑定申请页面看到。批准时可不填；批准后该数据即绑定到"
        "申请单位，同一数据的其他待审核申请将自动驳回。"
    )
    list_display = (
        "requested_at",
        "record_label",
        "institution_label",
        "grounds",
        "competing_count",
        "status",
    )
    list_filter = (DecisionStatusFilter, "record__data_year", "name_matched", "region_matched",
                   "unbound_before")  # fmt: skip
    search_fields = ("record__hospital_name", "institution__name", "requested_by__username")
    list_select_related = ("record", "institution", "institution__region", "decided_by")
    ordering = (
        Case(When(status=BindingApplication.Status.PENDING, then=Value(0)), default=Value(1)),
        "requested_at",
        "pk",
    )
    list_per_page = 50
    fieldsets = (
        (_("对照：既往数据与申请单位"), {"fields": ("comparison",)}),
        (_("申请"), {"fields": (
            "institution", "requester", "requested_at", "note",
            "name_matched", "region_matched", "unbound_before",
        )}),
        (_("同一数据的其他申请"), {"fields": ("competing",)}),
        (_("审核结果"), {"fields": (
            "status", "decision_reason", "decided_by", "decided_at", "report_link",
        )}),
    )  # fmt: skip
    readonly_fields = (
        "comparison", "institution", "requester", "requested_at", "note", "name_matched",
        "region_matched", "unbound_before", "competing", "status", "decision_reason",
        "decided_by", "decided_at", "report_link",
    )  # fmt: skip

    class Media:
        css = {"all": ("css/admin-verification.css", "css/admin-binding.css")}

    def get_list_display(self, request):
        # The default view is the pending queue: its status column would say 待审核 on each row.
        if request.GET.get(DecisionStatusFilter.parameter_name, "pending") == "pending":
            return tuple(name for name in self.list_display if name != "status")
        return self.list_display

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                competing_pending=Count(
                    "record__applications",
                    filter=Q(record__applications__status=BindingApplication.Status.PENDING),
                )
            )
        )

    def decision_context(self, request, obj):
        if not obj.is_pending:
            return None
        return {
            "approve_url": self.decision_url(obj, "approve"),
            "reject_url": self.decision_url(obj, "reject"),
            "reason_max_length": claims.REASON_MAX_LENGTH,
            "help": self.review_help,
        }

    @method_decorator(require_POST)
    def approve_view(self, request, object_id):
        return self._decide(
            request, object_id, claims.approve_application,
            log=_("批准绑定申请"),
            success=_("已批准 %(institution)s 绑定 %(record)s，该数据已绑定到申请单位。"),
        )  # fmt: skip

    @method_decorator(require_POST)
    def reject_view(self, request, object_id):
        reason = request.POST.get("reject_reason", "").strip()
        return self._decide(
            request, object_id, claims.reject_application,
            log=_("驳回绑定申请：%(reason)s") % {"reason": reason},
            success=_("已驳回 %(institution)s 对 %(record)s 的绑定申请。"),
        )  # fmt: skip

    def _decide(self, request, object_id, service, *, log, success):
        """批准 or 驳回 through ``service`` with the reason typed in the decision panel."""
        application = self.get_for_decision(request, object_id)
        reason = request.POST.get("reject_reason", "")
        names = {"institution": application.institution, "record": application.record}
        return self.run_decision(
            request, application,
            lambda: service(application=application, auditor=request.user, reason=reason),
            error=BindingError, log=log, success=success % names, done_url=self.changelist_url(),
        )  # fmt: skip

    @admin.display(description=_("既往数据（行政区划）"), ordering="record__hospital_name")
    def record_label(self, obj):
        return format_html(
            '{}<div class="former">{}</div>', obj.record, obj.record.printed_region or "—"
        )

    @admin.display(description=_("申请单位（行政区划）"), ordering="institution__name")
    def institution_label(self, obj):
        return format_html(
            '{}<div class="former">{}</div>', obj.institution, obj.institution.printed_region
        )

    @admin.display(description=_("需审核的原因"))
    def grounds(self, obj):
        grounds = (
            (not obj.name_matched, _("名称不符")),
            (not obj.region_matched, _("区划不符")),
            (obj.unbound_before, _("曾解绑")),
        )
        return "、".join(str(text) for applies, text in grounds if applies) or "—"

    @admin.display(description=_("该数据待审核数"), ordering="competing_pending")
    def competing_count(self, obj):
        return obj.competing_pending

    @admin.display(description=_("申请人"))
    def requester(self, obj):
        user = obj.requested_by
        return f"{user.real_name or ''} {user.username}".strip()

    @admin.display(description=_("对照"))
    def comparison(self, obj):
        """The record's identity fields (as exported) beside what auditors set for the
        institution: its current and former names and regions, and what its own users wrote
        in 基本信息 (evidence only: it never decides a match)."""
        record, institution = obj.record, obj.institution
        identity = claims.identity_of(institution)
        year_report = (
            Report.objects.of_institution(institution.pk).filter(data_year=record.data_year).first()
        )
        if record.bound_institution_id:
            bound = _("已绑定到 %(name)s") % {"name": record.bound_institution}
        else:
            bound = _("未绑定")
        basic_names = claims.basic_info_names(institution)
        rows = (
            (
                _("医院名称"),
                record.hospital_name,
                format_html("{}{}", identity.names[0], _former(identity.former_names)),
                _mark(claims.name_matches(record, identity)),
            ),
            (
                _("行政区划"),
                format_html(
                    '{}<div class="former">{}</div>',
                    record.printed_region or "—",
                    record.region_code or "",
                ),
                format_html(
                    '{}<div class="former">{}</div>{}',
                    institution.printed_region,
                    institution.region_id,
                    _former(identity.former_regions),
                ),
                _mark(claims.region_matches(record, identity)),
            ),
            (
                _("调查年度"),
                record.data_year,
                _("该年度已有报告（%(status)s），批准将失败")
                % {"status": year_report.get_status_display()}
                if year_report
                else _("该年度尚无报告"),
                "",
            ),
            (
                _("负责人 / 联系电话"),
                f"{record.director_name or '—'} / {mask_phone(record.director_phone) or '—'}",
                "",
                "",
            ),
            (
                _("基本信息中填写的名称（仅供参考）"),
                "",
                "；".join(basic_names) or "—",
                "",
            ),
            (_("绑定情况"), bound, _("曾解绑该数据") if obj.unbound_before else "—", ""),
        )
        body = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>',
            rows,
        )
        record_url = reverse("admin:binding_legacyrecord_change", args=[record.pk])
        institution_url = reverse("admin:institutions_institution_change", args=[institution.pk])
        return format_html(
            '<table class="claim-comparison" id="claim-comparison"><thead><tr><th></th>'
            '<th><a href="{}">{}</a></th><th><a href="{}">{}</a></th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            record_url,
            _("既往数据"),
            institution_url,
            _("申请单位"),
            _("比对"),
            body,
        )

    @admin.display(description=_("同一数据的其他申请"))
    def competing(self, obj):
        others = (
            BindingApplication.objects.filter(record_id=obj.record_id)
            .exclude(pk=obj.pk)
            .select_related("institution")
            .order_by("requested_at")
        )
        if not others:
            return _("无")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a>（{}，{}）</li>',
            (
                (
                    reverse("admin:binding_bindingapplication_change", args=[other.pk]),
                    other.institution,
                    other.get_status_display(),
                    f"{timezone.localtime(other.requested_at):%Y-%m-%d %H:%M}",
                )
                for other in others
            ),
        )
        return format_html('<ul class="claim-competing" id="claim-competing">{}</ul>', items)

    @admin.display(description=_("年度报告"))
    def report_link(self, obj):
        return _report_link(obj.report_id, obj.report_id and obj.report)
