"""The old platform's export (DATA_DICTIONARY Decision 9), declared once for the importer
and the demo generator.

::

    <year>/附件1_医疗机构卒中现状调查表_<year>.xls|.xlsx   rows 1–3 as the official 2018 file;
                                                         a hospital a row from row 4, columns
                                                         A..AF as 2018, AG 提交状态, AH 录入时间
    <year>/附件2/附件2_<year>_<NNN>_<医院全称>.xlsx|.xls   2018 附件2 layout; 医院全称 /
    <year>/附件3/附件3_<year>_<NNN>_<医院全称>.xlsx|.xls   医院负责人 / 负责人联系电话 in C2/C3/C4;
                                                         cases from row 6

The 总表 columns K…AF are those of the 2018 edition (``surveys.editions.edition_2018``)
and the case columns those of ``casesets.specs``, so no column is declared twice.
"""

from __future__ import annotations

import re
import unicodedata

from casesets.specs import ATTACHMENT2, ATTACHMENT3
from surveys.editions import get_edition

EDITION_ID = "2018"
EDITION = get_edition(EDITION_ID)

# Years the 2018 form was used for (its 年度 drop-down).
LEGACY_YEARS = (2010, 2015, 2017, 2018)
EXTENSIONS = (".xlsx", ".xls")

ATTACHMENT1_PREFIX = "附件1"
ATTACHMENT1_TITLE = "附件1：医疗机构卒中现状调查表"
ATTACHMENT1_FILE = "附件1_医疗机构卒中现状调查表_{year}{ext}"
CASE_DIRS = {"附件2": ATTACHMENT2, "附件3": ATTACHMENT3}
CASE_SPECS = {spec.kind: spec for spec in (ATTACHMENT2, ATTACHMENT3)}
CASE_FILE = "{prefix}_{year}_{number:03d}_{name}{ext}"

# 附件1 columns A…J (the hospital), then the 总表, then the two columns of the export.
IDENTITY_COLUMNS = (
    ("A", "province", "省份"),
    ("B", "city", "市"),
    ("C", "county", "县（区）"),
    ("D", "hospital_name", "医院全称"),
    ("E", "grade", "医院等级"),
    ("F", "category", "医院类别"),
    ("G", "director_name", "医院负责人"),
    ("H", "director_phone", "负责人联系电话（手机号）"),
    ("I", "director_email", "电子邮箱"),
    ("J", "year", "年度（1.1-12.31）"),
)
STATUS_COLUMN = ("AG", "提交状态")
ENTERED_COLUMN = ("AH", "录入时间")
HEADER_ROWS = 3  # rows 1–3; hospitals from row 4
NAME_HEADER_ROW = 2  # "医院全称" in D2

# 附件2/附件3: labels in A2:A4, values in C2:C4, headers in row 5, cases from row 6.
CASE_HEADER_CELLS = {
    "hospital_name": (2, "C"),
    "director_name": (3, "C"),
    "director_phone": (4, "C"),
}


def column_index(letter: str) -> int:
    """0-based index of an Excel column letter (A → 0, AH → 33)."""
    index = 0
    for char in letter:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def survey_columns():
    """``(index, item)`` of the 总表 columns K…AF."""
    return [(column_index(item.excel_column), item) for item in EDITION.items]


_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """A hospital name as matched between 附件1 and 附件2/附件3 and kept unique per year:
    NFKC (full-width letters, digits and brackets made half-width), no spaces, lower case."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name or "")).lower()


def year_label(year: int) -> str:
    """How the 2018 drop-down wrote a year: "2018年"."""
    return f"{year}年"
