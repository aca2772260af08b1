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
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from casesets import validators as v
from casesets.specs import IMPORT
from surveys.editions import CURRENT_EDITION
from surveys.editions.base import YES_NO
from surveys.editions.validation import validate_values

from .cells import cell_text as text
from .cells import is_blank_row, year_of
from .converter import CaseConverter, _boolean, _cell, _header, _index, _integer
from .layout import (
    CASE_SPECS,
    MAX_CASE_ROWS,
    SURVEY,
    SURVEY_IDENTITY,
    SURVEY_SHEET,
    SURVEY_VALUE_ROW,
    SURVEY_YEAR_COLUMN,
    survey_columns,
    too_many_cases,
)
from .reading import UploadRefused, latest_template_message, sheet_rows


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
    cases = 0
    for offset, row in enumerate(data):
        if side_by_side:
            cells = row[first : last + 1]
        else:
            cells = [_cell(row, index) for index in field_indexes]
        if is_blank_row(cells):
            continue
        cases += 1  # a row with several errors is still one case
        if cases > MAX_CASE_ROWS:
            raise UploadRefused(too_many_cases())
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
