"""Adding, editing, deleting and restoring cases; the counts the report list shows; filling
the 总表 from the cases.

Every change locks the report row first (``surveys.reports.locked_for_change``, or
``locked_report`` for an auditor's 恢复), so the changes of one report happen one at a
time, and then re-runs the attachment's rules with what the database holds now: two
requests cannot both add the same 住院号 to 附件2 and 附件3 (§7.3 item 13). The change is
kept in the case's history with the acting user.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.editions import get_edition
from surveys.editions.validation import validate_values
from surveys.models import Report, ReportStatus
from surveys.reports import ReportError, locked_for_change, locked_report, save_survey

from . import validators as v
from .models import InterventionCase, ThrombolysisCase
from .specs import BY_HAND, SPECS, CaseSpec, spec_for
from .totals import survey_values_from_cases


def case_context(spec: CaseSpec, report, *, admission_no=None, exclude_pk=None):
    """The rules' context for one case of ``report``: its data year and the live cases of
    the report that share ``admission_no`` (at most two small queries)."""
    number = v.normalize_admission_no(admission_no)
    same = other = ()
    if number:
        same = set(
            spec.model.objects.alive()
            .filter(report_id=report.pk, admission_no=number)
            .exclude(pk=exclude_pk)
            .values_list("admission_no", flat=True)
        )
        other = set(
            spec.other.model.objects.alive()
            .filter(report_id=report.pk, admission_no=number)
            .values_list("admission_no", flat=True)
        )
    return spec.context(data_year=report.data_year, same_attachment=same, other_attachment=other)


def case_of(report, kind: str, public_id):
    """The live case ``public_id`` of ``report`` in attachment ``kind``; 404 for any other.
    Get ``report`` from ``surveys.reports.report_of(user, …)`` (``Report.visible_to``)."""
    return get_object_or_404(SPECS[kind].model.objects.of_report(report), public_id=public_id)


def _check(case, report) -> None:
    """Run the attachment's rules on ``case`` with what the database holds now; keep the
    confirmations of the warnings still raised. ReportError on an error or on a warning
    the user has not confirmed (e.g. a colleague just entered the same 住院号)."""
    spec = spec_for(case)
    case.admission_no = v.normalize_admission_no(case.admission_no)
    context = case_context(spec, report, admission_no=case.admission_no, exclude_pk=case.pk)
    result = v.validate_case(spec, spec.values_of(case), context, entry=BY_HAND)
    for messages in result.errors.values():
        raise ReportError(messages[0])
    confirmed = set(case.confirmed_warnings or ())
    for warning in result.warnings:
        if warning.rule_id not in confirmed:
            raise ReportError(
                _("%(message)s（请核对后勾选“已核对，数据无误”，再保存。）")
                % {"message": warning.message}
            )
    case.confirmed_warnings = [w.rule_id for w in result.warnings]


def _save(case, user, reason: str) -> None:
    case._history_user = user
    case._change_reason = reason
    case.save()


def add_case(*, report, case, user):
    """增加病例: ``case`` (unsaved, e.g. from the form's ``save()``) joins ``report``."""
    with transaction.atomic():
        locked = locked_for_change(report)
        case.report = locked
        _check(case, locked)
        case.created_by = case.updated_by = user
        _save(case, user, _("新增"))
    return case


def update_case(*, case, user):
    """修改: store the edited ``case`` (a live case of an editable report)."""
    with transaction.atomic():
        locked = locked_for_change(case.report)
        stored = type(case).objects.filter(pk=case.pk, report_id=locked.pk).first()
        if stored is None or stored.is_deleted:
            raise ReportError(_("该病例已删除，不能修改。"))
        _check(case, locked)
        case.updated_by = user
        _save(case, user, _("修改"))
    return case


def delete_case(*, case, user):
    """删除: hidden from the lists and counts, kept, restorable by an auditor."""
    with transaction.atomic():
        locked = locked_for_change(case.report)
        fresh = type(case).objects.select_for_update().get(pk=case.pk, report_id=locked.pk)
        if fresh.is_deleted:
            raise ReportError(_("该病例已删除。"))
        fresh.deleted_at = timezone.now()
        fresh.deleted_by = user
        fresh.updated_by = user
        _save(fresh, user, _("删除"))
    return fresh


def restore_case(*, case, auditor):
    """恢复 (auditors): bring back a deleted case — at any time, unless its report is
    deleted or already 已审核, or its 住院号 is now in the other attachment (§7.3 item 13).
    A 住院号 entered again in the same attachment meanwhile is allowed (Decision 6); the
    restore is the auditor's confirmation."""
    with transaction.atomic():
        report = locked_report(case.report)
        if report.is_deleted:
            raise ReportError(_("该病例所属的报告已删除，请先恢复报告。"))
        if report.status == ReportStatus.APPROVED:
            raise ReportError(_("该病例所属的报告已审核通过，不能再修改。"))
        fresh = type(case).objects.select_for_update().get(pk=case.pk)
        if not fresh.is_deleted:
            raise ReportError(_("该病例未被删除。"))
        spec = spec_for(fresh)
        context = case_context(spec, report, admission_no=fresh.admission_no, exclude_pk=fresh.pk)
        message = v.admission_no_not_in_other_attachment(spec.values_of(fresh), context)
        if message:
            raise ReportError(message)
        fresh.deleted_at = None
        fresh.deleted_by = None
        fresh.updated_by = auditor
        _save(fresh, auditor, _("恢复"))
    return fresh


# The report list ---------------------------------------------------------------------------


def case_counts(report_ids) -> dict[int, tuple[int, int]]:
    """``{report_id: (thrombolysis_count, intervention_count)}`` of live cases, counted in
    the database: one query per attachment, whatever the number of reports or cases.
    ``report_ids`` is a list of ids (each gets an entry, ``(0, 0)`` without cases) or a
    queryset of ids (only reports with cases get one)."""
    counts = {}
    if isinstance(report_ids, list | tuple | set | frozenset):
        counts = {report_id: [0, 0] for report_id in report_ids}
    for position, model in enumerate((ThrombolysisCase, InterventionCase)):
        rows = (
            model.objects.alive()
            .filter(report_id__in=report_ids)
            .order_by()
            .values_list("report_id")
            .annotate(n=Count("id"))
        )
        for report_id, n in rows:
            counts.setdefault(report_id, [0, 0])[position] = n
    return {report_id: (pair[0], pair[1]) for report_id, pair in counts.items()}


# 用个案汇总填充 ------------------------------------------------------------------------------


def fill_survey_from_cases(report, user) -> Report:
    """用个案汇总填充: the derivable 总表 items take the counts of the cases (counted under
    the report lock, so no case slips in between); the other items keep their values.
    Saved through ``save_survey`` (a new 总表 version: 附件4 is then stale); confirmations
    of the 总表 warnings still raised are kept."""
    with transaction.atomic():
        locked = locked_for_change(report)
        edition = get_edition(locked.edition)
        values = {code: (locked.values or {}).get(code) for code in edition.codes}
        values.update(survey_values_from_cases(locked))
        raised = {w.rule_id for w in validate_values(edition, values).warnings}
        confirmed = [rule_id for rule_id in locked.confirmed_warnings or () if rule_id in raised]
        return save_survey(locked, values, confirmed, user)
