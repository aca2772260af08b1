"""§7.2 field rules: ``(column, value) -> message | None``, one function per rule.

``column`` is a ``casesets.specs.Column`` (label, kind, required flag, value list, range);
``value`` is already parsed (``int``, ``Decimal``, ``str`` code, aware ``datetime`` …).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from .base import (
    ADMISSION_NO_MAX_LENGTH,
    ADMISSION_NO_PATTERN,
    BOOLEAN,
    CHOICE,
    CONTROL_CHARACTERS,
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    MULTI,
    TEXT,
    YEAR,
    is_blank,
    normalize_admission_no,
)


def check_control_characters(column, value) -> str | None:
    """Issue 17: a value holding invisible control characters (``CONTROL_CHARACTERS``) is
    refused, never silently cleaned — dropping them from a 住院号 could merge two
    patients. In the forms and the import alike."""
    if type(value) is str:
        if value.isprintable() or not CONTROL_CHARACTERS.search(value):
            return None
    elif not (
        isinstance(value, list | tuple)
        and any(isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in value)
    ):
        return None
    return _("%(label)s含有不可见的控制字符，请删除后重新填写。") % {"label": column.label}


def check_required(column, value) -> str | None:
    """§7.2: a required field may not be blank."""
    if not column.required or not is_blank(value):
        return None
    if column.kind in (CHOICE, YEAR):
        return _("请选择%(label)s。") % {"label": column.label}
    return _("请填写%(label)s。") % {"label": column.label}


def check_type(column, value) -> str | None:
    """§7.2: scores are whole numbers, times are date-times, and so on."""
    if is_blank(value):
        return None
    kind = column.kind
    if type(value) in _RIGHT_TYPES.get(kind, ()):
        return None  # the common case, answered at once
    if kind == INTEGER and (isinstance(value, bool) or not isinstance(value, int)):
        return _("%(label)s：请填写整数（不能有小数或文字）。") % {"label": column.label}
    if kind == DECIMAL and (isinstance(value, bool) or not isinstance(value, int | Decimal)):
        return _("%(label)s：请填写数字。") % {"label": column.label}
    if kind == DATETIME and not isinstance(value, datetime.datetime):
        return _("%(label)s：请按“年-月-日 时:分”填写，例如 2025-03-01 08:30。") % {
            "label": column.label
        }
    if kind == DATE and (
        isinstance(value, datetime.datetime) or not isinstance(value, datetime.date)
    ):
        return _("%(label)s：请按“年-月-日”填写，例如 2025-03-08。") % {"label": column.label}
    if kind == BOOLEAN and not isinstance(value, bool):
        return _("%(label)s：请选择“是”或“否”。") % {"label": column.label}
    if kind in (TEXT, CHOICE) and not isinstance(value, str):
        return _("%(label)s：请填写文字。") % {"label": column.label}
    if kind == MULTI and not (
        isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    ):
        return _("%(label)s：请在选项中选择。") % {"label": column.label}
    return None


# Exact types that pass ``check_type`` for a kind (a subclass goes the long way).
_RIGHT_TYPES = {
    INTEGER: (int,),
    DECIMAL: (int, Decimal),
    DATETIME: (datetime.datetime,),
    DATE: (datetime.date,),
    BOOLEAN: (bool,),
    TEXT: (str,),
    CHOICE: (str,),
}


def check_choice(column, value) -> str | None:
    """§7.2: 溶栓药, 治疗方式 and the other coded fields come from their lists (the 2018
    drop-down message)."""
    if is_blank(value) or column.kind not in (CHOICE, MULTI):
        return None
    allowed = column.choice_codes
    chosen = value if column.kind == MULTI else [value]
    if all(v in allowed for v in chosen):
        return None
    return _("%(label)s：请在下拉选项中选择，不要手动输入！") % {"label": column.label}


def check_range(column, value) -> str | None:
    """§7.2: NIHSS 0–42, mRS 0–6 (the 2018 messages), and the ranges of the optional
    numbers (体重 20–250 kg …)."""
    if is_blank(value) or isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    low, high = column.minimum, column.maximum
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if column.kind == INTEGER:
        return _("%(label)s：请输入%(min)s-%(max)s范围内的整数！") % {
            "label": column.label,
            "min": low,
            "max": high,
        }
    return _("%(label)s：请填写%(min)s–%(max)s之间的数值%(unit)s。") % {
        "label": column.label,
        "min": low,
        "max": high,
        "unit": column.unit,
    }


def check_length(column, value) -> str | None:
    """Text no longer than its column (e.g. 其他溶栓药 ≤ 50 字)."""
    if column.kind != TEXT or not isinstance(value, str) or column.max_length is None:
        return None
    if len(value) <= column.max_length:
        return None
    return _("%(label)s最多%(max)s个字，请缩短。") % {
        "label": column.label,
        "max": column.max_length,
    }


def check_admission_no(column, value) -> str | None:
    """§7.2: 住院号 is letters, digits and - _ / only, at most 32 characters (trimmed and
    full-width made half-width first, see ``normalize_admission_no``)."""
    if column.name != "admission_no" or not isinstance(value, str) or not value:
        return None
    if ADMISSION_NO_PATTERN.match(normalize_admission_no(value)):
        return None
    return _(
        "%(label)s只能由字母、数字和 - _ / 组成，最多%(max)s位（不能有空格或汉字），请核对。"
    ) % {"label": column.label, "max": ADMISSION_NO_MAX_LENGTH}


FIELD_CHECKS = (
    check_control_characters, check_required, check_type, check_choice, check_range,
    check_length,
)  # fmt: skip
COLUMN_CHECKS = (check_admission_no,)

# For each check, the columns it can refuse a value of at all (it returns ``None`` for
# every value of any other column), so ``validate_case`` asks each column only the checks
# that apply to it (worked out once per spec: ``CaseSpec.field_checks``).
APPLIES = {
    check_required: lambda column: column.required,
    check_type: lambda column: column.kind in (
        INTEGER, DECIMAL, DATETIME, DATE, BOOLEAN, TEXT, CHOICE, MULTI
    ),
    check_choice: lambda column: column.kind in (CHOICE, MULTI),
    check_range: lambda column: column.minimum is not None or column.maximum is not None,
    check_length: lambda column: column.kind == TEXT and column.max_length is not None,
    check_admission_no: lambda column: column.name == "admission_no",
}  # fmt: skip


def checks_for(column, checks) -> tuple:
    """``checks`` in their order, without those that never refuse a value of ``column``
    (a check without an ``APPLIES`` entry is always kept)."""
    return tuple(c for c in checks if APPLIES.get(c, _always)(column))


def _always(column) -> bool:
    return True
