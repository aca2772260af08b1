"""The hospital's report pages that show its cases (SPEC §3.6–3.7): the registry home (the
report list with each report's case counts), 查看详情 with its tabs (总表, then the two case
registers) and 用个案汇总填充.

They are composed here, above surveys, from surveys' public pieces (``surveys.views.reports``,
``surveys.reports``) and casesets' own: surveys imports no higher app. Their URL patterns are
``casesets.report_urls``, named with the rest of the report pages in the ``surveys``
namespace by ``registry/urls.py``.

Every report is reached through ``surveys.reports.report_of`` (404 for another institution's
or a deleted report) and every change goes through a service.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import institution_member_required
from surveys import reports as report_services
from surveys.basic_info import basic_info_of
from surveys.changes import last_return
from surveys.views import basic_info as basic_info_views
from surveys.views import reports as report_views
from surveys.views.reports import ReportTab, locked_redirect

from . import views as case_views
from .changes import changes_since_return
from .services import case_counts, fill_survey_from_cases
from .totals import survey_fill_preview

# 脑血管病登记 (home) -------------------------------------------------------------------------


@institution_member_required
def home(request):
    """脑血管病登记: the 基本信息 form on the first visit; afterwards its card and the
    section 医疗机构脑血管病诊疗情况 (在线填写调查表 and the report list, newest year first).
    The queries do not grow with the number of reports."""
    info = basic_info_of(request.user.institution_id)
    if info is None:
        return basic_info_views.first_visit(request)
    reports = report_views.listed_reports(request.user)
    # 共上报N例溶栓个案，M例介入个案: the live cases, two queries for all the reports.
    counts = case_counts([report.pk for report in reports])
    for report in reports:
        report.ivt_count, report.evt_count = counts[report.pk]
    context = report_views.home_context(request.user, info, reports)
    return render(request, "surveys/home.html", context)


# 查看详情 -------------------------------------------------------------------------------------

# The tabs of 查看详情, in order; an unknown ``?tab`` shows the first. 总表 is surveys' page,
# the case registers (附件3, 附件2) are casesets'.
REPORT_TABS = (
    ReportTab("survey", gettext_lazy("总表"), report_views.survey_tab),
    ReportTab("thrombolysis", gettext_lazy("单纯静脉溶栓个案登记"), case_views.thrombolysis_tab),
    ReportTab("intervention", gettext_lazy("血管内介入治疗个案登记"), case_views.intervention_tab),
)


def changes_tab(request, report, context):
    """退回后的修改: the report now against the version the auditor returned (the changes
    so far while it is 已退回), as the auditors' report page shows it."""
    context["return_changes"] = changes_since_return(report)
    return render(request, "casesets/report_changes_tab.html", context)


# Shown after the others once the report has been returned (issue 22 item 3).
CHANGES_TAB = ReportTab("changes", gettext_lazy("退回后的修改"), changes_tab)


def report_tabs(report):
    """The tabs of ``report``'s 查看详情: ``REPORT_TABS``, and 退回后的修改 once it was
    returned (no query for a report never submitted)."""
    if last_return(report) is None:
        return REPORT_TABS
    return (*REPORT_TABS, CHANGES_TAB)


@institution_member_required
def detail(request, report_id):
    """查看详情 (``?tab=survey`` …); an unknown tab shows the 总表."""
    report = report_services.report_of(request.user, report_id)
    tabs = report_tabs(report)
    wanted = request.GET.get("tab")
    tab = next((t for t in tabs if t.key == wanted), tabs[0])
    context = report_views.report_context(report, tabs, tab.key)
    return tab.render(request, report, context)


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
    report = report_services.report_of(request.user, report_id)
    reason = report_services.lock_reason(report)
    if reason:
        return locked_redirect(request, report, reason)
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
            except report_services.ReportError as error:
                return locked_redirect(request, report, error.message)
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
