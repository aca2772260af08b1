"""导出总表: reports' 总表 as one .xlsx, for auditors (the 年度报告 admin's export, wired in
``excel_templates.admin``).

The columns come from the editions (Decision 2): one per 总表 item, headed by the item's
full name; reports of several editions share one sheet with the union of their items in
declaration order. The workbook is written row by row in openpyxl's write-only mode into a
temporary file, so thousands of reports take bounded memory.

Every cell is written by ``writing.inert``, as in every workbook the platform writes: text
that starts like a formula (= + - @, a tab or a carriage return) is a string with Excel's
quote prefix, so a spreadsheet shows it as text and never evaluates it. Numbers stay
numbers.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

import audit
from institutions.region_names import printed_name
from surveys.editions import EDITIONS, Edition
from surveys.models import BasicInfo, ReportScan

from .writing import inert

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 500


def item_columns(edition_ids: Iterable[str]) -> list[tuple[str, str]]:
    """``(code, header)`` of every item of the given editions, in declaration order (the
    registry's order of editions, then each edition's items); unknown ids are skipped."""
    wanted = set(edition_ids)
    columns: dict[str, str] = {}
    for edition in EDITIONS.values():
        if edition.id not in wanted:
            continue
        for code in edition.codes:
            columns.setdefault(code, edition.name_of(code))
    return list(columns.items())


def _basic_fields(report) -> dict[str, str]:
    """医院全称, 行政区划, 医院等级, 医院类别 as the report shows them: the 基本信息 snapshot
    of the last submission, else the current 基本信息, else the institution's record."""
    labels = {
        name: str(BasicInfo._meta.get_field(name).verbose_name)
        for name in ("hospital_name", "region", "grade", "category")
    }
    if report.basic_info_snapshot:
        shown = {str(label): value for label, value in report.basic_info_snapshot}
        fields = {name: shown.get(label, "") for name, label in labels.items()}
        # Snapshots of earlier submissions kept the name unprinted (北京市东城区).
        fields["region"] = printed_name(fields["region"])
        return fields
    institution = report.institution
    info = getattr(institution, "basic_info", None)
    source = info or institution
    return {
        "hospital_name": info.hospital_name if info else institution.name,
        "region": source.printed_region,
        "grade": source.get_grade_display(),
        "category": source.get_category_display(),
    }


def attachment4_status(report) -> str:
    if not report.has_scan:
        return _("未上传")
    if report.has_stale_scan:
        return _("已过期（总表在上传后有修改）")
    return _("已上传")


def _item_value(value):
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def _local(moment):
    # Excel has no time zones: write Beijing time without the offset.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def export_queryset(reports: QuerySet) -> QuerySet:
    """``reports`` with what the export reads, in few queries."""
    current = ReportScan.objects.current().filter(report=OuterRef("pk"))
    return reports.select_related("institution", "institution__basic_info").annotate(
        has_scan=Exists(current),
        has_stale_scan=Exists(current.exclude(survey_version=OuterRef("survey_version"))),
    )


def write_workbook(reports: QuerySet, fileobj) -> int:
    """Write ``reports`` (in their order) to ``fileobj`` as .xlsx; returns how many."""
    edition_ids = reports.order_by().values_list("edition", flat=True).distinct()
    columns = item_columns(edition_ids)
    editions: dict[str, Edition] = EDITIONS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("总表"))
    sheet.freeze_panes = "B2"
    for letter, width in zip("ABCDEFGH", (32, 28, 10, 12, 10, 10, 12, 18), strict=True):
        sheet.column_dimensions[letter].width = width

    bold = Font(bold=True)
    headers = [
        _("医院全称"),
        _("行政区划"),
        _("医院等级"),
        _("医院类别"),
        _("数据年度"),
        _("总表版本"),
        _("当前状态"),
        _("提交时间"),
        *(header for _code, header in columns),
        _("附件4状态"),
    ]
    sheet.append([_cell(sheet, header, font=bold) for header in headers])

    count = 0
    for report in export_queryset(reports).iterator(chunk_size=CHUNK):
        basic = _basic_fields(report)
        status = report.get_status_display()
        if report.is_deleted:
            status = _("%(status)s（已删除）") % {"status": status}
        declared = editions.get(report.edition)
        declared_codes = set(declared.codes) if declared else set()
        values = report.values or {}
        identity = (basic["hospital_name"], basic["region"], basic["grade"],
                    basic["category"], report.data_year, report.edition, status)  # fmt: skip
        items = (
            _item_value(values.get(code)) if code in declared_codes else None
            for code, _header in columns
        )
        sheet.append(
            [
                *(_cell(sheet, value) for value in identity),
                _cell(sheet, _local(report.submitted_at), number_format="yyyy-mm-dd hh:mm"),
                *(_cell(sheet, value) for value in items),
                _cell(sheet, attachment4_status(report)),
            ]
        )
        count += 1
    workbook.save(fileobj)
    return count


def _cell(sheet, value, **style):
    if value is not None and not isinstance(value, int | float | datetime.datetime):
        value = str(value)
    cell = inert(WriteOnlyCell(sheet), value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def export_filename() -> str:
    return _("年度报告总表_%(date)s.xlsx") % {"date": timezone.localdate().strftime("%Y%m%d")}


def export_response(reports: QuerySet) -> FileResponse:
    """The .xlsx of ``reports`` as a download (written to a temporary file, then streamed)."""
    fileobj = tempfile.TemporaryFile()
    try:
        rows = write_workbook(reports, fileobj)
    except BaseException:
        fileobj.close()
        raise
    audit.record(None, audit.Action.EXPORT, kind="reports", rows=rows)
    fileobj.seek(0)
    return FileResponse(fileobj, as_attachment=True, filename=export_filename(), content_type=XLSX)
