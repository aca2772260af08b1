"""What every case rule shares: the kinds of column, the context a rule may read, and the
way 住院号 and times are normalised and shown."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from ..models import ADMISSION_NO_MAX_LENGTH

# Kinds of column (``Column.kind``).
TEXT = "text"
INTEGER = "integer"
DECIMAL = "decimal"
CHOICE = "choice"
MULTI = "multi"
DATETIME = "datetime"
DATE = "date"
BOOLEAN = "boolean"
YEAR = "year"
SEQUENCE = "sequence"

# How a case arrives (Decision 6 treats a duplicate 住院号 differently).
BY_HAND = "by_hand"
IMPORT = "import"

# The length is the column's (one statement of it, on the model).
ADMISSION_NO_PATTERN = re.compile(rf"^[A-Za-z0-9\-_/]{{1,{ADMISSION_NO_MAX_LENGTH}}}$")
# C0 and C1 control characters and DEL (Excel writes them as _x0001_ …), but tab and line
# breaks, which free text may keep.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class CaseContext:
    """What a case rule may know besides the case's own values.

    ``same_attachment``: 住院号 of the report's other live cases in this attachment (the
    case being edited excluded; for an import, also the file's earlier rows).
    ``other_attachment``: 住院号 of the report's live cases in the other attachment.
    """

    labels: Mapping[str, str] = field(default_factory=dict)
    data_year: int | None = None
    attachment_title: str = ""
    other_title: str = ""
    same_attachment: Collection[str] = ()
    other_attachment: Collection[str] = ()
    # The current time zone, looked up once for a whole run of many cases (the importer);
    # ``None``: looked up at each use.
    local_tz: datetime.tzinfo | None = None

    def label(self, name: str) -> str:
        return str(self.labels.get(name, name))

    def localtime(self, value: datetime.datetime) -> datetime.datetime:
        """An aware time in the current time zone, as ``timezone.localtime``."""
        if self.local_tz is None:
            return timezone.localtime(value)
        return value.astimezone(self.local_tz)


_FILLED_TYPES = frozenset({int, bool, float, Decimal, datetime.datetime, datetime.date})


def is_blank(value) -> bool:
    """``None``, ``""``, ``[]`` or ``()``."""
    if value is None:
        return True
    kind = type(value)
    if kind is str or kind is list or kind is tuple:
        return not value
    if kind in _FILLED_TYPES:  # a number or a time is never blank (the common case)
        return False
    return value == "" or value == [] or value == ()


def normalize_admission_no(raw) -> str:
    """住院号 as stored: full-width characters made half-width (NFKC), spaces trimmed; a
    number read from Excel loses its ``.0``."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return unicodedata.normalize("NFKC", str(raw)).strip()


def format_value(value) -> str:
    """A time or date as messages show it (Beijing time, minute precision)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return str(value)
