"""Cells → field values: the one converter of a case row, for the template import
(``parsing``) and the old platform's exports (``binding.importer``).

Real-world cells are read as what they mean (Decision 10, issue 7): surrounding spaces
trimmed, full-width digits, numbers stored as text, Excel date serials and text dates, a
coded value typed as its code, its label or a usual other word for it (``CHOICE_ALIASES``).
A value that still cannot be read is handed on as the text it is, so the validators' message
is the form's own.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import partial

from django.utils import timezone

from casesets import validators as v
from casesets.models import ThrombolyticDrug
from casesets.specs import CaseSpec

from .cells import cell_text as text
from .cells import integer, moment

YES_WORDS = {"是", "y", "yes", "true", "1", "√"}
NO_WORDS = {"否", "n", "no", "false", "0", "×"}
MULTI_SPLIT = re.compile(r"[、,，;；/|\n]+")


def _clean(raw) -> str:
    return unicodedata.normalize("NFKC", text(raw)).strip()


def _header(raw) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw or "")))


def _cell(row: list, index: int):
    return row[index] if index < len(row) else None


# Cells → values, by kind of column -----------------------------------------------------


def _integer(raw):
    value, problem = integer(raw)
    return text(raw) if problem else value


def _decimal(raw):
    if isinstance(raw, bool):
        return text(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return Decimal(repr(raw)).normalize() if raw == raw else text(raw)
    cleaned = _clean(raw).replace(",", "")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return text(raw)
    return number if number.is_finite() else text(raw)


def _moment(raw):
    value, problem = moment(raw)
    return text(raw) if problem else value


def _date(raw):
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    value, problem = moment(raw)
    if problem or value is None:
        return text(raw) if problem else None
    return value.date()


def _boolean(raw, nullable: bool):
    if isinstance(raw, bool):
        return raw
    cleaned = _clean(raw).lower()
    if not cleaned:
        return None if nullable else False
    if cleaned in YES_WORDS:
        return True
    if cleaned in NO_WORDS:
        return False
    return text(raw)


# Words users type for a coded value instead of choosing from the list, the same in every
# workbook (names and abbreviations of the drug). Matched like codes and labels: full-width
# folded, whitespace removed, case ignored. Vocabulary of one source only (the old platform's
# words for 治疗方式) is passed by its caller as ``aliases``.
CHOICE_ALIASES = {
    "thrombolytic_drug": {
        "rt-pa": ThrombolyticDrug.ALTEPLASE,
        "rtpa": ThrombolyticDrug.ALTEPLASE,
        "爱通立": ThrombolyticDrug.ALTEPLASE,
        "uk": ThrombolyticDrug.UROKINASE,
        "tnk": ThrombolyticDrug.TENECTEPLASE,
        "tnk-tpa": ThrombolyticDrug.TENECTEPLASE,
    },
}


def choice_key(word) -> str:
    """How a typed coded value is compared: NFKC, no whitespace, case-folded."""
    return _header(word).casefold()


def choice_codes(column, aliases: dict | None = None) -> dict[str, str]:
    """``choice_key`` of every word that means a code of ``column`` → the code: the aliases
    (``CHOICE_ALIASES`` and the caller's ``aliases``, by column name), the codes and the
    labels (these win over an alias)."""
    codes = {}
    for table in (CHOICE_ALIASES, aliases or {}):
        for word, code in table.get(column.name, {}).items():
            codes[choice_key(word)] = str(code)
    for code, label in column.choices:
        codes[choice_key(code)] = code
        codes[choice_key(label)] = code
    return codes


class CaseConverter:
    """Reads one row of an attachment into ``{field: value}`` for ``validate_case``."""

    def __init__(self, spec: CaseSpec):
        self.spec = spec
        self.columns = [c for c in spec.columns if c.kind != v.SEQUENCE]
        self.indexes = [_index(c.letter) for c in self.columns]
        self.choice_codes = {c.name: choice_codes(c) for c in self.columns if c.choices}
        self.exact_labels = {
            c.name: {str(label): code for code, label in c.choices}
            for c in self.columns
            if c.choices
        }
        self.local = timezone.get_default_timezone()
        self.plan = [
            (c.name, index, self._converter(c))
            for c, index in zip(self.columns, self.indexes, strict=True)
        ]

    def values(self, row: list) -> dict:
        size = len(row)
        return {
            name: convert(row[index] if index < size else None)
            for name, index, convert in self.plan
        }

    def _converter(self, column):
        """``raw → value`` for one column: ``convert`` with the cells a template filled as
        intended (thousands of rows) answered without going through every kind."""
        convert, kind = self.convert, column.kind
        if kind == v.INTEGER:

            def integer_cell(raw):
                if type(raw) is float and raw.is_integer():
                    return int(raw)
                return None if raw is None else convert(column, raw)

            return integer_cell
        if kind == v.DATETIME:
            local = self.local

            def datetime_cell(raw):
                if type(raw) is datetime.datetime and raw.tzinfo is None:
                    return raw.replace(tzinfo=local)
                return None if raw is None else convert(column, raw)

            return datetime_cell
        if kind == v.CHOICE:
            exact = self.exact_labels[column.name]

            def choice_cell(raw):
                if type(raw) is str and raw in exact:
                    return exact[raw]
                return "" if raw is None else convert(column, raw)

            return choice_cell
        if kind == v.DECIMAL:

            def decimal_cell(raw):
                if type(raw) is float:
                    return _decimal(raw)
                return None if raw is None else convert(column, raw)

            return decimal_cell
        if kind == v.DATE:

            def date_cell(raw):
                if type(raw) is datetime.date:
                    return raw
                return None if raw is None else convert(column, raw)

            return date_cell
        if kind == v.BOOLEAN:
            # The words read as they are (already trimmed, lower case, NFKC).
            exact = {w: True for w in YES_WORDS if _clean(w).lower() == w}
            exact.update({w: False for w in NO_WORDS if _clean(w).lower() == w})

            def boolean_cell(raw):
                if type(raw) is str and raw in exact:
                    return exact[raw]
                return convert(column, raw)

            return boolean_cell
        if kind == v.TEXT:

            def text_cell(raw):
                # Printable text has no control character to drop: ``text`` is a trim.
                if type(raw) is str and raw.isprintable():
                    return raw.strip()
                return "" if raw is None else convert(column, raw)

            return text_cell
        return partial(convert, column)

    def convert(self, column, raw):
        kind = column.kind
        if type(raw) is str and not raw.isprintable() and v.CONTROL_CHARACTERS.search(raw):
            return raw  # as it is, for ``check_control_characters`` (trimming could hide them)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if kind == v.MULTI:
                return []
            if kind == v.BOOLEAN:
                return None if column.model_field.null else False
            return None if kind not in (v.TEXT, v.CHOICE, v.YEAR) else ""
        # Fast paths for the cells a template filled as intended (thousands of rows).
        raw_type = type(raw)
        if kind == v.INTEGER and raw_type is float and raw.is_integer():
            return int(raw)
        if kind == v.DATETIME and raw_type is datetime.datetime and raw.tzinfo is None:
            return raw.replace(tzinfo=self.local)
        if kind == v.CHOICE and raw_type is str and raw in self.exact_labels[column.name]:
            return self.exact_labels[column.name][raw]
        if kind == v.INTEGER:
            return _integer(raw)
        if kind == v.DECIMAL:
            return _decimal(raw)
        if kind == v.DATETIME:
            return _moment(raw)
        if kind == v.DATE:
            return _date(raw)
        if kind == v.BOOLEAN:
            return _boolean(raw, column.model_field.null)
        if kind == v.CHOICE:
            cleaned = _clean(raw)
            return self.choice_codes[column.name].get(choice_key(cleaned), cleaned)
        if kind == v.MULTI:
            codes = self.choice_codes[column.name]
            parts = [p.strip() for p in MULTI_SPLIT.split(_clean(raw)) if p.strip()]
            return [codes.get(choice_key(p), p) for p in parts]
        if kind == v.YEAR:
            return _clean(raw)
        return text(raw)


def _index(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + (ord(char) - 64)
    return number - 1
