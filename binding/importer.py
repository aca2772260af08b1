"""``import_legacy``: load an export of the old platform into the pool of legacy records.

The export's layout is Decision 9 (``binding.legacy_format``). For every data year the
附件1 workbook gives one record per hospital (row 4 on); its 附件2/附件3 workbooks are
matched to it by the trimmed 医院全称 in C2. Case rows go through the same rules as any
Excel import of cases (``casesets.validators.validate_case``, import mode).

What is refused, and why, is reported per file; the rest loads:

- a file that cannot be read is reported; when it is a hospital's 附件2/附件3 (found by
  its file name), the hospital's record still loads with its 总表 and its other, readable
  attachment, and the refused file is kept on the record with its reason
  (``LegacyRecord.refused_files``). An import in which that file is readable adds exactly
  its cases and removes the refusal; nothing else of the record changes. An attachment with
  two files for one hospital is refused the same way (which one holds the cases?);
- a case file whose hospital has no 附件1 row is refused;
- a case row that breaks a rule is refused, the others of the file load;
- messy cells are read as what they mean (a phone stored as a number, 录入时间 as text or
  as a date cell, "１２" or "1,234" for a count); a count that cannot be read is kept blank
  (blank is not 0) and said so.

Importing is idempotent: a record is identified by (data year, 医院全称); the same content
again is skipped ("已导入过"), different content for a record already in the pool is refused
and never overwrites it. The content fingerprint counts a refused attachment as "not
read" (``None``), so a file that is still broken, or broken only this time, compares equal
to what is stored. Each record is written in one statement inside a transaction (new ones
in one batch per year, a completed one under a row lock): a crash never leaves half a file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.db import transaction
from django.utils import timezone

import audit
from accounts import crypto
from casesets import validators as case_rules
from casesets.models import TreatmentMode
from casesets.specs import IMPORT
from excel_templates.cells import cell, integer, is_blank_row, moment, text, year_of
from excel_templates.converter import choice_codes, choice_key
from excel_templates.reading import WorkbookError, read_sheets

from . import legacy_format as fmt
from .models import LegacyImport, LegacyRecord, LegacySubmitStatus
from .regions import RegionIndex
from .search import index_record
from .sources import Source, SourceError, sha256_of

BATCH_SIZE = 500
FIRST_YEAR = 2000  # the first 年度 a folder of an export may name
ATTACHMENTS = ("附件2", "附件3")
CASE_FIELDS = {"附件2": "intervention_cases", "附件3": "thrombolysis_cases"}  # on LegacyRecord
OTHER = {"附件2": "附件3", "附件3": "附件2"}

# The old platform's words for 治疗方式 (its users typed them instead of choosing from the list);
# the words for a drug are ``excel_templates.converter.CHOICE_ALIASES``, shared with the
# template import.
LEGACY_ALIASES = {
    "evt_mode": {
        "取栓": TreatmentMode.DIRECT,
        "直接取栓": TreatmentMode.DIRECT,
        "单纯动脉取栓": TreatmentMode.DIRECT,
        "桥接治疗": TreatmentMode.BRIDGING,
        "溶栓桥接取栓": TreatmentMode.BRIDGING,
    },
}


# The report ---------------------------------------------------------------------------------


@dataclass
class FileReport:
    """What one file gave: a summary line and the refusals and notes under it."""

    path: str
    summary: str = ""
    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # records loaded without a case file
    notes: list[str] = field(default_factory=list)
    unreadable: bool = False

    def lines(self, brief: bool = False) -> list[str]:
        if brief and not (self.refused or self.missing or self.unreadable):
            return []
        out = [f"{self.path}：{self.summary}"]
        out += [f"  拒绝 {line}" for line in self.refused]
        out += [f"  缺少 {line}" for line in self.missing]
        if not brief:
            out += [f"  提示 {line}" for line in self.notes]
        return out


@dataclass
class ImportResult:
    source: str
    files: list[FileReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # "医院 年度 缺少附件3：文件（原因）" for every record of the export still missing a file.
    missing: list[str] = field(default_factory=list)
    # "医院 年度 附件3 N例" for every record whose missing cases this run added.
    completions: list[str] = field(default_factory=list)
    created: int = 0
    completed: int = 0
    unchanged: int = 0
    refused: int = 0
    unreadable_files: int = 0
    refused_files: int = 0
    created_thrombolysis: int = 0
    created_intervention: int = 0
    import_run: LegacyImport | None = None

    @property
    def totals(self) -> str:
        return (
            f"合计：新导入{self.created}条既往数据，补全{self.completed}条，"
            f"新增溶栓个案{self.created_thrombolysis}例、介入个案{self.created_intervention}例；"
            f"已导入过（未改动）{self.unchanged}条，拒绝{self.refused}条；"
            f"缺少个案文件的既往数据{len(self.missing)}条，"
            f"无法读取的文件{self.unreadable_files}个，拒绝的文件{self.refused_files}个。"
        )

    def text(self, brief: bool = False) -> str:
        lines = [f"导入：{self.source}"]
        lines += [f"  {problem}" for problem in self.problems]
        for report in self.files:
            lines += report.lines(brief)
        if self.completions:
            lines.append(f"补全个案的既往数据{len(self.completions)}条：")
            lines += [f"  {line}" for line in self.completions]
        if self.missing:
            lines.append(
                f"缺少个案文件的既往数据{len(self.missing)}条（总表和其余个案已导入；"
                "修复这些文件后重新导入即可补全，已导入的内容不会重复）："
            )
            lines += [f"  {line}" for line in self.missing]
        lines.append(self.totals)
        return "\n".join(lines)


# Parsed content -----------------------------------------------------------------------------


@dataclass
class Hospital:
    """A hospital row of 附件1, becoming a record once its cases are read."""

    row: int
    name: str
    key: str
    fields: dict
    values: dict
    notes: list[str]
    # "附件2"/"附件3" → list of case dicts; None for an attachment refused this time.
    cases: dict = field(default_factory=dict)
    refusals: dict = field(default_factory=dict)  # "附件2"/"附件3" → Refusal
    present: set = field(default_factory=set)  # the attachments read from a file
    held: str = ""  # why it is held back (not imported this time)


@dataclass
class Refusal:
    """A hospital's 附件2/附件3 that is not loaded this time, and why (Chinese)."""

    attachment: str
    files: list[str]
    reason: str

    def entry(self, run: LegacyImport) -> dict:
        """As kept in ``LegacyRecord.refused_files``."""
        return {
            "attachment": self.attachment,
            "file": "、".join(self.files),
            "reason": self.reason,
            "import_id": run.pk,
        }


@dataclass
class Stored:
    """The hospital's record already in the pool, as this run compares against it."""

    pk: int
    fingerprint: str
    refused_files: list
    bound: bool
    _cases: dict | None = None

    @property
    def refused(self) -> set[str]:
        return {entry["attachment"] for entry in self.refused_files}

    def cases(self) -> dict:
        """The stored cases by attachment, None for a refused one (read when first asked)."""
        if self._cases is None:
            row = LegacyRecord.objects.values(*CASE_FIELDS.values()).get(pk=self.pk)
            self._cases = {
                attachment: None if attachment in self.refused else row[name]
                for attachment, name in CASE_FIELDS.items()
            }
        return self._cases


@dataclass
class CaseFile:
    report: FileReport
    attachment: str  # "附件2" / "附件3"
    name: str  # 医院全称 in C2 ("" when unreadable)
    key: str  # its name_key
    hint: str  # name_key from the file name (for an unreadable file)
    rows: list = field(default_factory=list)  # (row number, raw row)
    problem: str = ""  # why it cannot be read (an unreadable file)


def _label(hospital: Hospital) -> str:
    return f"第{hospital.row}行 {hospital.name}"


def _missing_line(name: str, year: int, entry: dict) -> str:
    return f"{name} {year}年度 缺少{entry['attachment']}：{entry['file']}（{entry['reason']}）"


# Classifying the files ----------------------------------------------------------------------

_YEAR = re.compile(r"^\d{4}$")


def _classify(entries, result: ImportResult):
    """``{year: {"附件1": [entry], "附件2": [...], "附件3": [...]}}``; other files reported."""
    years = defaultdict(lambda: defaultdict(list))
    for entry in sorted(entries, key=lambda e: e.path):
        parts = PurePosixPath(entry.path).parts
        start = next((i for i, part in enumerate(parts) if _YEAR.match(part)), None)
        suffix = PurePosixPath(entry.path).suffix.lower()
        kind = None
        if start is not None and suffix in fmt.EXTENSIONS:
            rest = parts[start + 1 :]
            if len(rest) == 1 and rest[0].startswith(fmt.ATTACHMENT1_PREFIX):
                kind = "附件1"
            elif len(rest) == 2 and rest[0] in fmt.CASE_DIRS:
                kind = rest[0]
        if kind is None:
            report = FileReport(entry.path, "不是导出格式中的文件（应为 年度/附件1_….xlsx、"
                                "年度/附件2/….xlsx 或 年度/附件3/….xlsx），已忽略。")  # fmt: skip
            report.refused.append("未识别的文件")
            result.files.append(report)
            result.refused_files += 1
            continue
        year = int(parts[start])
        if not FIRST_YEAR <= year <= timezone.localdate().year:
            report = FileReport(entry.path, f"年度文件夹“{year}”不是有效的数据年度，已忽略。")
            report.refused.append("年度无效")
            result.files.append(report)
            result.refused_files += 1
            continue
        years[year][kind].append(entry)
    return years


# 附件1 ----------------------------------------------------------------------------------------


def _find_sheet(sheets, header_row: int, column: int, label: str):
    for _name, rows in sheets:
        if len(rows) >= header_row and text(cell(rows[header_row - 1], column)) == label:
            return rows
    return None


def _parse_status(raw, notes, where):
    value = re.sub(r"\s+", "", text(raw))
    if "已提交" in value:
        return LegacySubmitStatus.SUBMITTED
    if "未提交" in value:
        return LegacySubmitStatus.DRAFT
    if value:
        notes.append(f"{where}：提交状态“{value}”无法识别，按未提交保存")
    else:
        notes.append(f"{where}：提交状态为空，按未提交保存")
    return LegacySubmitStatus.DRAFT


def _parse_attachment1(data: bytes, year: int, report: FileReport, regions):
    """The hospitals of a 附件1 workbook (refused rows reported in ``report``)."""
    sheets = read_sheets(data)
    name_index = fmt.column_index("D")
    rows = _find_sheet(sheets, fmt.NAME_HEADER_ROW, name_index, "医院全称")
    if rows is None:
        raise WorkbookError("不是2018版附件1的格式（第2行D列应为“医院全称”），未读取。")
    header = [text(value) for value in rows[fmt.NAME_HEADER_ROW - 1]]
    status_index = _header_index(header, fmt.STATUS_COLUMN)
    entered_index = _header_index(header, fmt.ENTERED_COLUMN)
    columns = {key: fmt.column_index(letter) for letter, key, _label in fmt.IDENTITY_COLUMNS}
    survey = fmt.survey_columns()

    hospitals, seen = [], defaultdict(list)
    for number, row in enumerate(rows[fmt.HEADER_ROWS :], start=fmt.HEADER_ROWS + 1):
        if is_blank_row(row):
            continue
        name = re.sub(r"\s+", " ", text(cell(row, columns["hospital_name"])))
        if not name:
            report.refused.append(f"第{number}行：医院全称为空")
            continue
        where = f"第{number}行 {name}"
        row_year = year_of(cell(row, columns["year"]))
        if text(cell(row, columns["year"])) and row_year != year:
            report.refused.append(
                f"{where}：年度为“{text(cell(row, columns['year']))}”，与所在文件夹的年度{year}不符"
            )
            continue
        notes = []
        values = {}
        for index, item in survey:
            value, problem = integer(cell(row, index))
            if problem is None and value is not None and value < 0:
                problem = f"“{value}”是负数"
                value = None
            if problem:
                notes.append(
                    f"{where}：{item.excel_column}列 {fmt.EDITION.name_of(item.code)} {problem}，"
                    "按未填保存"
                )
            values[item.code] = value
        found = regions.resolve(
            cell(row, columns["province"]), cell(row, columns["city"]), cell(row, columns["county"])
        )
        if found.note:
            notes.append(f"{where}：{found.note}")
        entered, problem = moment(cell(row, entered_index))
        if problem:
            notes.append(f"{where}：录入时间{problem}，按未填保存")
        fields = {
            "hospital_name": name,
            "province_name": text(cell(row, columns["province"])),
            "city_name": text(cell(row, columns["city"])),
            "county_name": text(cell(row, columns["county"])),
            "region_text": found.text,
            "region_code": found.code,
            "region_id": found.region_id,
            "grade": text(cell(row, columns["grade"])),
            "category": text(cell(row, columns["category"])),
            "director_name": text(cell(row, columns["director_name"])),
            "director_phone": _phone(cell(row, columns["director_phone"])),
            "director_email": text(cell(row, columns["director_email"])),
            "submit_status": _parse_status(cell(row, status_index), notes, where),
            "entered_at": entered,
        }
        too_long = _too_long(fields)
        if too_long:
            report.refused.append(f"{where}：{too_long}")
            continue
        hospital = Hospital(number, name, fmt.name_key(name), fields, values, notes)
        seen[hospital.key].append(hospital)
        hospitals.append(hospital)
    for same in seen.values():
        if len(same) > 1:
            rows_named = "、".join(str(h.row) for h in same)
            for hospital in same:
                hospital.held = (
                    f"医院全称在附件1中出现了多次（第{rows_named}行），"
                    "无法确定附件2/附件3属于哪一行"
                )
    return hospitals


def _too_long(fields: dict) -> str:
    """Why a text field of the row does not fit its column ("" when all fit)."""
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        model_field = LegacyRecord._meta.get_field(name)
        if model_field.max_length and len(value) > model_field.max_length:
            return f"{model_field.verbose_name}超过{model_field.max_length}个字，无法保存"
    return ""


def _header_index(header: list[str], column) -> int:
    letter, label = column
    for index, value in enumerate(header):
        if value == label:
            return index
    return fmt.column_index(letter)


def _phone(value) -> str:
    return re.sub(r"\s+", "", text(value))


# 附件2 / 附件3 --------------------------------------------------------------------------------


def _hint(path: str) -> str:
    """The hospital named in a case file's name (附件3_2018_001_北京协和医院.xlsx)."""
    stem = PurePosixPath(path).stem
    parts = stem.split("_", 3)
    return fmt.name_key(parts[3]) if len(parts) == 4 else ""


def _parse_case_file(entry, attachment: str) -> CaseFile:
    spec = fmt.CASE_DIRS[attachment]
    report = FileReport(entry.path)
    case_file = CaseFile(report, attachment, "", "", _hint(entry.path))
    try:
        sheets = read_sheets(entry.read())
    except (WorkbookError, SourceError) as error:
        case_file.problem = error.message
        report.summary = f"无法读取：{error.message}"
        report.unreadable = True
        return case_file
    row, letter = fmt.CASE_HEADER_CELLS["hospital_name"]
    rows = _find_sheet(sheets, row, 0, "医院全称")
    admission = spec.column("admission_no")
    if rows is None or (
        len(rows) >= spec.header_row
        and text(cell(rows[spec.header_row - 1], fmt.column_index(admission.letter)))
        != str(admission.header)
    ):
        case_file.problem = (
            f"不是2018版{attachment}的格式（A2应为“医院全称”，第5行为表头），未读取。"
        )
        report.summary = case_file.problem
        report.unreadable = True
        return case_file
    name = text(cell(rows[row - 1], fmt.column_index(letter)))
    if not name:
        case_file.problem = "C2（医院全称）为空，无法对应医院，未读取。"
        report.summary = case_file.problem
        report.unreadable = True
        return case_file
    case_file.name = name
    case_file.key = fmt.name_key(name)
    for number, values in enumerate(rows[spec.first_data_row - 1 :], start=spec.first_data_row):
        if not is_blank_row(values):
            case_file.rows.append((number, values))
    return case_file


@functools.cache
def _choice_codes(kind: str, name: str) -> dict[str, str]:
    """Every word that means a code of a coded case column (``choice_key``) → the code."""
    return choice_codes(fmt.CASE_SPECS[kind].column(name), LEGACY_ALIASES)


def _choice(spec, column, raw):
    """A coded cell as its code; an unknown word is kept (the rules then refuse it)."""
    value = re.sub(r"\s+", "", text(raw))
    if not value:
        return None
    return _choice_codes(spec.kind, column.name).get(choice_key(value)) or value


def _case_values(spec, row) -> dict:
    """A case row's raw cells as the rules read them (wrong types kept for the message)."""
    values = {name: None for name in spec.input_names}
    year = spec.column("report_year")
    values["report_year"] = text(cell(row, fmt.column_index(year.letter))) or None
    for column in spec.core_columns:
        raw = cell(row, fmt.column_index(column.letter))
        if column.kind == case_rules.INTEGER:
            number, problem = integer(raw)
            values[column.name] = text(raw) if problem else number
        elif column.kind == case_rules.CHOICE:
            values[column.name] = _choice(spec, column, raw)
        elif column.name == "admission_no":
            values[column.name] = case_rules.normalize_admission_no(raw) or None
        else:
            values[column.name] = text(raw)
    return values


def _read_cases(case_file: CaseFile, year: int, other_numbers) -> list[dict]:
    """The file's valid cases; refused rows reported on the file."""
    spec = fmt.CASE_DIRS[case_file.attachment]
    cases, seen = [], set()
    # ``seen`` grows row by row: the context sees the file's earlier 住院号.
    context = spec.context(data_year=year, same_attachment=seen, other_attachment=other_numbers)
    for number, row in case_file.rows:
        values = _case_values(spec, row)
        result = case_rules.validate_case(spec, values, context, entry=IMPORT)
        if result.errors:
            messages = "；".join(m for ms in result.errors.values() for m in ms)
            case_file.report.refused.append(f"第{number}行：{messages}")
            continue
        seen.add(values["admission_no"])
        case = {column.name: values[column.name] for column in spec.core_columns}
        case["row"] = number
        cases.append(case)
    return cases


# Records ----------------------------------------------------------------------------------


def _fingerprint(year: int, hospital: Hospital, cases: dict) -> str:
    """A keyed digest of a record's content; ``cases`` by attachment, None for a refused one.

    The HMAC (``FIELD_HASH_KEY``) of the content's SHA-256: a plain hash would let anyone
    holding a copy of the database, where everything else of the record is readable, find
    the encrypted phone by trying numbers until the hash matches."""
    content = {
        "data_year": year,
        **{k: v for k, v in hospital.fields.items() if k != "region_id"},
        "values": hospital.values,
        "cases": cases,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return crypto.blind_index(hashlib.sha256(encoded.encode("utf-8")).hexdigest())


def _record(year, hospital, source_file, source_sha256, fingerprint, run, regions):
    record = LegacyRecord(
        data_year=year,
        name_key=hospital.key,
        values=hospital.values,
        thrombolysis_cases=hospital.cases.get("附件3") or [],
        intervention_cases=hospital.cases.get("附件2") or [],
        refused_files=[hospital.refusals[a].entry(run) for a in sorted(hospital.refusals)],
        source_file=source_file[-300:],
        source_row=hospital.row,
        source_sha256=source_sha256,
        fingerprint=fingerprint,
        imported_by=run,
        **hospital.fields,
    )
    return index_record(record, region_full_name=regions.full_name(record.region_id))


class Importer:
    def __init__(self, run: LegacyImport, result: ImportResult):
        self.run = run
        self.result = result
        self.regions = RegionIndex()

    def import_year(self, year: int, files) -> None:
        result = self.result
        attachment1 = files.get("附件1", [])
        case_entries = [(a, e) for a in ("附件2", "附件3") for e in files.get(a, [])]
        if not attachment1:
            for _attachment, entry in case_entries:
                report = FileReport(entry.path, f"{year}年度没有附件1文件，无法对应医院，未导入。")
                report.refused.append("缺少附件1")
                result.files.append(report)
                result.refused_files += 1
            return
        main, *extra = attachment1
        for entry in extra:
            report = FileReport(entry.path, f"{year}年度已有附件1文件“{main.path}”，此文件未读取。")
            report.refused.append("同一年度有多个附件1文件")
            result.files.append(report)
            result.refused_files += 1

        report = FileReport(main.path)
        result.files.append(report)
        try:
            data = main.read()
            hospitals = _parse_attachment1(data, year, report, self.regions)
        except (WorkbookError, SourceError) as error:
            report.summary = f"无法读取：{error.message}{year}年度的附件2/附件3也未导入。"
            report.unreadable = True
            result.unreadable_files += 1
            for _attachment, entry in case_entries:
                skipped = FileReport(entry.path, f"{year}年度的附件1无法读取，此文件未导入。")
                skipped.refused.append("附件1无法读取")
                result.files.append(skipped)
                result.refused_files += 1
            return
        refused_rows = len(report.refused)
        source_sha256 = sha256_of(data)
        by_key = {h.key: h for h in hospitals}

        # (key, attachment) → its files; an unreadable one is matched by its file name.
        case_files = defaultdict(list)
        for attachment, entry in case_entries:
            case_file = _parse_case_file(entry, attachment)
            result.files.append(case_file.report)
            if case_file.report.unreadable:
                result.unreadable_files += 1
                if case_file.hint in by_key:
                    case_files[(case_file.hint, attachment)].append(case_file)
                continue
            if case_file.key not in by_key:
                case_file.report.summary = (
                    f"医院“{case_file.name}”在{year}年度的附件1中没有对应的行，未导入。"
                )
                case_file.report.refused.append("附件1中没有该医院")
                result.refused_files += 1
                continue
            case_files[(case_file.key, attachment)].append(case_file)

        for (key, attachment), same in case_files.items():
            hospital = by_key[key]
            if len(same) > 1:
                reason = f"该医院有多个{attachment}文件（共{len(same)}个），无法确定以哪个为准"
                paths = [case_file.report.path for case_file in same]
                hospital.refusals[attachment] = Refusal(attachment, paths, reason)
                for case_file in same:
                    if not case_file.report.unreadable:
                        case_file.report.summary = f"{hospital.name}：未导入。"
                        case_file.report.refused.append(reason)
                        result.refused_files += 1
            elif same[0].report.unreadable:
                hospital.refusals[attachment] = Refusal(
                    attachment, [same[0].report.path], same[0].problem
                )

        existing = {
            key: Stored(pk, fingerprint, refused or [], bound)
            for pk, key, fingerprint, refused, bound in LegacyRecord.objects.filter(
                data_year=year
            ).values_list("pk", "name_key", "fingerprint", "refused_files", "bound_institution_id")
        }
        new_records = []
        created = unchanged = 0
        completed_before = result.completed
        for hospital in hospitals:
            if hospital.held:
                report.refused.append(f"{_label(hospital)}：{hospital.held}")
                for attachment in ATTACHMENTS:
                    for case_file in case_files.get((hospital.key, attachment), ()):
                        case_file.report.summary = (
                            f"{hospital.name}：医院暂不导入（见附件1的说明）。"
                        )
                continue
            stored = existing.get(hospital.key)
            self._read_hospital_cases(hospital, case_files, year, stored)
            if stored is not None:
                unchanged += self._compare(year, hospital, stored, report)
                continue
            report.notes.extend(hospital.notes)
            fingerprint = _fingerprint(year, hospital, hospital.cases)
            record = _record(
                year, hospital, main.path, source_sha256, fingerprint, self.run, self.regions
            )
            new_records.append(record)
            for attachment, refusal in sorted(hospital.refusals.items()):
                report.missing.append(
                    f"{_label(hospital)}：{attachment}文件未导入（{refusal.reason}），"
                    f"已导入总表和其余个案"
                )
                self._note(refusal, f"{hospital.name}{year}年度的总表和其余个案已导入，"
                           f"此文件修复后重新导入即可补全。")  # fmt: skip
            self._still_missing(hospital, year, record.refused_files)
            created += 1

        with transaction.atomic():
            LegacyRecord.objects.bulk_create(new_records, batch_size=BATCH_SIZE)
        refused = len(report.refused)
        completed = result.completed - completed_before
        report.summary = (
            f"{year}年度 {len(hospitals) + refused_rows}家医院：新导入{created}，"
            f"补全{completed}，已导入过（未改动）{unchanged}，拒绝{refused}"
        )
        result.created += created
        result.unchanged += unchanged
        result.refused += refused
        result.created_thrombolysis += sum(len(r.thrombolysis_cases) for r in new_records)
        result.created_intervention += sum(len(r.intervention_cases) for r in new_records)

    def _read_hospital_cases(self, hospital, case_files, year, stored: Stored | None) -> None:
        """The cases of the hospital's readable files into ``hospital.cases`` (None for a
        refused attachment), each file's summary written.

        A 住院号 may not be in both attachments. As on first import, 附件3 is checked against
        附件2; but when a file is refused now or was refused before, each attachment is
        checked against the *stored* other one: what was loaded then reads the same now,
        and an attachment that is added is checked against what the record keeps."""
        against_stored = stored is not None and bool(stored.refused or hospital.refusals)
        numbers = {}
        for attachment in ATTACHMENTS:
            if attachment in hospital.refusals:
                hospital.cases[attachment] = None
                continue
            files_of = case_files.get((hospital.key, attachment), [])
            if not files_of:
                hospital.cases[attachment] = []
                continue
            if against_stored:
                other = {c["admission_no"] for c in stored.cases()[OTHER[attachment]] or ()}
            else:
                other = numbers.get(OTHER[attachment], set()) if attachment == "附件3" else set()
            case_file = files_of[0]
            cases = _read_cases(case_file, year, other)
            hospital.cases[attachment] = cases
            hospital.present.add(attachment)
            numbers[attachment] = {case["admission_no"] for case in cases}
            title = fmt.CASE_DIRS[attachment].case_title
            refused = len(case_file.report.refused)
            case_file.report.summary = f"{hospital.name} {title}{len(cases)}例" + (
                f"，拒绝{refused}行" if refused else ""
            )

    def _compare(self, year, hospital, stored: Stored, report: FileReport) -> int:
        """A hospital whose record is in the pool: 1 when the record stays as it is, else 0
        (its missing cases added, or a refusal reported)."""
        candidate, completing = {}, {}
        for attachment in ATTACHMENTS:
            read = hospital.cases[attachment]
            if attachment in stored.refused:
                candidate[attachment] = None
                if attachment in hospital.present:
                    completing[attachment] = read
            elif read is None:  # loaded before, refused this time: what is stored stands
                candidate[attachment] = stored.cases()[attachment]
                self._note(
                    hospital.refusals[attachment],
                    f"{hospital.name}{year}年度已导入的个案保持不变。",
                )
            else:
                candidate[attachment] = read
        label = _label(hospital)
        if _fingerprint(year, hospital, candidate) != stored.fingerprint:
            report.refused.append(
                f"{label}：该医院{year}年度的既往数据已导入过且内容不同，"
                "未覆盖已有数据（如需更正，请联系平台管理员）"
            )
            return 0
        if not completing:
            self._still_missing(hospital, year, stored.refused_files)
            return 1
        if stored.bound:
            report.refused.append(
                f"{label}：该数据已被绑定，未补全{'、'.join(completing)}"
                "（绑定生成的报告不随之改变）；如需补全，请该单位解绑后重新导入"
            )
            self._still_missing(hospital, year, stored.refused_files)
            return 0
        fingerprint = _fingerprint(year, hospital, {**candidate, **completing})
        if not self._complete(hospital, year, stored, completing, fingerprint):
            report.refused.append(f"{label}：该数据刚被其他操作更改，未补全；请稍后重新导入")
            self._still_missing(hospital, year, stored.refused_files)
            return 0
        left = [e for e in stored.refused_files if e["attachment"] not in completing]
        self._still_missing(hospital, year, left)
        return 0

    def _still_missing(self, hospital, year, entries) -> None:
        for entry in entries:
            self.result.missing.append(_missing_line(hospital.name, year, entry))

    def _note(self, refusal: Refusal, sentence: str) -> None:
        """Add ``sentence`` to the summary of the refused files."""
        for report in self.result.files:
            if report.path in refusal.files:
                report.summary += sentence

    def _complete(self, hospital, year, stored: Stored, completing: dict, fingerprint) -> bool:
        """Add the cases of the repaired attachments to the stored record and drop their
        refusals, under a row lock (False: another import or a 绑定 came first)."""
        with transaction.atomic():
            record = LegacyRecord.objects.select_for_update().get(pk=stored.pk)
            if record.fingerprint != stored.fingerprint or record.is_bound:
                return False
            for attachment, cases in completing.items():
                setattr(record, CASE_FIELDS[attachment], cases)
            record.refused_files = [
                entry for entry in record.refused_files if entry["attachment"] not in completing
            ]
            record.fingerprint = fingerprint
            fields = [CASE_FIELDS[attachment] for attachment in completing]
            record.save(update_fields=[*fields, "refused_files", "fingerprint"])
            audit.record(
                None, audit.Action.IMPORT, obj=record, user=self.run.run_by,
                kind="legacy_completion", run=self.run.pk, attachments=sorted(completing),
                cases=sum(len(cases) for cases in completing.values()),
            )  # fmt: skip
        result = self.result
        result.completed += 1
        result.created_thrombolysis += len(completing.get("附件3", ()))
        result.created_intervention += len(completing.get("附件2", ()))
        for attachment, cases in completing.items():
            title = fmt.CASE_DIRS[attachment].case_title
            result.completions.append(
                f"{hospital.name} {year}年度 {attachment}（{title}）{len(cases)}例"
            )
        return True


def import_legacy(source, *, name: str | None = None, run_by=None, source_sha256: str = ""):
    """Import an export (a folder path, a zip path or an open zip file) and return the
    ``ImportResult``; the run is kept as a ``LegacyImport`` with its report.
    ``SourceError`` when the source as a whole cannot be read."""
    name = name or str(source)
    with Source(source, name) as opened:
        entries, problems = opened.entries()
        result = ImportResult(source=name, problems=problems)
        run = LegacyImport.objects.create(
            source_name=name[:300], source_sha256=source_sha256, run_by=run_by
        )
        result.import_run = run
        years = _classify(entries, result)
        if not years and not result.files:
            result.problems.append("没有找到任何导出文件（应为 年度/附件1_….xlsx 等）。")
        importer = Importer(run, result)
        for year in sorted(years):
            importer.import_year(year, years[year])
    run.created = result.created
    run.completed = result.completed
    run.unchanged = result.unchanged
    run.refused = result.refused
    run.finished_at = timezone.now()
    run.report = result.text()
    run.save()
    audit.record(
        None, audit.Action.IMPORT, obj=run, user=run_by, kind="legacy", sha256=source_sha256,
        created=run.created, unchanged=run.unchanged, refused=run.refused,
    )  # fmt: skip
    return result
