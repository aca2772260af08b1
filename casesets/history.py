"""The change history of a case as the hospital and auditors read it: who, when, what was
done (新增 / 修改 / 删除 / 恢复) and each changed field, old → new."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from surveys.basic_info import FieldChange, Revision

from . import validators as v
from .specs import spec_for

# Besides the input fields: deletion shows as the change of 删除时间.
EXTRA_FIELDS = ("deleted_at",)


@dataclass
class CaseRevision(Revision):
    """One save of a case; ``action`` is 新增, 修改, 删除 or 恢复."""

    action: str = ""


def display(spec, name: str, value) -> str:
    """A stored value as the forms show it: labels of codes, 是/否, Beijing time."""
    if v.is_blank(value):
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.date):
        return v.format_value(value)
    if name in spec.labels:
        choices = dict(spec.column(name).choices)
        if isinstance(value, list):
            return "、".join(str(choices.get(code, code)) for code in value)
        if choices:
            return str(choices.get(value, value))
    return str(value)


def _label(spec, name: str) -> str:
    if name in spec.labels:
        return str(spec.labels[name])
    return str(spec.model._meta.get_field(name).verbose_name)


def _action(record, older) -> str:
    if older is None or record.history_type == "+":
        return _("新增")
    if older.deleted_at is None and record.deleted_at is not None:
        return _("删除")
    if older.deleted_at is not None and record.deleted_at is None:
        return _("恢复")
    return _("修改")


def case_history(case) -> list[CaseRevision]:
    """Every save of ``case``, newest first, field by field (simple-history's
    ``diff_against``; two queries whatever the number of saves)."""
    spec = spec_for(case)
    names = [*spec.input_names, *EXTRA_FIELDS]
    records = list(
        case.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
    entries = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        action = _action(record, older)
        if older is None:
            changes = [
                FieldChange(_label(spec, n), "", display(spec, n, getattr(record, n)))
                for n in spec.input_names
                if not v.is_blank(getattr(record, n))
            ]
        else:
            changed = {c.field for c in record.diff_against(older, included_fields=names).changes}
            changes = [
                FieldChange(
                    _label(spec, n),
                    display(spec, n, getattr(older, n)),
                    display(spec, n, getattr(record, n)),
                )
                for n in names
                if n in changed
            ]
            if not changes:
                continue
        user = record.history_user
        entries.append(
            CaseRevision(
                when=record.history_date,
                who=str(user) if user is not None else _("系统"),
                created=older is None,
                changes=changes,
                action=action,
            )
        )
    return entries
