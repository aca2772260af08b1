"""Cells → values: one reading of a messy cell for every workbook the platform imports (the
template import, ``parsing``, and the legacy import, ``binding.importer``).

python-calamine returns every number as a float and date cells as ``datetime.date``/
``datetime``; nothing in a file is ever evaluated (formulas are read as their cached values).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal

from django.utils import timezone


def cell(row: list, index: int):
    return row[index] if index < len(row) else ""


def is_blank_row(row: list) -> bool:
    """Decision 10: a row of empty or whitespace-only cells."""
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in row)


# Cells → values ---------------------------------------------------------------------------


def text(value) -> str:
    """A cell as text (``cell_text``) with control characters dropped: what the legacy
    import stores (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("", cell_text(value)).strip()


def cell_text(value) -> str:
    """A cell as text: a number stored where text is expected loses its ``.0``
    (13800000000.0 → "13800000000"), surrounding spaces (also full-width) go. Control
    characters stay: the template import refuses them (``casesets.validators``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_INTEGER = re.compile(r"^[+-]?\d+(\.0+)?$")


def integer(value):
    """``(int | None, problem)``: a whole number from a number cell or from text such as
    " 12 ", "１２", "1,234" or "12.0"; blank is ``None`` (not 0); anything else is a
    problem and ``None``."""
    if value is None or isinstance(value, bool):
        return None, ("“是/否”不是数字" if isinstance(value, bool) else None)
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        if value.is_integer():
            return int(value), None
        return None, f"“{text(value)}”不是整数"
    if isinstance(value, datetime.date):
        return None, f"“{text(value)}”是日期，不是数字"
    raw = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    if not raw:
        return None, None
    if _INTEGER.match(raw):
        return int(raw.split(".")[0]), None
    return None, f"“{str(value).strip()}”不是整数"


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
# Excel's day 0 (serial dates count from here, with the 1900 leap-year bug included).
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def moment(value):
    """``(aware datetime | None, problem)``: 录入时间 from a date or date-time cell, an
    Excel serial number or text in the usual Chinese formats; Beijing time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    found = None
    if isinstance(value, datetime.datetime):
        found = value
    elif isinstance(value, datetime.date):
        found = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # 1954 … 2119
            found = EXCEL_EPOCH + datetime.timedelta(days=float(value))
            found = found.replace(microsecond=0)
    else:
        raw = unicodedata.normalize("NFKC", str(value)).strip()
        raw = re.sub(r"\s+", " ", raw)
        for pattern in _DATETIME_FORMATS:
            try:
                found = datetime.datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
    if found is None:
        return None, f"“{text(value)}”不是可识别的时间"
    if found.tzinfo is None:
        found = timezone.make_aware(found, timezone.get_default_timezone())
    return found, None


def year_of(value) -> int | None:
    """年度 from "2018年", 2018, 2018.0 or " 2018 "."""
    raw = unicodedata.normalize("NFKC", text(value)).strip().removesuffix("年").strip()
    return int(raw) if re.fullmatch(r"\d{4}", raw) else None


def digits_code(value) -> str:
    """A 6-digit 行政区划 code found in a cell (110101, "110101", "110101 东城区"), or ""."""
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", text(value))
    return found.group(1) if found else ""
