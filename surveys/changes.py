"""What changed in a report since an auditor returned it (issue 22 item 3): the 退回 it is
compared with, and the 总表 items whose value changed since, read from the report's history
(``simple_history``). The cases' part, and the whole comparison the pages show, are
``casesets.changes``: casesets sits above surveys."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .basic_info import FieldChange
from .editions import get_edition
from .models import Report, ReportStatus, ReportTransition, TransitionAction

# A report in these states was never returned (未提交: never submitted; 既往数据: bound).
NEVER_RETURNED = (ReportStatus.DRAFT, ReportStatus.LEGACY)


def last_return(report: Report) -> ReportTransition | None:
    """The report's latest 退回 (with its auditor), or ``None`` when it was never returned.
    No query for a report that was never submitted."""
    if report.status in NEVER_RETURNED:
        return None
    returns = report.transitions.filter(action=TransitionAction.RETURN).select_related("user")
    return returns.order_by("-at", "-id").first()


def survey_values_at(report: Report, moment) -> dict:
    """The 总表 values ``report`` held at ``moment`` (one query: its history as of then)."""
    values = (
        report.history.filter(history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values_list("values", flat=True)
        .first()
    )
    return values or {}


def shown_value(edition, code: str, value) -> str:
    """A 总表 value as the comparison prints it: with its unit, 未填 when blank."""
    if value is None:
        return _("未填")
    item = edition.item(code)
    text = edition.display(item, value)
    return f"{text} {item.unit}" if item.is_integer else text


def survey_changes(report: Report, moment) -> list[FieldChange]:
    """The 总表 items whose value differs now from ``moment``, in the edition's order, each
    named as messages name it (第一诊断脑梗死 出院总例数) with its value then and now."""
    edition = get_edition(report.edition)
    before = survey_values_at(report, moment)
    after = report.values or {}
    return [
        FieldChange(
            edition.name_of(code),
            shown_value(edition, code, before.get(code)),
            shown_value(edition, code, after.get(code)),
        )
        for code in edition.codes
        if before.get(code) != after.get(code)
    ]
