"""Legacy records made directly, and small exports written cell by cell for the importer."""

import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from binding import legacy_format as fmt
from binding.demo_export import XlsBook, XlsxBook, _attachment1_headers, _case_headers
from binding.models import LegacyImport, LegacyRecord, LegacySubmitStatus
from binding.search import index_record
from casesets.specs import ATTACHMENT2, ATTACHMENT3

VALUES_2018 = {
    "neuro_discharges_total": 3000,
    "ci_discharges": 1200,
    "ci_with_htn": 700,
    "ci_deaths": 20,
    "tia_discharges": 150,
    "tia_with_htn": 70,
    "ich_discharges": 300,
    "ich_with_htn": 200,
    "ich_deaths": 15,
    "sah_discharges": 60,
    "sah_with_htn": 20,
    "sah_deaths": 5,
    "ivt_total": 3,
    "ivt_nihss_improved": 2,
    "ivt_mrs_0_2": 2,
    "ivt_alteplase": 2,
    "ivt_urokinase": 1,
    "evt_total": 1,
    "evt_direct": 1,
    "evt_bridging": 0,
    "evt_nihss_improved": 1,
    "evt_mrs_0_2": 0,
}

IVT_CASES = [
    {"admission_no": "A1001", "nihss_pre": 8, "nihss_discharge": 2, "mrs_discharge": 1,
     "thrombolytic_drug": "alteplase", "thrombolytic_drug_other": "", "row": 6},
    {"admission_no": "A1002", "nihss_pre": 12, "nihss_discharge": 4, "mrs_discharge": 2,
     "thrombolytic_drug": "alteplase", "thrombolytic_drug_other": "", "row": 7},
    {"admission_no": "A1003", "nihss_pre": 20, "nihss_discharge": None, "mrs_discharge": 6,
     "thrombolytic_drug": "urokinase", "thrombolytic_drug_other": "", "row": 8},
]  # fmt: skip
EVT_CASES = [
    {"admission_no": "B2001", "evt_mode": "direct", "nihss_pre": 16, "nihss_discharge": 6,
     "mrs_discharge": 3, "row": 6},
]  # fmt: skip


def import_run():
    return LegacyImport.objects.create(source_name="测试")


def make_record(name="北京协和医院", year=2018, **fields) -> LegacyRecord:
    """A legacy record in the pool (with a 总表 and 3 + 1 cases unless told otherwise)."""
    imported_by = fields.pop("imported_by", None) or import_run()
    defaults = {
        "province_name": "北京市",
        "city_name": "市辖区",
        "county_name": "东城区",
        "region_text": "北京市市辖区东城区",
        "region_code": "110101",
        "grade": "三级甲等",
        "category": "综合医院",
        "director_name": "王建国",
        "director_phone": "13812345678",
        "director_email": "wang@example.cn",
        "submit_status": LegacySubmitStatus.SUBMITTED,
        "entered_at": timezone.make_aware(datetime.datetime(year + 1, 3, 4, 14, 14, 38)),
        "values": dict(VALUES_2018),
        "thrombolysis_cases": [dict(case) for case in IVT_CASES],
        "intervention_cases": [dict(case) for case in EVT_CASES],
        "source_file": f"{year}/附件1.xlsx",
        "source_row": 4,
        "source_sha256": "0" * 64,
        "fingerprint": "f" * 64,
    }
    defaults.update(fields)
    record = LegacyRecord(
        hospital_name=name,
        name_key=fmt.name_key(name),
        data_year=year,
        imported_by=imported_by,
        **defaults,
    )
    index_record(record)
    record.save()
    return record


# Writing exports cell by cell ---------------------------------------------------------------

IDENTITY = {key: fmt.column_index(letter) for letter, key, _label in fmt.IDENTITY_COLUMNS}
STATUS = fmt.column_index(fmt.STATUS_COLUMN[0])
ENTERED = fmt.column_index(fmt.ENTERED_COLUMN[0])


def book_for(extension, sheet):
    return XlsBook(sheet) if extension == ".xls" else XlsxBook(sheet)


def hospital_row(name, *, year=2018, values=None, **cells):
    """The cells of one 附件1 row (column key or survey code → value)."""
    row = {
        "province": "北京市",
        "city": "市辖区",
        "county": "东城区",
        "hospital_name": name,
        "grade": "三级甲等",
        "category": "综合医院",
        "director_name": "李静",
        "director_phone": "13800000002",
        "director_email": "li@example.cn",
        "year": year if isinstance(year, str) else f"{year}年",
        "status": "已提交",
        "entered": "2019-03-04 14:14:38",
        **dict(VALUES_2018 if values is None else values),
    }
    row.update(cells)
    return row


def write_attachment1(folder: Path, year: int, rows, extension=".xlsx") -> Path:
    """``rows``: dicts from ``hospital_row``, or None for a blank row."""
    book = book_for(extension, "Sheet2")
    _attachment1_headers(book)
    for offset, row in enumerate(rows):
        if row is None:
            continue
        index = fmt.HEADER_ROWS + offset
        for key, value in row.items():
            if key in IDENTITY:
                column = IDENTITY[key]
            elif key == "status":
                column = STATUS
            elif key == "entered":
                column = ENTERED
            else:
                column = fmt.column_index(fmt.EDITION.item(key).excel_column)
            book.write(index, column, value)
    path = folder / str(year) / fmt.ATTACHMENT1_FILE.format(year=year, ext=extension)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_cases(folder: Path, year: int, attachment: str, name: str, rows, *, number=1,
                extension=".xlsx", header_name=None) -> Path:  # fmt: skip
    """An 附件2/附件3 file: ``rows`` are lists of cells from column A (序号, 年度, …)."""
    spec = ATTACHMENT3 if attachment == "附件3" else ATTACHMENT2
    book = book_for(extension, spec.sheet_name)
    _case_headers(
        book, spec, header_name if header_name is not None else name, "李静", "13800000002"
    )
    for offset, cells in enumerate(rows):
        for column, value in enumerate(cells):
            book.write(spec.first_data_row - 1 + offset, column, value)
    filename = fmt.CASE_FILE.format(prefix=attachment, year=year, number=number, name=name,
                                    ext=extension)  # fmt: skip
    path = folder / str(year) / attachment / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# Comparing what imports store ---------------------------------------------------------------


class _RolledBack(Exception):
    pass


def clean_import(folder: Path) -> dict:
    """What importing ``folder`` into an empty pool stores: ``(year, name) → record row``
    (as ``values()`` gives it), found inside a transaction that is then rolled back."""
    from binding.importer import import_legacy

    rows = {}
    try:
        with transaction.atomic():
            import_legacy(folder)
            for row in LegacyRecord.objects.values():
                rows[(row["data_year"], row["hospital_name"])] = row
            raise _RolledBack
    except _RolledBack:
        pass
    return rows


def snapshot() -> dict:
    """Every column of every record, by primary key: equal snapshots mean nothing changed."""
    return {row["id"]: row for row in LegacyRecord.objects.values()}


def both_case_files(folder: Path, name: str) -> tuple[int, Path, Path]:
    """``(year, 附件2 file, 附件3 file)`` of the first year in which ``name`` has both."""
    for year_folder in sorted(path for path in folder.iterdir() if path.is_dir()):
        intervention = sorted(year_folder.glob(f"附件2/附件2_*_{name}.*"))
        thrombolysis = sorted(year_folder.glob(f"附件3/附件3_*_{name}.*"))
        if intervention and thrombolysis:
            return int(year_folder.name), intervention[0], thrombolysis[0]
    raise AssertionError(f"{name} has no year with both 附件2 and 附件3 in {folder}")


def truncate(path: Path) -> bytes:
    """Cut ``path`` to its first third (an unreadable workbook); its good bytes returned."""
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 3])
    return good
