"""Where everything sits in the three templates, derived from the declarations.

附件2 and 附件3 follow their ``CaseSpec`` (column letters, 2018 headers, header rows 1–5, data
from row 6). 附件1 follows the 2018 one-row layout of the 总表: title in row 1, the two-level
header in rows 2–3, the hospital's values in row 4 — columns A…J the hospital and the year,
then every item of the current edition: the 2018 items in their 2018 columns (K…AF), the
items added since in the columns after them, in the order the edition declares them.

Each template carries its id, version and data year in a hidden sheet and in the workbook's
custom properties. The version is a fingerprint of the declaration it was generated from, so
any change of a column, header or value list makes every older template "not the latest"
without anyone having to remember to bump a number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _
from openpyxl.utils import column_index_from_string, get_column_letter

from casesets.specs import ATTACHMENT2, ATTACHMENT3, CaseSpec
from surveys.attachment4 import band_title  # the 2018 two-level header, as 附件4 prints it
from surveys.editions import CURRENT_EDITION
from surveys.editions.base import Edition, Item

SURVEY, INTERVENTION, THROMBOLYSIS = 1, 2, 3
ATTACHMENTS = (SURVEY, INTERVENTION, THROMBOLYSIS)
CASE_SPECS: dict[int, CaseSpec] = {INTERVENTION: ATTACHMENT2, THROMBOLYSIS: ATTACHMENT3}

TEMPLATE_IDS = {
    SURVEY: "cn-stroke-registry/attachment1",
    INTERVENTION: "cn-stroke-registry/attachment2",
    THROMBOLYSIS: "cn-stroke-registry/attachment3",
}
# The hidden sheet that identifies a template, and the custom document properties that
# repeat it (a second place, should a program drop hidden sheets).
META_SHEET = "TemplateInfo"
PROP_ID, PROP_VERSION, PROP_YEAR = "RegistryTemplateId", "RegistryTemplateVersion", "DataYear"
INSTRUCTIONS_SHEET = "填写说明"

ATTACHMENT_NAMES = {
    SURVEY: _("附件1：总表"),
    INTERVENTION: _("附件2：介入个案"),
    THROMBOLYSIS: _("附件3：溶栓个案"),
}
FILE_STEMS = {
    SURVEY: "附件1_医疗机构脑血管病诊疗情况调查表",
    INTERVENTION: "附件2_血管内介入治疗个案",
    THROMBOLYSIS: "附件3_单纯静脉溶栓个案",
}

# Rows a case template offers (data validation and unlocked cells reach this far), and the
# most cases (non-blank rows) one 附件2/附件3 file may hold — the one rule, said by
# ``too_many_cases`` wherever cases are counted: the hostile-file guard, which refuses
# value cells that run on past the rows a template holds (``reading.SHEET_LIMITS``), and
# the parser, which counts the cases. Why 20,000: README, "模板下载及数据上传".
MAX_CASE_ROWS = 20_000
TOO_MANY_CASES = _("每个文件最多%(max)s条，请拆分为多个文件上传。")


def too_many_cases() -> str:
    """The message for a file over ``MAX_CASE_ROWS`` cases."""
    return str(TOO_MANY_CASES) % {"max": MAX_CASE_ROWS}


# 附件1 (2018 layout).
SURVEY_SHEET = "Sheet2"
SURVEY_TITLE = _("附件1：医疗机构脑血管病诊疗情况调查表")
SURVEY_HEADER_ROWS = (2, 3)
SURVEY_VALUE_ROW = 4
FIRST_ITEM_COLUMN = "K"
SURVEY_IDENTITY = (
    ("A", _("省份")),
    ("B", _("市")),
    ("C", _("县（区）")),
    ("D", _("医院全称")),
    ("E", _("医院等级")),
    ("F", _("医院类别")),
    ("G", _("医院负责人")),
    ("H", _("负责人联系电话（手机号）")),
    ("I", _("电子邮箱")),
    ("J", _("年度（1.1-12.31）")),
)
SURVEY_YEAR_COLUMN = "J"


@dataclass(frozen=True)
class SurveyColumn:
    """One 总表 item in 附件1: its column, the band over it (row 2) and its own label."""

    letter: str
    item: Item
    band: str  # "" when the label spans rows 2–3

    @property
    def index(self) -> int:
        return column_index_from_string(self.letter)


@cache
def survey_columns(edition: Edition = CURRENT_EDITION) -> tuple[SurveyColumn, ...]:
    """The edition's items in 附件1 column order."""
    columns = []
    used = {item.excel_column for item in edition.items if item.excel_column}
    next_index = max(column_index_from_string(c) for c in used) + 1 if used else 11
    placed = sorted(
        (item for item in edition.items if item.excel_column),
        key=lambda item: column_index_from_string(item.excel_column),
    )
    for item in placed:
        columns.append(SurveyColumn(item.excel_column, item, band_title(edition, item)))
    for item in edition.items:
        if item.excel_column:
            continue
        letter = get_column_letter(next_index)
        next_index += 1
        columns.append(SurveyColumn(letter, item, band_title(edition, item)))
    return tuple(columns)


def _survey_declaration(edition: Edition) -> list:
    return [
        (c.letter, c.item.code, str(c.item.label), c.band, c.item.kind, c.item.minimum,
         c.item.maximum, c.item.required)
        for c in survey_columns(edition)
    ]  # fmt: skip


def _case_declaration(spec: CaseSpec) -> list:
    return [
        (c.letter, c.name, str(c.excel_header), c.kind, [str(code) for code, _l in c.choices],
         c.minimum, c.maximum, c.required)
        for c in spec.columns
    ]  # fmt: skip


@cache
def template_version(attachment: int) -> str:
    """``<edition id>.<fingerprint>``: changes whenever the declaration behind the
    template changes (a column, a header, a value list, a range)."""
    if attachment == SURVEY:
        declaration = _survey_declaration(CURRENT_EDITION)
    else:
        declaration = _case_declaration(CASE_SPECS[attachment])
    digest = hashlib.sha256(repr(declaration).encode()).hexdigest()[:10]
    return f"{CURRENT_EDITION.id}.{digest}"


def attachment_name(attachment: int) -> str:
    return str(ATTACHMENT_NAMES[attachment])


def file_name(attachment: int, data_year: int) -> str:
    return f"{FILE_STEMS[attachment]}_{data_year}.xlsx"
