"""导出总表: reports' 总表 as one .xlsx or CSV file, for auditors (the 年度报告 admin's
export, wired in ``excel_templates.admin``).

The columns come from the editions (Decision 2): one per 总表 item, headed by the item's
full name; reports of several editions share one sheet with the union of their items in
declaration order. The file streams (``streaming``, issue 21 item 3): its first bytes leave
before the first report is read, and memory stays flat however many reports there are.

Every value is written under the one rule of ``writing``: text that starts like a formula
(= + - @, a tab or a carriage return) is a string with Excel's quote prefix in the .xlsx, a
leading apostrophe in the CSV, so a spreadsheet shows it as text and never evaluates it.
Numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

import audit
from institutions.region_names import printed_name
from surveys.editions import EDITIONS, Edition
from surveys.models import BasicInfo, Report, ReportScan

from .streaming import CSV, XLSX, csv_chunks, streaming_response, xlsx_chunks

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


def export_queryset(reports: QuerySet) -> QuerySet:
    """``reports`` with what the export reads, in few queries."""
    current = ReportScan.objects.current().filter(report=OuterRef("pk"))
    return reports.select_related("institution", "institution__basic_info").annotate(
        has_scan=Exists(current),
        has_stale_scan=Exists(current.exclude(survey_version=OuterRef("survey_version"))),
    )


FIXED_HEADERS = (
    _lazy("医院全称"),
    _lazy("行政区划"),
    _lazy("医院等级"),
    _lazy("医院类别"),
    _lazy("数据年度"),
    _lazy("总表版本"),
    _lazy("当前状态"),
    _lazy("提交时间"),
)
WIDTHS = (32, 28, 10, 12, 10, 10, 12, 18)


class ReportExport:
    """导出总表 of ``reports`` (in their order): the reports' ids are read first (a few
    thousand integers: the row count for the audit log and the order), then the reports
    ``CHUNK`` at a time by id — memory stays flat, any connection pooler will do (no
    server-side cursor held across requests' statements) and the list's order is kept."""

    def __init__(self, reports: QuerySet):
        self.ids = list(reports.values_list("pk", flat=True))
        edition_ids = reports.order_by().values_list("edition", flat=True).distinct()
        self.columns = item_columns(edition_ids)
        self.header = [
            *(str(title) for title in FIXED_HEADERS),
            *(header for _code, header in self.columns),
            _("附件4状态"),
        ]

    def rows(self):
        editions: dict[str, Edition] = EDITIONS
        columns = self.columns
        for start in range(0, len(self.ids), CHUNK):
            chunk = self.ids[start : start + CHUNK]
            found = export_queryset(Report.objects.filter(pk__in=chunk)).in_bulk()
            for pk in chunk:
                report = found.get(pk)
                if report is None:  # deleted for good since the export began
                    continue
                basic = _basic_fields(report)
                status = report.get_status_display()
                if report.is_deleted:
                    status = _("%(status)s（已删除）") % {"status": status}
                declared = editions.get(report.edition)
                declared_codes = set(declared.codes) if declared else set()
                values = report.values or {}
                yield [
                    basic["hospital_name"],
                    basic["region"],
                    basic["grade"],
                    basic["category"],
                    report.data_year,
                    report.edition,
                    status,
                    report.submitted_at,
                    *(
                        _item_value(values.get(code)) if code in declared_codes else None
                        for code, _header in columns
                    ),
                    attachment4_status(report),
                ]


FORMATS = ("xlsx", "csv")


def export_filename(fmt: str = "xlsx") -> str:
    return _("年度报告总表_%(date)s.%(ext)s") % {
        "date": timezone.localdate().strftime("%Y%m%d"),
        "ext": fmt,
    }


def export_response(reports: QuerySet, fmt: str = "xlsx"):
    """导出总表 of ``reports`` as a download that streams from the first row: .xlsx (the
    default) or CSV. Recorded in the audit log before the first byte is sent."""
    export = ReportExport(reports)
    audit.record(None, audit.Action.EXPORT, kind="reports", rows=len(export.ids), format=fmt)
    if fmt == "csv":
        chunks = csv_chunks(export.header, export.rows())
        return streaming_response(chunks, filename=export_filename("csv"), content_type=CSV)
    chunks = xlsx_chunks(
        export.header, export.rows(), sheet_title=_("总表"), widths=WIDTHS, freeze="B2"
    )
    return streaming_response(chunks, filename=export_filename("xlsx"), content_type=XLSX)
