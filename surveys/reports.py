"""Annual reports: the reporting window, who may change a report, and its state machine.

Every change of a report goes through this module, which locks the report row, checks the
report may still be changed (state, reporting window, not deleted) and records the change:
a status change as a ``ReportTransition`` (who, when, from, to, reason), a 总表 change in the
report's history (``simple_history``) with a new ``survey_version``. Other apps call its
services (casesets, the Excel import, binding); none writes a ``Report`` or a
``ReportTransition`` itself (``tests/test_report_writes.py``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.dispatch import Signal
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from accounts.validators import mask_mobile
from institutions.region_names import printed_name
from registry.scope import is_nationwide

from .editions import CURRENT_EDITION, get_edition
from .editions.validation import validate_values
from .models import (
    EDITABLE_STATUSES,
    IN_REVIEW_STATUSES,
    BasicInfo,
    Report,
    ReportingWindow,
    ReportStatus,
    ReportTransition,
    TransitionAction,
    WindowExtension,
)

# Who a hospital asks to reopen a closed report (shown wherever a report is read-only).
REOPEN_CONTACT = gettext_lazy(
    "如需补报或修改，请联系审核员（国家或所在省脑卒中防治工程办公室）为本单位延期。"
)


class ReportError(Exception):
    """A change the report does not allow now; ``message`` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def today():
    """Today in Asia/Shanghai (the project's TIME_ZONE)."""
    return timezone.localdate()


def current_data_year(on: datetime.date | None = None) -> int:
    """The year hospitals report in ``on``'s year: the previous one (2026 → 2025)."""
    return (on or today()).year - 1


def _day(value: datetime.date) -> str:
    return date_format(value, "Y年n月j日")


# Reporting window ---------------------------------------------------------------------------


def default_window(data_year: int) -> tuple[datetime.date, datetime.date]:
    """1 February – 31 March of the following year (SPEC §3.8)."""
    return datetime.date(data_year + 1, 2, 1), datetime.date(data_year + 1, 3, 31)


def window_for(data_year: int) -> tuple[datetime.date, datetime.date]:
    row = ReportingWindow.objects.filter(data_year=data_year).first()
    return (row.opens_on, row.closes_on) if row else default_window(data_year)


@dataclass(frozen=True)
class Access:
    """Whether an institution may create, edit and submit its report of a data year today."""

    is_open: bool
    opens_on: datetime.date
    closes_on: datetime.date
    extended_until: datetime.date | None = None

    @property
    def until(self) -> datetime.date:
        """The last day changes are accepted (an extension counts)."""
        if self.extended_until and self.extended_until > self.closes_on:
            return self.extended_until
        return self.closes_on

    def message(self, data_year: int) -> str:
        """Why the report is read-only, until when, and who can reopen it (Chinese)."""
        if self.is_open:
            return _("%(year)s年度数据填报截止到%(until)s（北京时间24时）。") % {
                "year": data_year,
                "until": _day(self.until),
            }
        window = {"year": data_year, "start": _day(self.opens_on), "end": _day(self.closes_on)}
        if today() < self.opens_on:
            text = _("%(year)s年度数据填报时间为%(start)s至%(end)s，尚未开始，目前只能查看。")
        else:
            text = _("%(year)s年度数据填报时间为%(start)s至%(end)s，已经截止，目前只能查看。")
        if self.extended_until:
            text += _("本单位的延期已于%(until)s到期。") % {"until": _day(self.extended_until)}
        return (text % window) + str(REOPEN_CONTACT)


def _access(opens_on, closes_on, extension) -> Access:
    day = today()
    is_open = opens_on <= day <= closes_on or (extension is not None and day <= extension)
    return Access(is_open, opens_on, closes_on, extension)


def reporting_access(institution_id: int, data_year: int) -> Access:
    """The year's window and the institution's extension, in one plain SQL statement: every
    report page asks, and the ORM's two queries cost 1.1 ms of Python against 0.13 ms for
    this (issue 21, measured on the national bench)."""
    window, extension = ReportingWindow._meta.db_table, WindowExtension._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.opens_on, w.closes_on, (SELECT e.until FROM {extension} e"  # nosec B608
            "  WHERE e.institution_id = %s AND e.data_year = %s)"
            f" FROM (SELECT 1) one LEFT JOIN {window} w ON w.data_year = %s",
            [institution_id, data_year, data_year],
        )
        opens_on, closes_on, until = cursor.fetchone()
    if opens_on is None:
        opens_on, closes_on = default_window(data_year)
    return _access(_date(opens_on), _date(closes_on), _date(until))


def _date(value):
    """A date column as read by the raw statement (SQLite gives ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def reporting_accesses(institution_id: int, data_years) -> dict[int, Access]:
    """``reporting_access`` for several years in two queries (the report list)."""
    data_years = set(data_years)
    windows = {
        row.data_year: (row.opens_on, row.closes_on)
        for row in ReportingWindow.objects.filter(data_year__in=data_years)
    }
    extensions = dict(
        WindowExtension.objects.filter(
            institution_id=institution_id, data_year__in=data_years
        ).values_list("data_year", "until")
    )
    return {
        year: _access(*windows.get(year, default_window(year)), extensions.get(year))
        for year in data_years
    }


# Who may change a report --------------------------------------------------------------------

STATUS_LOCK_MESSAGES = {
    ReportStatus.SUBMITTED: gettext_lazy(
        "本报告已提交，正在等待审核，不能修改。如需修改，请联系审核员退回。"
    ),
    ReportStatus.PROVINCIAL: gettext_lazy(
        "本报告已通过省级审核，正在等待国家级审核，不能修改。如需修改，请联系审核员退回。"
    ),
    ReportStatus.APPROVED: gettext_lazy("本报告已审核通过，不能再修改。"),
}


def lock_reason(report: Report, access: Access | None = None) -> str | None:
    """``None`` when the hospital may change ``report`` now, otherwise why not (Chinese)."""
    if report.is_deleted:
        return _("本报告已删除。")
    if report.status == ReportStatus.LEGACY:
        return _(
            "本报告为绑定的既往数据（旧平台导入），只读，不能修改或提交。"
            "如绑定错误，可在“绑定既往数据”中解绑。"
        )
    if report.status not in EDITABLE_STATUSES:
        return str(STATUS_LOCK_MESSAGES[report.status])
    access = access or reporting_access(report.institution_id, report.data_year)
    if not access.is_open:
        return access.message(report.data_year)
    return None


def delete_refusal(report: Report, access: Access | None = None) -> str | None:
    """``None`` when the hospital may 删除 ``report`` now, otherwise why not (Chinese): only
    a 未提交 report it may change. The one rule the list, the page and ``delete_report``
    ask."""
    reason = lock_reason(report, access)
    if reason is None and report.status != ReportStatus.DRAFT:
        reason = _("只有未提交过的报告可以删除。")
    return reason


def locked_report(report: Report) -> Report:
    """Re-read ``report`` under a row lock (inside a transaction), whatever its state: for a
    change whose caller checks the state itself (an auditor's 恢复 of a case, 解绑). Changes
    of a report or its cases wait for each other on this lock."""
    return Report.objects.select_for_update().get(pk=report.pk)


def locked_for_change(report: Report) -> Report:
    """Re-read ``report`` under a row lock (inside a transaction) and check it is editable:
    the one way anything — 总表, 附件4, a case, an Excel import — starts changing a report."""
    fresh = locked_report(report)
    reason = lock_reason(fresh)
    if reason:
        raise ReportError(reason)
    return fresh


def _log_transition(report: Report, to_status, user, action, reason: str = "") -> None:
    ReportTransition.objects.create(
        report=report,
        from_status=report.status,
        to_status=to_status,
        action=action,
        reason=reason,
        user=user,
    )


def _transition(report: Report, to_status, user, action, reason: str = "") -> None:
    _log_transition(report, to_status, user, action, reason)
    report.status = to_status
    report.status_changed_at = timezone.now()


def report_of(user, public_id) -> Report:
    """The report ``public_id`` if ``user`` may open it (``Report.objects.visible_to``: a
    hospital account its own institution's live reports); 404 for any other."""
    return get_object_or_404(
        Report.objects.visible_to(user).select_related("institution"), public_id=public_id
    )


# Creating, editing, deleting ----------------------------------------------------------------


def open_current_report(user) -> Report:
    """在线填写调查表: the institution's report of the current data year, created once."""
    data_year = current_data_year()
    existing = Report.objects.of_institution(user.institution_id).filter(data_year=data_year)
    report = existing.first()
    if report is not None:
        return report
    access = reporting_access(user.institution_id, data_year)
    if not access.is_open:
        raise ReportError(access.message(data_year))
    report = Report(
        institution_id=user.institution_id,
        data_year=data_year,
        edition=CURRENT_EDITION.id,
        status=ReportStatus.DRAFT,
        status_changed_at=timezone.now(),
        created_by=user,
    )
    report._history_user = user
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # A colleague created it a moment ago.
        return existing.get()
    return report


def save_survey(report: Report, values: dict, confirmed_warnings, user) -> Report:
    """Store the 总表 ``values`` (already validated by ``SurveyForm``) and the warnings the
    user confirmed. A change of any value makes a new ``survey_version`` (附件4 goes stale)."""
    with transaction.atomic():
        fresh = locked_for_change(report)
        changed = fresh.values != values
        if not changed and fresh.confirmed_warnings == list(confirmed_warnings):
            return fresh
        fresh.values = values
        fresh.confirmed_warnings = list(confirmed_warnings)
        if changed:
            fresh.survey_version += 1
            fresh.survey_saved_at = timezone.now()
            fresh.survey_saved_by = user
        fresh._history_user = user
        fresh.save()
    return fresh


def delete_report(report: Report, user) -> Report:
    """删除: only a 未提交 report, inside the window; kept, hidden, restorable by an auditor."""
    with transaction.atomic():
        fresh = locked_report(report)
        if reason := delete_refusal(fresh):
            raise ReportError(reason)
        fresh.deleted_at = timezone.now()
        fresh.deleted_by = user
        _transition(fresh, fresh.status, user, TransitionAction.DELETE)
        fresh._history_user = user
        fresh.save()
        audit.record(None, audit.Action.REPORT_DELETE, obj=fresh, user=user)
    return fresh


def restore_report(report: Report, auditor) -> Report:
    """An auditor brings back a deleted report, unless its year has a report again."""
    with transaction.atomic():
        fresh = locked_report(report)
        if not fresh.is_deleted:
            raise ReportError(_("该报告未被删除。"))
        if fresh.status == ReportStatus.LEGACY:
            # Its legacy record went back to the pool when it was unbound.
            raise ReportError(_("解绑的既往数据不能在此恢复，请由医院在“绑定既往数据”中重新绑定。"))
        taken = Report.objects.of_institution(fresh.institution_id).filter(
            data_year=fresh.data_year
        )
        if taken.exists():
            raise ReportError(
                _("该单位%(year)s年度已有一份报告，不能恢复。") % {"year": fresh.data_year}
            )
        fresh.deleted_at = None
        fresh.deleted_by = None
        _transition(fresh, fresh.status, auditor, TransitionAction.RESTORE)
        fresh._history_user = auditor
        fresh.save()
        audit.record(None, audit.Action.REPORT_RESTORE, obj=fresh, user=auditor)
    return fresh


# 既往数据 (made and deleted by binding.services: 绑定 and 解绑) ----------------------------------


def create_legacy_report(
    *,
    institution,
    data_year: int,
    edition: str,
    values: dict,
    legacy_status: str,
    basic_info: list[list[str]],
    submitted_at,
    user,
) -> Report:
    """绑定: ``institution``'s report of ``data_year`` made from the old platform's data —
    status 既往数据 (read-only, see ``lock_reason``), the 总表 ``values`` of ``edition``, the
    old platform's status and 单位及负责人信息 (``basic_info`` rows, phones masked) — made by
    ``user``, in the caller's transaction. ``ReportError`` when the institution has a
    report of that year already (the caller checked; a colleague made one meanwhile)."""
    report = Report(
        institution=institution,
        data_year=data_year,
        edition=edition,
        values=values,
        status=ReportStatus.LEGACY,
        legacy_status=legacy_status,
        status_changed_at=timezone.now(),
        basic_info_snapshot=basic_info,
        submitted_at=submitted_at,
        created_by=user,
    )
    report._history_user = user
    report._change_reason = _("绑定既往数据")
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ReportError(_("该单位%(year)s年度已有一份报告。") % {"year": data_year}) from None
    return report


def delete_legacy_report(report: Report, user, *, reason: str) -> Report:
    """解绑: a 既往数据 report deleted softly by ``user`` — kept with its cases for the
    auditors, ``reason`` in its status history and 编辑日志; its status and 状态修改时间
    stay. A report deleted already is left as it is. Not restorable (``restore_report``):
    its record goes back to the pool, to be bound again as a new report."""
    with transaction.atomic():
        fresh = locked_report(report)
        if fresh.status != ReportStatus.LEGACY:
            raise ReportError(_("只有绑定的既往数据可以解绑删除。"))
        if fresh.deleted_at is None:
            fresh.deleted_at = timezone.now()
            fresh.deleted_by = user
            _log_transition(fresh, fresh.status, user, TransitionAction.DELETE, reason)
            fresh._history_user = user
            fresh._change_reason = reason
            fresh.save()
    return fresh


# Submission -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitWarning:
    """Something the user must confirm before 提交 (e.g. case counts ≠ 总表 totals)."""

    id: str
    message: str


@dataclass(frozen=True)
class SubmitProblem:
    """Something that stops 提交, and the part of the report where it is fixed."""

    message: str
    part: str  # one of the PART_* names below


PART_REPORT = "report"  # the report itself (state, window): nothing to fix on a page
PART_BASIC_INFO = "basic_info"
PART_SURVEY = "survey"
PART_ATTACHMENT4 = "attachment4"


@dataclass
class SubmissionCheck:
    problems: list[SubmitProblem] = field(default_factory=list)
    warnings: list[SubmitWarning] = field(default_factory=list)

    def add(self, part: str, message: str) -> None:
        self.problems.append(SubmitProblem(message, part))

    @property
    def errors(self) -> list[str]:
        return [problem.message for problem in self.problems]

    @property
    def can_submit(self) -> bool:
        return not self.problems


def _basic_info_problem(institution_id) -> str | None:
    info = BasicInfo.objects.filter(institution_id=institution_id).first()
    if info is None:
        return _("请先在“脑血管病登记”页面填写并保存本单位的基本信息。")
    try:
        info.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError:
        return _("本单位的基本信息不完整或有误，请先修改基本信息。")
    return None


# What other apps' data of a report asks the user to confirm at 提交: sent by
# ``submission_check`` with ``report``, each receiver returns a list of ``SubmitWarning``.
# casesets answers with the 总表 ↔ case checks (§7.3 items 8–12, ``casesets.totals``); a
# signal because casesets imports surveys, never the other way.
submission_warnings = Signal()


def submission_check(report: Report) -> SubmissionCheck:
    """What stops 提交 (errors) and what the user must confirm first (warnings)."""
    check = SubmissionCheck()
    reason = lock_reason(report)
    if reason:
        check.add(PART_REPORT, reason)
        return check
    problem = _basic_info_problem(report.institution_id)
    if problem:
        check.add(PART_BASIC_INFO, problem)
    edition = get_edition(report.edition)
    if not report.values:
        check.add(PART_SURVEY, _("总表尚未填写，请先在线填写调查表并保存。"))
    else:
        result = validate_values(edition, report.values)
        if result.errors:
            count = len(result.errors)
            check.add(
                PART_SURVEY,
                _("总表有%(count)s项未填或有误，请打开总表修改后保存。") % {"count": count},
            )
        unconfirmed = [
            w for w in result.warnings if w.rule_id not in set(report.confirmed_warnings)
        ]
        if unconfirmed:
            check.add(PART_SURVEY, _("总表有需要核对的提示尚未确认，请打开总表逐条核对后保存。"))
    scans = list(report.scans.current())
    if not scans:
        check.add(
            PART_ATTACHMENT4,
            _("请先上传附件4（扫描版）：打印附件4，由主管院领导签字并加盖医院公章后扫描上传。"),
        )
    elif any(scan.survey_version != report.survey_version for scan in scans):
        check.add(
            PART_ATTACHMENT4,
            _("总表在上传附件4之后有修改，附件4已过期：请重新打印附件4，签字盖章后重新上传。"),
        )
    for _receiver, warnings in submission_warnings.send(sender=Report, report=report):
        check.warnings.extend(warnings)
    return check


# Where a report's 单位及负责人信息 comes from (``basic_info_shown``).
INFO_LIVE, INFO_SUBMITTED, INFO_LEGACY = "live", "submitted", "legacy"


def basic_info_shown(report: Report) -> tuple[list[list[str]] | None, str]:
    """单位及负责人信息 of ``report`` as ``[[label, value], ...]`` and where it comes from —
    the one rule the hospital's page and the auditors' admin follow. A bound legacy report
    keeps the old platform's values of its year (``INFO_LEGACY``), a report with the
    auditors the values as submitted (``INFO_SUBMITTED``), any other the live 基本信息
    (``INFO_LIVE``; ``None`` when there is none). Phones are masked; a region kept before
    regions were printed with a 直辖市's middle level (北京市东城区) is shown with it."""
    if report.is_legacy:
        # Kept by the binding, phones already masked (binding.services.basic_info_rows).
        rows, source = report.basic_info_snapshot or [], INFO_LEGACY
    elif report.status in (*IN_REVIEW_STATUSES, ReportStatus.APPROVED) and (
        report.basic_info_snapshot
    ):
        rows, source = _masked(report.basic_info_snapshot), INFO_SUBMITTED
    elif info := BasicInfo.objects.filter(institution_id=report.institution_id).first():
        rows, source = _basic_info_rows(info), INFO_LIVE
    else:
        return None, INFO_LIVE
    region = str(BasicInfo._meta.get_field("region").verbose_name)
    return [[label, printed_name(v) if label == region else v] for label, v in rows], source


def _masked(rows):
    """Mobiles of a kept snapshot masked (snapshots are kept masked; this is a second lock)."""
    mobiles = {
        str(BasicInfo._meta.get_field(name).verbose_name) for name in BasicInfo.MOBILE_FIELDS
    }
    return [[label, mask_mobile(v) if label in mobiles else v] for label, v in rows]


def basic_info_snapshot(institution_id) -> list[list[str]]:
    """基本信息 as shown, ``[[label, value], ...]``, kept with the report at submission.
    Mobiles are kept masked: the snapshot is display text, and the full numbers stay
    encrypted in 基本信息 (security checklist 8.1, 8.2)."""
    return _basic_info_rows(BasicInfo.objects.get(institution_id=institution_id))


def _basic_info_rows(info: BasicInfo) -> list[list[str]]:
    rows = []
    for name in BasicInfo.FORM_FIELDS:
        model_field = BasicInfo._meta.get_field(name)
        if name == "region":
            value = info.printed_region
        elif model_field.choices:
            value = getattr(info, f"get_{name}_display")()
        elif isinstance(getattr(info, name), bool):
            value = _("是") if getattr(info, name) else _("否")
        elif name in BasicInfo.MOBILE_FIELDS:
            value = mask_mobile(getattr(info, name))
        else:
            value = getattr(info, name)
        rows.append([str(model_field.verbose_name), str(value)])
    return rows


def submit(report: Report, user, confirmed_warnings=()) -> Report:
    """提交: every check passes and every warning is confirmed → 已提交."""
    with transaction.atomic():
        fresh = locked_for_change(report)
        check = submission_check(fresh)
        if check.errors:
            raise ReportError(check.errors[0])
        unconfirmed = [w for w in check.warnings if w.id not in set(confirmed_warnings)]
        if unconfirmed:
            raise ReportError(_("请逐条核对提示，确认无误后勾选，再提交。"))
        fresh.basic_info_snapshot = basic_info_snapshot(fresh.institution_id)
        fresh.submitted_at = timezone.now()
        note = ReportTransition.WARNING_SEPARATOR.join(w.message for w in check.warnings)
        _transition(fresh, ReportStatus.SUBMITTED, user, TransitionAction.SUBMIT, note)
        fresh._history_user = user
        fresh.save()
        audit.record(None, audit.Action.REPORT_SUBMIT, obj=fresh, user=user)
    return fresh


# Auditors ---------------------------------------------------------------------------------


DECISION_EVENTS = {
    TransitionAction.RETURN: audit.Action.REPORT_RETURN,
    TransitionAction.APPROVE: audit.Action.REPORT_APPROVE,
    TransitionAction.PROVINCIAL: audit.Action.REPORT_APPROVE,
    TransitionAction.NATIONAL: audit.Action.REPORT_APPROVE,
}


# 分级审核 (issue 22 item 2) ---------------------------------------------------------------


def review_levels(data_year: int) -> int:
    """1 (an auditor's 审核通过 is final) or 2 (a province or city auditor's 省级审核通过,
    then a national auditor's): the year's 填报时间 says; 1 without one."""
    levels = (
        ReportingWindow.objects.filter(data_year=data_year)
        .values_list("review_levels", flat=True)
        .first()
    )
    return levels or 1


@dataclass(frozen=True)
class ReviewStep:
    """What an auditor may decide on a report now: 审核通过 leads to ``approve_to`` by
    ``action`` (``label`` names the button); ``None`` when nothing, ``refusal`` saying why
    (Chinese). 退回 is open exactly when 审核通过 is."""

    approve_to: str | None
    action: str | None = None
    label: str = ""
    refusal: str = ""


def _not_in_review(report):
    return ReviewStep(
        None,
        refusal=_("只能审核“已提交”的报告，该报告当前为“%(status)s”。")
        % {"status": report.get_status_display()},
    )


def review_step(report: Report, auditor, levels: int | None = None) -> ReviewStep:
    """The one rule of who decides what, at which level — the admin's buttons, the services
    and the bulk action all ask it. One level: an auditor whose 审核范围 holds the report
    decides it while 已提交. Two levels: a province or city auditor takes an 已提交 report to
    省级审核通过, then a nationwide auditor to 已审核; each may 退回 at their level."""
    if report.is_deleted or report.status not in IN_REVIEW_STATUSES:
        return _not_in_review(report)
    if not Report.objects.visible_to(auditor).filter(pk=report.pk).exists():
        return ReviewStep(None, refusal=_("该报告不在您的审核范围内。"))
    levels = levels or review_levels(report.data_year)
    nationwide = is_nationwide(auditor)
    if levels == 1 and report.status == ReportStatus.SUBMITTED:
        return ReviewStep(ReportStatus.APPROVED, TransitionAction.APPROVE, _("审核通过"))
    if report.status == ReportStatus.SUBMITTED:
        if nationwide:
            return ReviewStep(
                None, refusal=_("本年度为两级审核：该报告须先由所在省（市）的审核员审核。")
            )
        return ReviewStep(ReportStatus.PROVINCIAL, TransitionAction.PROVINCIAL, _("省级审核通过"))
    # 省级审核通过 (also in a year switched back to one level meanwhile): the nation's turn.
    if not nationwide:
        return ReviewStep(None, refusal=_("该报告已通过省级审核，等待国家级审核员终审。"))
    return ReviewStep(ReportStatus.APPROVED, TransitionAction.NATIONAL, _("国家级审核通过"))


def review_stage(report: Report, levels: int | None = None) -> str:
    """Where the report stands, in plain words for the hospital."""
    if report.status == ReportStatus.SUBMITTED:
        if (levels or review_levels(report.data_year)) == 2:
            return _("已提交，等待所在省（市）的审核员审核，通过后再由国家级审核员终审。")
        return _("已提交，等待审核员审核。")
    if report.status == ReportStatus.PROVINCIAL:
        return _("省级审核已通过，等待国家级审核员终审。")
    if report.status == ReportStatus.APPROVED:
        return _("审核已通过。")
    return ""


def _decide(report: Report, auditor, *, approve: bool, reason: str = "") -> Report:
    with transaction.atomic():
        fresh = locked_report(report)
        step = review_step(fresh, auditor)
        if step.approve_to is None:
            raise ReportError(step.refusal)
        if approve:
            to_status, action = step.approve_to, step.action
        else:
            to_status, action = ReportStatus.RETURNED, TransitionAction.RETURN
        _transition(fresh, to_status, auditor, action, reason)
        if to_status == ReportStatus.RETURNED:
            fresh.return_reason = reason
        fresh._history_user = auditor
        fresh.save()
        audit.record(None, DECISION_EVENTS[action], obj=fresh, user=auditor)
    return fresh


def return_report(report: Report, auditor, reason: str) -> Report:
    """退回 (at the auditor's level): the hospital sees ``reason`` and may edit and submit
    again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("请填写退回原因，医院将看到这段说明。"))
    return _decide(report, auditor, approve=False, reason=reason)


def approve_report(report: Report, auditor) -> Report:
    """审核通过 at the auditor's level (``review_step``): final with one level."""
    return _decide(report, auditor, approve=True)
