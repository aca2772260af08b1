"""The hospital's annual reports (SPEC §3.6–3.8): the registry home with the report list,
查看详情 with its tabs, 在线填写调查表 (总表), 编辑日志, 提交 and 删除.

Every report is reached through ``report_of`` (404 for another institution's or a deleted
report) and every change goes through the services of ``surveys.reports``.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Min, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import institution_member_required
from casesets import views as case_views
from casesets.services import case_counts, fill_survey_from_cases
from casesets.totals import survey_fill_preview

from .. import reports as services
from ..basic_info import FieldChange, Revision, basic_info_of
from ..editions import get_edition
from ..editions.validation import validate_values
from ..forms.survey import SurveyForm
from ..models import Report, ReportScan
from . import basic_info as basic_info_views

HISTORY_PAGE_SIZE = 20


# 脑血管病登记 (home) -------------------------------------------------------------------------


@dataclass
class ReportRow:
    """One row of the report list, with what the hospital may do with it now."""

    report: Report
    scans: list
    scan_stale: bool
    lock_reason: str | None
    delete_refusal: str | None

    @property
    def editable(self):
        return self.lock_reason is None

    @property
    def can_submit(self):
        return self.editable

    @property
    def can_delete(self):
        return self.delete_refusal is None


def _report_rows(reports, accesses):
    rows = []
    for report in reports:
        scans = report.current_scans
        rows.append(
            ReportRow(
                report=report,
                scans=scans,
                scan_stale=any(s.survey_version != report.survey_version for s in scans),
                lock_reason=services.lock_reason(report, accesses[report.data_year]),
                delete_refusal=services.delete_refusal(report, accesses[report.data_year]),
            )
        )
    return rows


@institution_member_required
def home(request):
    """脑血管病登记: the 基本信息 form on the first visit; afterwards its card and the
    section 医疗机构脑血管病诊疗情况 (在线填写调查表 and the report list, newest year first).
    The queries do not grow with the number of reports."""
    institution_id = request.user.institution_id
    info = basic_info_of(institution_id)
    if info is None:
        return basic_info_views.first_visit(request)
    current_scans = Prefetch(
        "scans", queryset=ReportScan.objects.current(), to_attr="current_scans"
    )
    reports = list(
        Report.objects.visible_to(request.user)
        .prefetch_related(current_scans)
        .order_by("-data_year")
    )
    # 共上报N例溶栓个案，M例介入个案: the live cases, two queries for all the reports.
    counts = case_counts([report.pk for report in reports])
    for report in reports:
        report.ivt_count, report.evt_count = counts[report.pk]
    year = services.current_data_year()
    accesses = services.reporting_accesses(
        institution_id, {report.data_year for report in reports} | {year}
    )
    context = {
        **basic_info_views.card_context(info),
        "rows": _report_rows(reports, accesses),
        "current_year": year,
        "current_window": accesses[year].message(year),
        "current_open": accesses[year].is_open,
    }
    return render(request, "surveys/home.html", context)


@institution_member_required
@require_POST
def open_report(request):
    """在线填写调查表: the current data year's report (created once), at its 总表."""
    try:
        report = services.open_current_report(request.user)
    except services.ReportError as error:
        messages.error(request, error.message)
        return redirect("surveys:home")
    return redirect("surveys:report_survey", report_id=report.public_id)


# 查看详情 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTab:
    """A tab of 查看详情. ``render(request, report, context)`` returns the page; its
    template extends surveys/report_base.html and fills the block ``tab_content``."""

    key: str
    label: str
    render: object


def report_context(request, report, active):
    """The context every tab of 查看详情 shares: header, banners, tabs, status history."""
    access = services.reporting_access(report.institution_id, report.data_year)
    reason = services.lock_reason(report, access)
    detail = reverse("surveys:report_detail", args=[report.public_id])
    rows, source = services.basic_info_shown(report)
    return {
        "report": report,
        "lock_reason": reason,
        "editable": reason is None,
        "window_message": access.message(report.data_year) if reason is None else "",
        "info_rows": rows,
        "info_from_snapshot": source == services.INFO_SUBMITTED,
        "info_is_legacy": source == services.INFO_LEGACY,
        # A bound legacy report has no 附件4: the old platform kept no scan.
        "has_attachment4": not report.is_legacy,
        "tabs": [
            {
                "key": tab.key,
                "label": tab.label,
                "url": f"{detail}?tab={tab.key}",
                "active": tab.key == active,
            }
            for tab in REPORT_TABS
        ],
        "transitions": report.transitions.select_related("user"),
    }


@institution_member_required
def detail(request, report_id):
    """查看详情 (``?tab=survey`` …); an unknown tab shows the 总表."""
    report = services.report_of(request.user, report_id)
    wanted = request.GET.get("tab")
    tab = next((t for t in REPORT_TABS if t.key == wanted), REPORT_TABS[0])
    return tab.render(request, report, report_context(request, report, tab.key))


@dataclass(frozen=True)
class ShownValue:
    label: str
    heading: str
    value: str
    unit: str
    blank: bool


def _shown(edition, item, value):
    unit = str(item.unit) if item.is_integer and value is not None else ""
    return ShownValue(
        label=str(item.label),
        heading=str(item.heading),
        value=edition.display(item, value) or _("未填"),
        unit=unit,
        blank=value is None,
    )


def _survey_groups(edition, values):
    """``[(group, [ShownValue, ...], all_blank), ...]`` in the edition's order."""
    groups = []
    for group, items in edition.grouped(values):
        shown = [_shown(edition, item, value) for item, value in items]
        groups.append((group, shown, all(value.blank for value in shown)))
    return groups


def survey_tab(request, report, context):
    """总表: the stored values read-only, grouped as the report's edition declares."""
    edition = get_edition(report.edition)
    result = validate_values(edition, report.values) if report.values else None
    confirmed = set(report.confirmed_warnings)
    scans = list(report.scans.current())
    context.update(
        {
            "edition": edition,
            "groups": _survey_groups(edition, report.values) if report.values else [],
            "errors": [m for ms in result.errors.values() for m in ms] if result else [],
            "warnings": [(w, w.rule_id in confirmed) for w in result.warnings] if result else [],
            "scans": scans,
            "scan_stale": any(s.survey_version != report.survey_version for s in scans),
        }
    )
    return render(request, "surveys/report_survey_tab.html", context)


# The tabs of 查看详情, in order; an unknown ``?tab`` shows the first. The case registers
# (附件3, 附件2) are casesets' pages.
REPORT_TABS = (
    ReportTab("survey", gettext_lazy("总表"), survey_tab),
    ReportTab("thrombolysis", gettext_lazy("单纯静脉溶栓个案登记"), case_views.thrombolysis_tab),
    ReportTab("intervention", gettext_lazy("血管内介入治疗个案登记"), case_views.intervention_tab),
)


# 在线填写调查表 (修改总表) ------------------------------------------------------------------


def _locked_redirect(request, report, reason):
    messages.error(request, reason)
    return redirect("surveys:report_detail", report_id=report.public_id)


@institution_member_required
def edit_survey(request, report_id):
    """The 总表 form; 保存 stores it through ``save_survey`` (a new version when changed)."""
    report = services.report_of(request.user, report_id)
    access = services.reporting_access(report.institution_id, report.data_year)
    reason = services.lock_reason(report, access)
    if reason:
        return _locked_redirect(request, report, reason)
    edition = get_edition(report.edition)
    form = SurveyForm(
        edition,
        data=request.POST if request.method == "POST" else None,
        initial=report.values,
        confirmed_warnings=report.confirmed_warnings,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_survey(
                report, form.values(), form.confirmed_warning_ids, request.user
            )
        except services.ReportError as error:
            return _locked_redirect(request, report, error.message)
        messages.success(request, _saved_message(report, saved))
        return redirect("surveys:report_detail", report_id=report.public_id)
    scans = list(report.scans.current())
    context = {
        "report": report,
        "edition": edition,
        "form": form,
        "window_message": access.message(report.data_year),
        "has_scan": bool(scans),
    }
    return render(request, "surveys/report_survey_form.html", context)


def _saved_message(before, saved):
    if saved.survey_version == before.survey_version:
        if saved.confirmed_warnings == before.confirmed_warnings:
            return _("总表没有修改。")
        return _("总表已保存。")
    stale = saved.scans.current().exclude(survey_version=saved.survey_version).exists()
    if stale:
        return _(
            "总表已保存。总表有修改，已上传的附件4已过期：请重新打印附件4，"
            "由主管院领导签字并加盖医院公章后重新上传。"
        )
    return _("总表已保存。")


# 用个案汇总填充 ------------------------------------------------------------------------------


def _preview_key(rows):
    """What the user is asked to confirm, as a string the page posts back: the fill is
    refused when the 总表 or the cases changed since the page was shown."""
    return ";".join(f"{row.code}={row.current}>{row.from_cases}" for row in rows)


@institution_member_required
def fill_from_cases(request, report_id):
    """用个案汇总填充: GET lists each 总表 item the cases determine, its value now and the
    count of the cases; POST (确认填充) writes the counts through
    ``casesets.services.fill_survey_from_cases`` (a new 总表 version, in the 编辑日志)."""
    report = services.report_of(request.user, report_id)
    reason = services.lock_reason(report)
    if reason:
        return _locked_redirect(request, report, reason)
    rows = survey_fill_preview(report)
    changes = sum(row.changes for row in rows)
    if request.method == "POST":
        if request.POST.get("preview") != _preview_key(rows):
            messages.warning(request, _("总表或个案在您核对期间有变化，请重新核对后再确认填充。"))
        elif not changes:
            messages.info(request, _("总表中这些项目已与个案汇总一致，无需填充。"))
            return redirect("surveys:report_detail", report_id=report.public_id)
        else:
            try:
                saved = fill_survey_from_cases(report, request.user)
            except services.ReportError as error:
                return _locked_redirect(request, report, error.message)
            before = report.values or {}
            updated = sum(before.get(row.code) != saved.values.get(row.code) for row in rows)
            messages.success(request, _filled_message(saved, updated))
            return redirect("surveys:report_detail", report_id=report.public_id)
    context = {
        "report": report,
        "rows": rows,
        "changes": changes,
        "preview": _preview_key(rows),
        "has_scan": report.scans.current().exists(),
    }
    return render(request, "surveys/report_fill_from_cases.html", context)


def _filled_message(saved, changes):
    message = _("已用个案汇总填充总表，%(n)s项已更新。") % {"n": changes}
    if saved.scans.current().exclude(survey_version=saved.survey_version).exists():
        message += _(
            "已上传的附件4已过期：请重新打印附件4，由主管院领导签字并加盖医院公章后重新上传。"
        )
    return message


# 编辑日志 -------------------------------------------------------------------------------------


def _shown_change(edition, code, value):
    shown = _shown(edition, edition.item(code), value)
    return f"{shown.value} {shown.unit}" if shown.unit else shown.value


def _survey_revisions(edition, records, older_values):
    """编辑日志 entries: each record against the 总表 it replaced (``older_values`` maps a
    survey_version to its values)."""
    entries = []
    for record in records:
        before = older_values.get(record.survey_version - 1) or {}
        after = record.values or {}
        changes = [
            FieldChange(
                edition.name_of(code),
                _shown_change(edition, code, before.get(code)),
                _shown_change(edition, code, after.get(code)),
            )
            for code in edition.codes
            if before.get(code) != after.get(code)
        ]
        if not changes:
            continue
        user = record.history_user
        entries.append(
            Revision(
                when=record.history_date,
                who=str(user) if user is not None else _("系统"),
                created=not before,
                changes=changes,
            )
        )
    return entries


@institution_member_required
def history(request, report_id):
    """编辑日志 of the 总表: every change of its values, newest first, item by item.

    The values change exactly when ``survey_version`` goes up, so the first historical
    record of each version is one change (status-only saves share the version)."""
    report = services.report_of(request.user, report_id)
    edition = get_edition(report.edition)
    records = report.history.all()
    firsts = records.values("survey_version").annotate(first=Min("history_id")).values("first")
    changes = (
        records.filter(history_id__in=firsts, survey_version__gt=0)
        .select_related("history_user")
        .order_by("-history_id")
    )
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    wanted = {record.survey_version - 1 for record in rows}
    older_values = dict(
        records.filter(history_id__in=firsts, survey_version__in=wanted).values_list(
            "survey_version", "values"
        )
    )
    context = {
        "report": report,
        "page": page,
        "revisions": _survey_revisions(edition, rows, older_values),
    }
    return render(request, "surveys/report_history.html", context)


# 提交 and 删除 ---------------------------------------------------------------------------------


def _fix_url(report, part):
    """Where the hospital fixes a problem that stops 提交."""
    return {
        services.PART_BASIC_INFO: reverse("surveys:basic_info"),
        services.PART_SURVEY: reverse("surveys:report_survey", args=[report.public_id]),
        services.PART_ATTACHMENT4: reverse("surveys:attachment4_scan", args=[report.public_id]),
    }.get(part)


@institution_member_required
def submit(request, report_id):
    """提交: GET shows the checklist; POST submits with the warnings the user confirmed."""
    report = services.report_of(request.user, report_id)
    reason = services.lock_reason(report)
    if reason:
        return _locked_redirect(request, report, reason)
    if request.method == "POST":
        try:
            services.submit(report, request.user, request.POST.getlist("confirm"))
        except services.ReportError as error:
            messages.error(request, error.message)
            return redirect("surveys:report_submit", report_id=report.public_id)
        messages.success(request, _("已提交，请等待审核。"))
        return redirect("surveys:report_detail", report_id=report.public_id)
    check = services.submission_check(report)
    problems = [(p.message, _fix_url(report, p.part)) for p in check.problems]
    context = {"report": report, "check": check, "problems": problems}
    return render(request, "surveys/report_submit.html", context)


@institution_member_required
def delete(request, report_id):
    """删除: only a 未提交 report; kept and restorable by an auditor."""
    report = services.report_of(request.user, report_id)
    if reason := services.delete_refusal(report):
        return _locked_redirect(request, report, reason)
    if request.method == "POST":
        try:
            services.delete_report(report, request.user)
        except services.ReportError as error:
            return _locked_redirect(request, report, error.message)
        messages.success(request, _("%(title)s已删除。") % {"title": report.title})
        return redirect("surveys:home")
    return render(request, "surveys/report_delete.html", {"report": report})
