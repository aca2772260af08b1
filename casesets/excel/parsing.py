"""From the cells of a filled template to the values the validators read, and the verdict
of exactly the validators the online forms use: ``casesets.validators.validate_case`` (with
``entry=IMPORT``, Decision 6) for 附件2/附件3, ``surveys.editions.validation.validate_values``
for 附件1.

Real-world cells are cleaned first (Decision 10, issue 7): blank and whitespace-only rows
skipped wherever they are, surrounding spaces trimmed, full-width digits, numbers stored as
text, Excel date serials and text dates read. A value that still cannot be read is handed
to the validators as the text it is, so the message is the form's own ("请填写整数" …).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from binding.workbooks import cell_text as text
from binding.workbooks import integer, is_blank_row, moment, year_of
from surveys.editions import CURRENT_EDITION
from surveys.editions.base import YES_NO
from surveys.editions.validation import validate_values

from .. import validators as v
from ..specs import IMPORT, CaseSpec
from .layout import (
    CASE_SPECS,
    MAX_CASE_ROWS,
    SURVEY,
    SURVEY_IDENTITY,
    SURVEY_SHEET,
    SURVEY_VALUE_ROW,
    SURVEY_YEAR_COLUMN,
    survey_columns,
)
from .reading import UploadRefused, latest_template_message, sheet_rows

YES_WORDS = {"是", "y", "yes", "true", "1", "√"}
NO_WORDS = {"否", "n", "no", "false", "0", "×"}
MULTI_SPLIT = re.compile(r"[、,，;；/|\n]+")


@dataclass(frozen=True)
class CellError:
    """One refused cell (or row, when ``letter`` is blank), as the preview lists it."""

    sheet: str
    row: int
    letter: str
    header: str
    value: str
    reason: str


@dataclass(frozen=True)
class RowWarning:
    row: int
    header: str
    message: str
    rule_id: str


@dataclass
class Parsed:
    """A whole file judged: the rows that would be stored (``rows``: Excel row → values),
    every error and every warning."""

    attachment: int
    sheet: str
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    survey_values: dict | None = None

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def ok(self) -> bool:
        return not self.errors

    def warning_ids(self) -> dict[int, list[str]]:
        """``{Excel row: [ids of the warnings raised on it]}``."""
        ids: dict[int, list[str]] = {}
        for warning in self.warnings:
            ids.setdefault(warning.row, []).append(warning.rule_id)
        return ids


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


def _choice_codes(column) -> dict[str, str]:
    codes = {}
    for code, label in column.choices:
        codes[_header(code)] = code
        codes[_header(label)] = code
    return codes


class CaseConverter:
    """Reads one row of an attachment into ``{field: value}`` for ``validate_case``."""

    def __init__(self, spec: CaseSpec):
        self.spec = spec
        self.columns = [c for c in spec.columns if c.kind != v.SEQUENCE]
        self.indexes = [_index(c.letter) for c in self.columns]
        self.choice_codes = {c.name: _choice_codes(c) for c in self.columns if c.choices}
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
            return self.choice_codes[column.name].get(_header(cleaned), cleaned)
        if kind == v.MULTI:
            codes = self.choice_codes[column.name]
            parts = [p.strip() for p in MULTI_SPLIT.split(_clean(raw)) if p.strip()]
            return [codes.get(_header(p), p) for p in parts]
        if kind == v.YEAR:
            return _clean(raw)
        return text(raw)


def _index(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + (ord(char) - 64)
    return number - 1


def _shown(raw) -> str:
    """A cell as the error list shows it, an invisible control character as ``\x01``."""
    shown = raw if isinstance(raw, str) else text(raw)
    return v.CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", shown).strip()[:100]


def _check_headers(expected: list[tuple[str, str]], actual_of) -> None:
    for letter, header in expected:
        if _header(actual_of(letter)) != _header(header):
            raise UploadRefused(
                latest_template_message(
                    _(
                        "第%(letter)s列的表头应为“%(header)s”，文件中为“%(found)s”，模板可能被修改过或不是最新版本。"
                    )
                    % {"letter": letter, "header": header, "found": text(actual_of(letter))}
                )
            )


def parse_cases(
    workbook, attachment: int, *, data_year: int, existing=(), other_attachment=()
) -> Parsed:
    """Every non-blank row of an 附件2/附件3 template through ``validate_case`` (entry
    IMPORT): a 住院号 already in the report (``existing``) or earlier in the file is an
    error (Decision 6), one in the other attachment too (§7.3 item 13)."""
    spec = CASE_SPECS[attachment]
    rows = sheet_rows(workbook, spec.sheet_name)
    header = rows[spec.header_row - 1] if len(rows) >= spec.header_row else []
    _check_headers(
        [(c.letter, str(c.excel_header)) for c in spec.columns],
        lambda letter: _cell(header, _index(letter)),
    )
    parsed = Parsed(attachment, spec.sheet_name)
    converter = CaseConverter(spec)
    same = set(existing)
    context = spec.context(
        data_year=data_year, same_attachment=same, other_attachment=set(other_attachment)
    )
    # The labels translated once, not once per rule and row (thousands of rows).
    # The time zone looked up once too (the time rules read it for every row).
    context = dataclasses.replace(
        context,
        labels={k: str(v) for k, v in context.labels.items()},
        local_tz=timezone.get_current_timezone(),
    )
    columns = {c.name: c for c in spec.columns}
    verdicts = {}  # the field rules' verdicts on repeating values, for the whole file
    data = rows[spec.first_data_row - 1 :]
    # A row is blank when every field is: a 序号 or 年度 filled down alone is not a case.
    field_indexes = [_index(c.letter) for c in spec.columns if c.is_model_field]
    # The fields' cells as one slice when they are side by side (a cell past the end of a
    # short row is blank either way).
    first, last = min(field_indexes), max(field_indexes)
    side_by_side = sorted(field_indexes) == list(range(first, last + 1))
    for offset, row in enumerate(data):
        if side_by_side:
            cells = row[first : last + 1]
        else:
            cells = [_cell(row, index) for index in field_indexes]
        if is_blank_row(cells):
            continue
        if len(parsed.rows) + len(parsed.errors) >= MAX_CASE_ROWS:
            raise UploadRefused(
                _("文件超过%(max)s行病例，请分成多个文件导入。") % {"max": MAX_CASE_ROWS}
            )
        excel_row = spec.first_data_row + offset
        values = converter.values(row)
        result = v.validate_case(spec, values, context, entry=IMPORT, verdicts=verdicts)
        number = v.normalize_admission_no(values.get("admission_no"))
        if number:
            same.add(number)
        if result.errors:
            for name, messages in result.errors.items():
                column = columns.get(name) if name else None
                raw = _cell(row, _index(column.letter)) if column else None
                parsed.errors.append(
                    CellError(
                        spec.sheet_name,
                        excel_row,
                        column.letter if column else "",
                        str(column.excel_header) if column else "",
                        _shown(raw) if column else "",
                        "；".join(messages),
                    )
                )
            continue
        values.pop("report_year", None)
        values["admission_no"] = number
        parsed.rows.append((excel_row, values))
        for warning in result.warnings:
            header = str(columns[warning.code].excel_header) if warning.code else ""
            parsed.warnings.append(RowWarning(excel_row, header, warning.message, warning.rule_id))
    if parsed.errors:
        parsed.rows = []
    return parsed


def _check_year(raw, data_year: int) -> None:
    """附件1's 年度 cell, when filled, must be the report's year (a 总表 of another year
    imported into this report would replace its values with another year's)."""
    if raw is None or not text(raw):
        return
    year = year_of(raw)
    if year != data_year:
        raise UploadRefused(
            _("文件中的年度（%(found)s）与当前报告年度（%(year)s年）不一致，请核对后重新上传。")
            % {"found": f"{year}年" if year else text(raw)[:20], "year": data_year}
        )


def parse_survey(workbook, *, data_year: int) -> Parsed:
    """Row 4 of an 附件1 template through ``validate_values`` of the current edition."""
    edition = CURRENT_EDITION
    rows = sheet_rows(workbook, SURVEY_SHEET)
    columns = survey_columns(edition)

    def header_of(letter):
        index = _index(letter)
        lower = _cell(rows[2], index) if len(rows) > 2 else None
        upper = _cell(rows[1], index) if len(rows) > 1 else None
        return lower if not _header(upper) or _header(lower) else upper

    expected = [(letter, str(label)) for letter, label in SURVEY_IDENTITY]
    for column in columns:
        label = str(column.item.label) + ("" if column.item.required else _("（选填）"))
        expected.append((column.letter, label))
    _check_headers(expected, header_of)
    row = rows[SURVEY_VALUE_ROW - 1] if len(rows) >= SURVEY_VALUE_ROW else []
    _check_year(_cell(row, _index(SURVEY_YEAR_COLUMN)), data_year)
    values, raw_of = {}, {}
    for column in columns:
        raw = _cell(row, column.index - 1)
        raw_of[column.item.code] = raw
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[column.item.code] = None
        elif column.item.kind == YES_NO:
            values[column.item.code] = _boolean(raw, True)
        else:
            values[column.item.code] = _integer(raw)
    result = validate_values(edition, values)
    parsed = Parsed(SURVEY, SURVEY_SHEET, survey_values=values)
    by_code = {c.item.code: c for c in columns}
    for code, messages in result.errors.items():
        column = by_code.get(code)
        parsed.errors.append(
            CellError(
                SURVEY_SHEET,
                SURVEY_VALUE_ROW,
                column.letter if column else "",
                edition.name_of(code) if column else "",
                _shown(raw_of.get(code)) if column else "",
                "；".join(messages),
            )
        )
    for warning in result.warnings:
        header = edition.name_of(warning.code) if warning.code else ""
        parsed.warnings.append(
            RowWarning(SURVEY_VALUE_ROW, header, warning.message, warning.rule_id)
        )
    if parsed.ok:
        parsed.rows = [(SURVEY_VALUE_ROW, values)]
    return parsed
