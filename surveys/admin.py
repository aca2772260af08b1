from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from accounts.validators import mask_mobile
from institutions.admin import ProvinceFilter
from registry.admin_lists import NationalListMixin
from registry.admin_review import DecisionAdminMixin, ReadOnlyAdminMixin
from registry.scope import VISIBLE_TO, ScopedAdminMixin

from . import attachment4
from .editions import get_edition
from .editions.validation import validate_values
from .models import (
    IN_REVIEW_STATUSES,
    BasicInfo,
    Reminder,
    Report,
    ReportingWindow,
    ScanKind,
    TransitionAction,
    WindowExtension,
)
from .reminders import reminder_days
from .reports import (
    INFO_LIVE,
    ReportError,
    approve_report,
    basic_info_shown,
    default_window,
    reporting_access,
    restore_report,
    return_report,
    review_step,
)

# 批量审核: at most this many reports an action (each decided in its own transaction, a few
# queries each: about 5 s at 500 on this machine's kind), and the refusals listed by name.
BULK_REVIEW_MAX = 500
BULK_REFUSALS_SHOWN = 20


@admin.register(BasicInfo)
class BasicInfoAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Auditors read 基本信息 and its 编辑日志 here; only the hospital edits it."""

    list_display = (
        "hospital_name",
        "institution",
        "printed_region",
        "grade",
        "category",
        "director_name",
        "updated_at",
    )
    list_filter = (ProvinceFilter, "grade", "category")
    search_fields = ("hospital_name", "institution__name")
    list_select_related = ("institution",)
    history_list_display = ("director_name", "contact_name")
    list_per_page = 50

    @admin.display(description=_("行政区划"), ordering="region__code")
    def printed_region(self, obj):
        return obj.printed_region

    # Mobiles masked, here and in 编辑日志 (security checklist 8.2).
    fields = (
        "institution",
        *(f"masked_{name}" if name in BasicInfo.MOBILE_FIELDS else name
          for name in BasicInfo.FORM_FIELDS),
        "created_by",
        "updated_by",
    )  # fmt: skip
    readonly_fields = tuple(f"masked_{name}" for name in BasicInfo.MOBILE_FIELDS)

    @admin.display(description=_("医院负责人手机号"))
    def masked_director_mobile(self, obj):
        return mask_mobile(obj.director_mobile) or "—"

    @admin.display(description=_("医院联系人手机号"))
    def masked_contact_mobile(self, obj):
        return mask_mobile(obj.contact_mobile) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# 年度报告 ------------------------------------------------------------------------------------


class DeletedFilter(admin.SimpleListFilter):
    """已删除: without a choice the list shows the reports in use; deleted ones (which an
    auditor may restore) are one click away."""

    title = _("已删除")
    parameter_name = "deleted"
    DELETED = "yes"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [(self.DELETED, _("已删除")), (self.ALL, _("全部（含已删除）"))]

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        if self.value() == self.DELETED:
            return queryset.filter(deleted_at__isnull=False)
        return queryset.alive()

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        # The entry without a value is the default: the reports not deleted.
        choices[0]["display"] = _("未删除")
        return choices


def _day(value):
    return date_format(value, "Y年n月j日")


def _cell(label, value):
    """A value of the 年度报告 list with its column's name in front, shown only where the
    list is stacked on a phone and its header row is out of sight (admin-report.css)."""
    return format_html('<span class="report-cell-label">{}：</span>{}', label, value)


def _moment(value):
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


def _moment_cell(value):
    """A time in the list: date and hour each unbreakable, so a narrow column puts the hour
    under the date instead of breaking the date at a hyphen."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    return format_html(
        '<span class="report-nowrap">{}</span> <span class="report-nowrap">{}</span>',
        date_format(local, "Y-m-d"),
        date_format(local, "H:i"),
    )


def effective_window(report) -> str:
    """填报时间 of the report's year for its institution, with the extension and whether
    the hospital may change the report today."""
    access = reporting_access(report.institution_id, report.data_year)
    text = gettext("%(start)s至%(end)s") % {
        "start": _day(access.opens_on),
        "end": _day(access.closes_on),
    }
    if access.extended_until:
        text += gettext("；本单位延期至%(until)s") % {"until": _day(access.extended_until)}
    if access.is_open:
        state = gettext("目前在填报时间内（至%(until)s北京时间24时）") % {
            "until": _day(access.until)
        }
    else:
        state = gettext("目前不在填报时间内，医院只能查看")
    return f"{text}。{state}。"


def _shown(edition, item, value):
    """A 总表 value with its unit, ``None`` when blank (the template says 未填)."""
    if value is None:
        return None
    text = edition.display(item, value)
    return f"{text} {item.unit}".strip() if item.is_integer else text


def survey_groups(report):
    """The 总表 values grouped as the report's edition declares; ``None`` = 未填."""
    edition = get_edition(report.edition)
    values = report.values or {}
    groups = []
    for group, items in edition.grouped(values):
        rows = [
            {
                "code": item.code,
                "heading": item.heading,
                "label": item.label,
                "value": _shown(edition, item, value),
                "required": item.required,
            }
            for item, value in items
        ]
        filled = sum(1 for row in rows if row["value"] is not None)
        groups.append(
            {
                "code": group.code,
                "title": group.title,
                "optional": group.optional,
                "rows": rows,
                "filled": filled,
            }
        )
    return groups


def survey_warnings(report):
    """The edition's warnings the stored values raise, and whether the hospital confirmed
    each one (the ids kept in ``confirmed_warnings``)."""
    if not report.values:
        return []
    confirmed = set(report.confirmed_warnings or ())
    result = validate_values(get_edition(report.edition), report.values)
    return [
        {"message": warning.message, "confirmed": warning.rule_id in confirmed}
        for warning in result.warnings
    ]


class ReportAdmin(ScopedAdminMixin, NationalListMixin, DecisionAdminMixin, admin.ModelAdmin):
    """年度报告 for auditors: the list filtered by year, province, state, grade and deletion,
    and each report read-only with every part, 退回 (with a reason the hospital sees), 审核通过
    and 恢复 — all through ``surveys.reports``. Registered by ``excel_templates.admin``, which
    adds what the apps above surveys hold: the report's cases and 导出总表. The list is
    counted and paged up to ``ADMIN_LIST_MAX_ROWS`` (``registry.admin_lists``, issue 21)."""

    scope_path = VISIBLE_TO
    actions = ("approve_selected",)

    decision_actions = ("approve", "return", "restore")
    change_form_template = "admin/surveys/report/change_form.html"
    change_list_template = "admin/surveys/report/change_list.html"

    list_display = (
        "hospital",
        "year",
        "status_cell",
        "status_changed",
        "submitted",
        "region",
    )
    list_display_links = ("hospital",)
    list_filter = (
        "data_year",
        ProvinceFilter,
        "status",
        ("institution__grade", admin.ChoicesFieldListFilter),
        DeletedFilter,
    )
    search_fields = ("institution__name",)
    list_select_related = ("institution",)
    list_per_page = 50

    fieldsets = (
        (
            _("年度报告"),
            {
                "fields": (
                    "hospital_details",
                    "data_year",
                    "edition_label",
                    "status_label",
                    "status_changed_at",
                    "submitted_at",
                    "return_reason_shown",
                    "window",
                    "deletion",
                )
            },
        ),
    )
    readonly_fields = (
        "hospital_details",
        "data_year",
        "edition_label",
        "status_label",
        "status_changed_at",
        "submitted_at",
        "return_reason_shown",
        "window",
        "deletion",
    )

    class Media:
        css = {"all": ("css/admin-verification.css", "css/admin-report.css")}

    def get_queryset(self, request):
        # Deleted reports too: the 已删除 filter hides them from the list by default.
        # (ScopedAdminMixin: the reports the auditor may see, ``visible_to``.)
        return super().get_queryset(request).select_related("institution", "deleted_by")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/scans/<int:scan_id>/",
                self.admin_site.admin_view(self.scan_view),
                name=self.decision_url_name("scan"),
            ),
            *super().get_urls(),
        ]

    # The list ----------------------------------------------------------------------------

    @admin.display(description=_("医院"), ordering="institution__name")
    def hospital(self, obj):
        return obj.institution.name

    @admin.display(description=_("数据年度"), ordering="data_year")
    def year(self, obj):
        return _cell(_("数据年度"), obj.data_year)

    @admin.display(description=_("行政区划"), ordering="institution__region__code")
    def region(self, obj):
        return _cell(_("行政区划"), obj.institution.printed_region)

    @admin.display(description=_("当前状态"), ordering="status")
    def status_label(self, obj):
        status = obj.get_status_display()
        if obj.is_deleted:
            return format_html('{} <span class="report-deleted">{}</span>', status, _("已删除"))
        return status

    @admin.display(description=_("当前状态"), ordering="status")
    def status_cell(self, obj):
        return _cell(_("当前状态"), self.status_label(obj))

    @admin.display(description=_("状态修改时间"), ordering="status_changed_at")
    def status_changed(self, obj):
        return _cell(_("状态修改时间"), _moment_cell(obj.status_changed_at))

    @admin.display(description=_("提交时间"), ordering="submitted_at")
    def submitted(self, obj):
        return _cell(_("提交时间"), _moment_cell(obj.submitted_at))

    # The report, read-only ---------------------------------------------------------------

    @admin.display(description=_("医院"))
    def hospital_details(self, obj):
        institution = obj.institution
        url = reverse("admin:institutions_institution_change", args=[institution.pk])
        return format_html(
            '<a href="{}">{}</a><br>{}<br>{} · {}',
            url,
            institution.name,
            institution.printed_region,
            institution.get_grade_display(),
            institution.get_category_display(),
        )

    @admin.display(description=_("总表版本"))
    def edition_label(self, obj):
        try:
            edition = get_edition(obj.edition)
        except KeyError:
            return gettext("%(id)s（未知版本）") % {"id": obj.edition}
        return f"{edition.id} · {edition.title}"

    @admin.display(description=_("退回原因"))
    def return_reason_shown(self, obj):
        return obj.return_reason or "—"

    @admin.display(description=_("填报时间"))
    def window(self, obj):
        return effective_window(obj)

    @admin.display(description=_("删除"))
    def deletion(self, obj):
        if not obj.is_deleted:
            return _("未删除")
        return format_html(
            '<span class="report-deleted">{}</span> {} · {}',
            _("已删除"),
            _moment(obj.deleted_at),
            obj.deleted_by or "—",
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.report_parts(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def report_parts(self, request, report):
        """Everything the read-only page shows below the summary (``case_lists``, the
        report's cases, added by ``excel_templates.admin``)."""
        try:
            get_edition(report.edition)
        except KeyError:
            groups, warnings = None, []
        else:
            groups, warnings = survey_groups(report), survey_warnings(report)
        # The same 基本信息 the hospital's page shows (one rule, surveys.reports).
        basic_info, source = basic_info_shown(report)
        basic_info_is_snapshot = source != INFO_LIVE
        scans = [self._scan_entry(report, scan) for scan in attachment4.current_scans(report)]
        replaced = [
            [self._scan_entry(report, scan) for scan in upload]
            for upload in attachment4.replaced_uploads(report)
        ]
        extension_add_url = None
        if self.admin_site.is_registered(WindowExtension) and request.user.has_perm(
            "surveys.add_windowextension"
        ):
            query = urlencode({"institution": report.institution_id, "data_year": report.data_year})
            extension_add_url = f"{reverse('admin:surveys_windowextension_add')}?{query}"
        return {
            "report": report,
            "basic_info": basic_info,
            "basic_info_is_snapshot": basic_info_is_snapshot,
            "survey_groups": groups,
            "survey_warnings": warnings,
            "scans": scans,
            "scans_are_stale": attachment4.is_stale(report, [e["scan"] for e in scans]),
            "replaced_uploads": replaced,
            "transitions": report.transitions.select_related("user"),
            "extension_add_url": extension_add_url,
        }

    def _scan_entry(self, report, scan):
        return {
            "scan": scan,
            "url": reverse("admin:surveys_report_scan", args=[report.pk, scan.pk]),
            "is_pdf": scan.kind == ScanKind.PDF,
            "is_stale": attachment4.is_stale(report, [scan]),
        }

    def scan_view(self, request, object_id, scan_id):
        """A 附件4 file of a report, for auditors (the hospital's own view checks the
        institution; this one the admin permission)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = self.get_object(request, unquote(object_id))
        if report is None:
            raise Http404
        scan = get_object_or_404(report.scans, pk=scan_id)
        return attachment4.scan_response(scan)

    # 退回, 审核通过, 恢复 ----------------------------------------------------------------

    def decision_context(self, request, obj):
        if obj.is_deleted:
            return {"restore_url": self.decision_url(obj, "restore")}
        if obj.status not in IN_REVIEW_STATUSES:
            return None
        step = review_step(obj, request.user)
        if step.approve_to is None:
            return {"refusal": step.refusal}
        level_note = ""
        if step.action == TransitionAction.PROVINCIAL:
            level_note = gettext("本年度为两级审核：省级审核通过后，报告交由国家级审核员终审。")
        elif step.action == TransitionAction.NATIONAL:
            level_note = gettext("该报告已通过省级审核，本次为国家级终审。")
        return {
            "approve_url": self.decision_url(obj, "approve"),
            "return_url": self.decision_url(obj, "return"),
            "approve_label": step.label,
            "level_note": level_note,
            "reason_max_length": Report._meta.get_field("return_reason").max_length,
        }

    @method_decorator(require_POST)
    def return_view(self, request, object_id):
        report = self.get_for_decision(request, object_id)
        reason = request.POST.get("return_reason", "")
        return self.run_decision(
            request,
            report,
            lambda: return_report(report, request.user, reason),
            error=ReportError,
            log=gettext("退回：%(reason)s") % {"reason": reason.strip()},
            success=gettext("已退回%(name)s的%(title)s，医院将看到退回原因。")
            % {"name": report.institution.name, "title": report},
        )

    # 批量审核 (issue 22 item 4): each selected report through approve_report, one by one.

    @admin.action(description=_("审核通过所选报告"), permissions=["decide"])
    def approve_selected(self, request, queryset):
        """审核通过 of each selected report at the auditor's level (``review_step``): each is
        checked and decided on its own, in its own transaction; those that may not be
        approved now are listed with the reason and the rest go through."""
        reports = list(queryset.select_related("institution")[: BULK_REVIEW_MAX + 1])
        if len(reports) > BULK_REVIEW_MAX:
            messages.error(
                request,
                gettext("一次最多批量审核%(n)s份报告，请缩小筛选范围后再选。")
                % {"n": BULK_REVIEW_MAX},
            )
            return None
        decided_to, refused = Counter(), []
        for report in reports:
            try:
                decided = approve_report(report, request.user)
            except ReportError as refusal:
                refused.append((f"{report.institution.name} {report}", refusal.message))
                continue
            status = decided.get_status_display()
            decided_to[status] += 1
            self.log_change(request, decided, gettext("批量审核：%(status)s") % {"status": status})
        for status, n in decided_to.items():
            messages.success(
                request, gettext("%(n)s份报告已为“%(status)s”。") % {"n": n, "status": status}
            )
        if refused:
            shown = refused[:BULK_REFUSALS_SHOWN]
            more = len(refused) - len(shown)
            messages.warning(
                request,
                format_html(
                    "{}<ul>{}</ul>{}",
                    gettext("以下%(n)s份报告未审核通过：") % {"n": len(refused)},
                    format_html_join("", "<li>{}：{}</li>", shown),
                    gettext("另有%(n)s份未列出。") % {"n": more} if more else "",
                ),
            )
        return None

    @method_decorator(require_POST)
    def approve_view(self, request, object_id):
        report = self.get_for_decision(request, object_id)
        # Worded by the step this auditor takes (省级审核通过 is not yet 已审核).
        step = str(review_step(report, request.user).label or gettext("审核通过"))
        return self.run_decision(
            request,
            report,
            lambda: approve_report(report, request.user),
            error=ReportError,
            log=step,
            success=gettext("%(name)s的%(title)s已%(step)s。")
            % {"name": report.institution.name, "title": report, "step": step},
        )

    @method_decorator(require_POST)
    def restore_view(self, request, object_id):
        report = self.get_for_decision(request, object_id)
        return self.run_decision(
            request,
            report,
            lambda: restore_report(report, request.user),
            error=ReportError,
            log=gettext("恢复已删除的报告"),
            success=gettext("已恢复%(name)s的%(title)s。")
            % {"name": report.institution.name, "title": report},
        )


# ReportAdmin is registered by excel_templates.admin (its cases and 导出总表 added).


# 填报时间 and 延期 ---------------------------------------------------------------------------


class ReportingWindowForm(forms.ModelForm):
    class Meta:
        model = ReportingWindow
        fields = ("data_year", "opens_on", "closes_on", "review_levels")
        help_texts = {
            "data_year": _("例如 2025：医院在 2026 年填报 2025 年度的数据。"),
            "opens_on": _("含当天，自北京时间0时起。"),
            "review_levels": _(
                "两级审核：医院提交后，先由所在省（市）的审核员审核通过（省级审核通过），"
                "再由审核范围为全国的审核员终审；任一级可退回。"
                "请在该年度有报告提交之前设定，审核中途改变级别时，已提交的报告按新的级别审核。"
            ),
        }


@admin.register(ReportingWindow)
class ReportingWindowAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """填报时间 of a data year. A year without a row has the default window."""

    # A window holds for the whole country: only nationwide auditors see and set it.
    scope_path = None

    form = ReportingWindowForm
    list_display = (
        "data_year", "opens_on", "closes_on", "review_levels", "updated_at", "updated_by"
    )  # fmt: skip
    list_select_related = ("updated_by",)
    readonly_fields = ("default_window", "updated_at", "updated_by")
    fieldsets = (
        (
            None,
            {
                "fields": ("data_year", "opens_on", "closes_on", "default_window", "review_levels"),
                "description": _(
                    "未设置的年度按默认填报时间：数据年度次年的2月1日至3月31日。"
                    "日期均按北京时间（Asia/Shanghai），截止日期当天24时截止。"
                    "在填报时间之外，医院只能查看报告；个别单位需要补报时，请在“延期”中为该单位设置。"
                ),
            },
        ),
        (_("修改记录"), {"fields": ("updated_at", "updated_by")}),
    )

    @admin.display(description=_("默认填报时间"))
    def default_window(self, obj):
        if obj is None or not obj.data_year:
            return _("数据年度次年的2月1日至3月31日")
        start, end = default_window(obj.data_year)
        return f"{_day(start)}至{_day(end)}"

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class WindowExtensionForm(forms.ModelForm):
    class Meta:
        model = WindowExtension
        fields = ("institution", "data_year", "until", "reason")
        help_texts = {
            "data_year": _("延期适用的数据年度，例如 2025。"),
            "reason": _("例如：医院申请补报，经省脑卒中防治工程办公室同意。"),
        }


@admin.register(WindowExtension)
class WindowExtensionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """延期: one institution may create, edit and submit its report of a year until a day."""

    form = WindowExtensionForm
    autocomplete_fields = ("institution",)
    list_display = ("institution", "data_year", "until", "reason", "granted_at", "granted_by")
    list_filter = ("data_year",)
    search_fields = ("institution__name",)
    list_select_related = ("institution", "granted_by")
    readonly_fields = ("granted_at", "granted_by")
    fields = ("institution", "data_year", "until", "reason", "granted_at", "granted_by")

    def save_model(self, request, obj, form, change):
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)


# 提醒短信 ------------------------------------------------------------------------------------


class MilestoneFilter(admin.SimpleListFilter):
    """提醒节点: 截止前N天 (the days of ``REMINDER_DAYS`` and any sent before) or 退回提醒."""

    title = _("提醒节点")
    parameter_name = "milestone"

    def lookups(self, request, model_admin):
        closing = {
            *(f"{Reminder.CLOSING_PREFIX}{day}" for day in reminder_days()),
            *model_admin.get_queryset(request)
            .filter(milestone__startswith=Reminder.CLOSING_PREFIX)
            .order_by()
            .values_list("milestone", flat=True)
            .distinct(),
        }
        days = sorted(int(m.removeprefix(Reminder.CLOSING_PREFIX)) for m in closing)
        choices = [
            (f"{Reminder.CLOSING_PREFIX}{day}", gettext("截止前%(days)s天") % {"days": day})
            for day in reversed(days)
        ]
        return [*choices, ("returned", gettext("退回提醒"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "returned":
            return queryset.filter(milestone__startswith=Reminder.RETURNED_PREFIX)
        return queryset.filter(milestone=value)


@admin.register(Reminder)
class ReminderAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, NationalListMixin, admin.ModelAdmin):
    """提醒短信 (``manage.py send_reminders``): who was reminded of what, when, and whether it
    went out. Written by the command only: auditors look, nobody adds, changes or deletes."""

    list_display = (
        "created_at",
        "institution",
        "data_year",
        "milestone_display",
        "recipient",
        "mobile_masked",
        "deadline",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("data_year", MilestoneFilter, "status")
    search_fields = ("institution__name",)
    list_select_related = ("institution", "recipient")
    list_per_page = 50
    sortable_by = ("created_at", "data_year", "deadline", "sent_at")
    fields = (
        "institution",
        "data_year",
        "report",
        "milestone_display",
        "recipient",
        "mobile_masked",
        "deadline",
        "text",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = None

    @admin.display(description=_("提醒节点"), ordering="milestone")
    def milestone_display(self, obj):
        return obj.get_milestone_display()
