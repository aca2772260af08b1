"""The hospital's annual reports (SPEC §3.6–3.8): 在线填写调查表 (总表), 编辑日志, 提交 and
删除, and what the pages that also show the cases are built from — the report list's rows,
查看详情's shared context and its 总表 tab.

Those pages — the registry home (the list with its case counts), 查看详情 (whose tabs are
总表 and the two case registers) and 用个案汇总填充 — are ``casesets.report_views``: casesets
sits above surveys, and surveys imports no higher app. ``registry/urls.py`` names both sets
of patterns in the one ``surveys`` namespace.

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
from django.views.decorators.http import require_POST

from accounts.decorators import institution_member_required

from .. import reports as services
from ..basic_info import FieldChange, Revision
from ..editions import get_edition
from ..editions.validation import validate_values
from ..forms.survey import SurveyForm
from ..models import Report, ReportScan
from . import basic_info as basic_info_views

HISTORY_PAGE_SIZE = 20


# 脑血管病登记 (home, in casesets.report_views): the report list -------------------------------


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


def listed_reports(user):
    """The reports of the list, newest year first, each with its current 附件4 scans
    (``current_scans``): one query and one prefetch whatever their number."""
    current_scans = Prefetch(
        "scans", queryset=ReportScan.objects.current(), to_attr="current_scans"
    )
    return list(
        Report.objects.visible_to(user).prefetch_related(current_scans).order_by("-data_year")
    )


def home_context(user, info, reports):
    """The home's context once the 基本信息 exist: their card and the section
    医疗机构脑血管病诊疗情况 (在线填写调查表 and the rows of ``reports``, from
    ``listed_reports``)."""
    year = services.current_data_year()
    accesses = services.reporting_accesses(
        user.institution_id, {report.data_year for report in reports} | {year}
    )
    return {
        **basic_info_views.card_context(info),
        "rows": _report_rows(reports, accesses),
        "current_year": year,
        "current_window": accesses[year].message(year),
        "current_open": accesses[year].is_open,
    }


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


# 查看详情 (in casesets.report_views, where its tabs are listed) ------------------------------


@dataclass(frozen=True)
class ReportTab:
    """A tab of 查看详情. ``render(request, report, context)`` returns the page; its
    template extends surveys/report_base.html and fills the block ``tab_content``."""

    key: str
    label: str
    render: object


def report_context(report, tabs, active):
    """The context every tab of 查看详情 shares: header, banners, ``tabs`` (the
    ``ReportTab`` list, ``active`` the shown one's key), status history."""
    access = services.reporting_access(report.institution_id, report.data_year)
    reason = services.lock_reason(report, access)
    detail = reverse("surveys:report_detail", args=[report.public_id])
    rows, source = services.basic_info_shown(report)
    return {
        "report": report,
        "lock_reason": reason,
        "editable": reason is None,
        "window_message": access.message(report.data_year) if reason is None else "",
        "review_stage": services.review_stage(report),
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
            for tab in tabs
        ],
        "transitions": report.transitions.select_related("user"),
    }


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


# 在线填写调查表 (修改总表) ------------------------------------------------------------------


def locked_redirect(request, report, reason):
    """A change the report does not allow now: back to 查看详情 with the reason."""
    messages.error(request, reason)
    return redirect("surveys:report_detail", report_id=report.public_id)


@institution_member_required
def edit_survey(request, report_id):
    """The 总表 form; 保存 stores it through ``save_survey`` (a new version when changed)."""
    report = services.report_of(request.user, report_id)
    access = services.reporting_access(report.institution_id, report.data_year)
    reason = services.lock_reason(report, access)
    if reason:
        return locked_redirect(request, report, reason)
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
            return locked_redirect(request, report, error.message)
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
        return locked_redirect(request, report, reason)
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
        return locked_redirect(request, report, reason)
    if request.method == "POST":
        try:
            services.delete_report(report, request.user)
        except services.ReportError as error:
            return locked_redirect(request, report, error.message)
        messages.success(request, _("%(title)s已删除。") % {"title": report.title})
        return redirect("surveys:home")
    return render(request, "surveys/report_delete.html", {"report": report})
