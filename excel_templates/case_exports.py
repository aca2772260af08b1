"""个案导出: the cases an auditor's case list shows (附件2 or 附件3, with the list's filters —
数据年度, 省份, 溶栓药/治疗方式, 已删除 — and its search), one row a case, for researchers
(issue 21 item 3). CSV or .xlsx, streamed (``streaming``).

Columns: the case's institution, its 行政区划 (code and printed name), 数据年度 and the
report's state, then the case's fields in the order of the 2018 template (``casesets.specs``:
the 2018 columns, then the optional ones; value lists as their labels, several choices joined
by "、", times in Beijing time), the derived intervals (DNT …), and 已删除.

No 住院号: it is the one patient identifier the platform holds (DATA_DICTIONARY Decision 7),
and with the hospital's name it points at a patient's record. Its column carries 个案编号
instead, the case's random public id (``Case.public_id``): stable from one export to the
next, so researchers can tell cases apart, and an auditor finds the case by searching the
case list for it — but it says nothing about the patient.

Rows are read ``CHUNK`` at a time in entry (id) order by keyset (``id > last``), each chunk
one query along the primary key — the table's own order on disk, so each page is read once
(in the list's report order every row would be a page of its own) — with the list's
filters: no server-side cursor and no transaction held open while the client reads (any
connection pooler will do), no query per row, memory flat. The reports' institution,
region and year are read once per report, not per case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Func, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from casesets import validators as v
from casesets.specs import CaseSpec, spec_for
from institutions.region_names import printed_name
from surveys.models import Report, ReportStatus

from .layout import FILE_STEMS
from .streaming import CSV, XLSX, LocalMinute, csv_chunks, streaming_response, xlsx_chunks
from .templates import MULTI_SEPARATOR

CHUNK = 5_000
PUBLIC_ID_HEADER = "个案编号"
REPORT_HEADERS = ("医疗机构", "行政区划代码", "行政区划", "数据年度", "报告状态")
REPORT_WIDTHS = (32, 12, 28, 10, 10)


def _labels(choices) -> dict:
    return {code: str(label) for code, label in choices}


def _converter(column) -> Callable | None:
    """Stored value → exported value for a column of coded values (None: as stored)."""
    if column.kind == v.CHOICE:
        labels = _labels(column.choices)
        return lambda value: labels.get(value, value) if value else None
    if column.kind == v.MULTI:
        labels = _labels(column.choices)
        return lambda value: (
            MULTI_SEPARATOR.join(labels.get(code, code) for code in value) if value else None
        )
    return None


class LocalMinuteText(Func):
    """On PostgreSQL, a time as Beijing ``yyyy-mm-dd hh:mm`` text, formatted by the database
    (``to_char``): parsing a million time stamps into Python and formatting them again
    would cost more than the rest of the export together."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')",
            [*params, settings.TIME_ZONE],
        )


class CaseExport:
    """The export of ``cases`` (a queryset of one attachment's cases)."""

    def __init__(self, cases: QuerySet):
        self.cases = cases
        self.spec: CaseSpec = spec_for(cases.model)
        fields = [column for column in self.spec.columns if column.is_model_field]
        self.fields = ["public_id" if c.name == "admission_no" else c.name for c in fields]
        self.intervals = [interval.name for interval in self.spec.intervals]
        # Row positions (after the report's columns replace report_id and pk) → converter.
        self.converters = [
            (index, convert)
            for index, convert in enumerate((_converter(c) for c in fields), start=2)
            if convert is not None
        ]
        self.times = {c.name for c in fields if c.kind == v.DATETIME}
        self.header = [
            *(_(title) for title in REPORT_HEADERS),
            *(_(PUBLIC_ID_HEADER) if c.name == "admission_no" else str(c.excel_header)
              for c in fields),
            *(str(interval.label) for interval in self.spec.intervals),
            _("已删除"),
        ]  # fmt: skip
        self.widths = [
            *REPORT_WIDTHS,
            *(38 if c.name == "admission_no" else (c.width or 14) for c in fields),
        ]

    def count(self) -> int:
        return self.cases.order_by().count()

    def _reports(self, ids) -> dict[int, tuple]:
        """institution, region code, printed region, data year, state of each report."""
        rows = Report.objects.filter(pk__in=ids).values_list(
            "pk",
            "institution__name",
            "institution__region_id",
            "institution__region_name",
            "data_year",
            "status",
            "deleted_at",
        )
        found = {}
        for pk, name, code, region, year, status, deleted_at in rows:
            state = str(ReportStatus(status).label) if status in ReportStatus.values else status
            if deleted_at is not None:
                state = _("%(status)s（已删除）") % {"status": state}
            found[pk] = (name, code, printed_name(region), year, state)
        return found

    def _query(self):
        """The rows as tuples: report_id, pk, the fields (public_id as text), the
        intervals, deleted_at — in entry (id) order."""
        expressions = {}
        postgresql = connection.vendor == "postgresql"
        names = []
        for name in self.fields:
            if name == "public_id" and postgresql:  # a UUID as text ("8-4-4-4-12")
                expressions["public_id_text"] = Cast("public_id", CharField())
                names.append("public_id_text")
            elif postgresql and name in self.times:
                expressions[f"{name}_text"] = LocalMinuteText(name)
                names.append(f"{name}_text")
            else:
                names.append(name)
        self.localised = postgresql
        return (
            self.cases.order_by("pk")
            .annotate(**expressions)
            .values_list("report_id", "pk", *names, *self.intervals, "deleted_at")
        )

    def rows(self) -> Iterator[list]:
        base = self._query()
        time_positions = [
            index for index, name in enumerate(self.fields, start=2) if name in self.times
        ]
        wrap = LocalMinute if self.localised else None
        converters = self.converters
        if not self.localised:  # other databases: the UUID object, written as text here
            converters = [*converters, (2 + self.fields.index("public_id"), str)]
        reports: dict[int, tuple] = {}
        yes, no = _("是"), _("否")
        blank = (None,) * len(REPORT_HEADERS)
        chunk = list(base[:CHUNK])
        while chunk:
            missing = {row[0] for row in chunk} - reports.keys()
            if missing:
                reports.update(self._reports(missing))
            for row in chunk:
                values = list(row)
                for index, convert in converters:
                    values[index] = convert(values[index])
                if wrap is not None:
                    for index in time_positions:
                        if values[index] is not None:
                            values[index] = wrap(values[index])
                values[-1] = yes if values[-1] is not None else no
                values[0:2] = reports.get(row[0], blank)
                yield values
            if len(chunk) < CHUNK:
                return
            chunk = list(base.filter(pk__gt=chunk[-1][1])[:CHUNK])


def export_filename(spec: CaseSpec, fmt: str) -> str:
    return _("%(title)s_%(date)s.%(ext)s") % {
        "title": FILE_STEMS[spec.attachment],
        "date": timezone.localdate().strftime("%Y%m%d"),
        "ext": fmt,
    }


def export_response(cases: QuerySet, fmt: str, filters: dict):
    """The download of ``cases``, streamed; recorded in the audit log (the kind, format,
    the list's filters and the row count) before the first byte is sent."""
    export = CaseExport(cases)
    spec = export.spec
    audit.record(
        None,
        audit.Action.EXPORT,
        kind=f"{spec.kind}_cases",
        format=fmt,
        rows=export.count(),
        filters=filters,
    )
    filename = export_filename(spec, fmt)
    if fmt == "csv":
        chunks = csv_chunks(export.header, export.rows())
        return streaming_response(chunks, filename=filename, content_type=CSV)
    chunks = xlsx_chunks(
        export.header,
        export.rows(),
        sheet_title=str(spec.case_title),
        widths=export.widths,
        freeze="B2",
    )
    return streaming_response(chunks, filename=filename, content_type=XLSX)
