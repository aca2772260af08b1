"""上传附件1/2/3: upload → preview → 确认导入, all or nothing.

``upload`` refuses a hostile or foreign file before anything is stored; any other file is
kept (an ``ImportBatch``, the audit record of the import: who, when, the file, its SHA-256,
its rows) and judged, so the preview, the annotated copy and the confirmation all read the
same bytes on the server. ``confirm`` re-reads the kept file inside one transaction with
the report row locked (``surveys.reports.locked_for_change``, as every change of a report),
judges it again against what the report holds now — two imports into one report run one after the
other, so they cannot both insert one 住院号 — and stores every case in bulk or none.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass
from operator import itemgetter
from uuid import uuid4

from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from casesets.intervals import interval_minutes
from casesets.models import ImportBatch, ImportStatus
from surveys.editions import CURRENT_EDITION, get_edition
from surveys.models import Report
from surveys.reports import (
    ReportError,
    current_data_year,
    lock_reason,
    locked_for_change,
    open_current_report,
    save_survey,
)

from .layout import CASE_SPECS, SURVEY
from .parsing import Parsed, parse_cases, parse_survey
from .reading import (
    UploadRefused,
    check_size,
    check_template,
    open_workbook,
    sheet_rows,
    template_mark,
)
from .writing import inert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    batch: ImportBatch
    parsed: Parsed
    replaces: list[tuple[str, object, object]]  # 附件1: (item, now, from the file)


def _existing_numbers(model, report_id) -> set[str]:
    return set(
        model.objects.alive().filter(report_id=report_id).values_list("admission_no", flat=True)
    )


def judge(
    data: bytes, attachment: int, report: Report, *, checked: bool = False
) -> tuple[Parsed, str]:
    """``(parsed, template version)`` of ``data`` for ``report``; ``UploadRefused`` when the
    file is hostile, unreadable or not the latest template of this attachment and year.
    ``checked``: ``data`` is a kept upload (``read_kept``), whose bytes passed the
    hostile-file checks when it was uploaded; they are not run again."""
    workbook = open_workbook(data, checked=checked)
    mark = template_mark(workbook, data)
    check_template(mark, attachment, report.data_year)
    if attachment == SURVEY:
        if report.edition != CURRENT_EDITION.id:
            raise UploadRefused(_("本报告的总表版本与模板不同，不能用模板导入。"))
        return parse_survey(workbook, data_year=report.data_year), mark.version
    spec = CASE_SPECS[attachment]
    parsed = parse_cases(
        workbook,
        attachment,
        data_year=report.data_year,
        existing=_existing_numbers(spec.model, report.pk),
        other_attachment=_existing_numbers(spec.other.model, report.pk),
    )
    return parsed, mark.version


def precheck(uploaded, attachment: int, data_year: int) -> None:
    """The checks that need no report (the file itself, the template and its year), for
    an upload that would otherwise create the year's report first."""
    check_size(uploaded.size or 0)
    data = uploaded.read()
    uploaded.seek(0)
    workbook = open_workbook(data)
    check_template(template_mark(workbook, data), attachment, data_year)


def start_upload(user, attachment: int, uploaded) -> ImportBatch:
    """开始上传 of 上传附件N: keep ``uploaded`` for the preview, on the user's report of the
    current data year — opened by this upload if the year has none yet, but only for a
    file that passes the checks needing no report (a refused file creates nothing, not even
    the year's report). ``ReportError`` or ``UploadRefused`` when refused."""
    year = current_data_year()
    report = Report.objects.visible_to(user).filter(data_year=year).first()
    if report is None:
        precheck(uploaded, attachment, year)
        report = open_current_report(user)
    return upload(report, attachment, uploaded, user)


def upload(report: Report, attachment: int, uploaded, user) -> ImportBatch:
    """开始上传: judge ``uploaded`` and keep it for the preview. Refused (``ReportError``
    or ``UploadRefused``, nothing stored) when the report is locked or the file is not one
    to read."""
    reason = lock_reason(report)
    if reason:
        raise ReportError(reason)
    check_size(uploaded.size or 0)
    data = uploaded.read()
    parsed, version = judge(data, attachment, report)
    batch = ImportBatch(
        report=report,
        attachment=attachment,
        original_name=(uploaded.name or "")[-255:],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        template_version=version,
        row_count=parsed.count if parsed.ok else 0,
        error_count=len(parsed.errors),
        status=ImportStatus.PREVIEWED if parsed.ok else ImportStatus.REFUSED,
        created_by=user,
    )
    batch.file.save("upload.xlsx", ContentFile(data), save=False)
    batch.save()
    return batch


def read_kept(batch: ImportBatch) -> bytes:
    """The kept file, the very bytes judged at upload (an upload refused as hostile is never
    kept); ``UploadRefused`` when they no longer match its SHA-256."""
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        # Issue 21 item 5: the media storage must be shared by every application server
        # (README, "Several application servers"); a node that cannot see the file says so.
        logger.error("Kept upload %s of import %s is missing from the media storage",
                     batch.file.name, batch.pk)  # fmt: skip
        raise UploadRefused(_("上传的文件已无法读取（服务器存储异常），请重新上传。")) from None
    if hashlib.sha256(data).hexdigest() != batch.sha256:
        raise UploadRefused(_("上传的文件已无法核对（与上传时不一致），请重新上传。"))
    return data


def _survey_changes(report: Report, values: dict) -> list[tuple[str, object, object]]:
    edition = get_edition(report.edition)
    current = report.values or {}
    return [
        (edition.name_of(code), current.get(code), values.get(code))
        for code in edition.codes
        if current.get(code) is not None and current.get(code) != values.get(code)
    ]


def preview(batch: ImportBatch) -> Preview:
    """What 确认导入 would do with the kept file now (against the report as stored now)."""
    batch.report.refresh_from_db()
    report = batch.report
    parsed, _version = judge(read_kept(batch), batch.attachment, report, checked=True)
    replaces = []
    if batch.attachment == SURVEY and parsed.ok:
        replaces = _survey_changes(report, parsed.survey_values)
    return Preview(batch, parsed, replaces)


def confirm_refusal(batch: ImportBatch, parsed: Parsed | None) -> str | None:
    """Why ``batch``, judged as ``parsed``, cannot be confirmed now, or ``None``: it waits for
    confirmation, its file has no errors and, for 附件2/3, at least one case (``parsed``
    ``None``: the first point only, before judging). The preview offers 确认导入 by it;
    ``confirm`` asks it again under the report lock."""
    if batch.status != ImportStatus.PREVIEWED:
        return _("该文件已处理过（%(status)s），请重新上传。") % {
            "status": batch.get_status_display()
        }
    if parsed is None:
        return None
    if not parsed.ok:
        return _(
            "文件中有%(n)s处错误（可能有同事刚导入或录入了相同的住院号），没有导入任何数据。"
            "请查看错误列表，修改后重新上传。"
        ) % {"n": len(parsed.errors)}
    if batch.attachment != SURVEY and not parsed.count:
        return _("文件中没有病例数据：0例无需导入。")
    return None


def confirm(batch: ImportBatch, user, *, warnings_confirmed=False, replace_confirmed=False):
    """确认导入: store the kept file's rows, all or nothing, under the report lock.

    Returns the stored count. ``ReportError`` when the report is locked, the batch is
    not waiting for confirmation, the file now has errors (e.g. a colleague imported the
    same 住院号 meanwhile), a warning is not confirmed, or 附件1 would replace values
    without ``replace_confirmed``.
    """
    data = read_kept(batch)
    with transaction.atomic():
        report = locked_for_change(batch.report)
        fresh = ImportBatch.objects.select_for_update().get(pk=batch.pk, report_id=report.pk)
        if reason := confirm_refusal(fresh, None):
            raise ReportError(reason)
        parsed, _version = judge(data, fresh.attachment, report, checked=True)
        if reason := confirm_refusal(fresh, parsed):
            raise ReportError(reason)
        if parsed.warnings and not warnings_confirmed:
            raise ReportError(
                _("请逐条核对提示，确认无误后勾选“已核对以上提示，数据无误”，再确认导入。")
            )
        if fresh.attachment == SURVEY:
            if _survey_changes(report, parsed.survey_values) and not replace_confirmed:
                raise ReportError(
                    _("总表中已有数据，导入会替换现有数值：请勾选“确认替换总表中的现有数值”。")
                )
            confirmed = [w.rule_id for w in parsed.warnings]
            save_survey(report, parsed.survey_values, confirmed, user)
            stored = 1
        else:
            stored = store_cases(report, fresh.attachment, parsed, user)
        fresh.status = ImportStatus.IMPORTED
        fresh.row_count = stored
        fresh.imported_at = timezone.now()
        fresh.imported_by = user
        fresh.save(update_fields=["status", "row_count", "imported_at", "imported_by"])
        # In the transaction: the audit row exists exactly when the rows were stored.
        audit.record(
            None,
            audit.Action.IMPORT,
            obj=fresh,
            user=user,
            attachment=fresh.attachment,
            batch=fresh.pk,
            sha256=fresh.sha256,
            rows=stored,
        )
    return stored


def store_cases(report: Report, attachment: int, parsed: Parsed, user) -> int:
    """Insert ``parsed.rows`` as cases of ``report`` in bulk (the caller holds the report
    lock and a transaction). One ``ImportBatch`` stands for them in the audit, in place of
    a history row per case."""
    model = CASE_SPECS[attachment].model
    warnings = parsed.warning_ids()
    if connection.vendor == "postgresql":
        _copy(model, report, user, parsed.rows, warnings)
        return len(parsed.rows)
    cases = []
    for row, values in parsed.rows:
        case = model(
            report=report,
            created_by=user,
            updated_by=user,
            confirmed_warnings=warnings.get(row, []),
            **values,
        )
        case.compute_intervals()
        cases.append(case)
    model.objects.bulk_create(cases, batch_size=1000)
    return len(cases)


def _copy(model, report: Report, user, rows, warnings: dict[int, list[str]]) -> None:
    """PostgreSQL COPY (about ten times faster than ``bulk_create``; stack-verification §3)
    of ``rows`` (Excel row → values), each column as ``model(report=report,
    created_by=user, updated_by=user, confirmed_warnings=…, **values)`` followed by
    ``compute_intervals()`` and ``save()`` would set it, without building the instances:
    the derived minutes from ``interval_minutes``, the timestamps set here, a missing
    field its default.

    Every row has the same fields (``CaseConverter`` reads every column of the sheet), so
    a row is one ``itemgetter`` over its values, then its intervals and its confirmed
    warnings, then the columns that are the same for every row. Values go to psycopg as
    they are (it adapts dates, times, decimals); a JSON value goes as its JSON text, which
    the text format of COPY hands to the column's own input."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    user_pk = user.pk if user is not None else None
    given = {"report": report.pk, "created_by": user_pk, "updated_by": user_pk}
    intervals = list(model.INTERVALS)
    interval_names = {i.name for i in intervals}
    present = rows[0][1].keys()
    from_file = [f for f in fields if f.name in present and f.name not in interval_names]
    constant = [
        f
        for f in fields
        if f not in from_file
        and f.name not in interval_names
        and f.name not in ("confirmed_warnings", "public_id")
    ]
    constants = []
    for f in constant:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constants.append(now)
        elif f.name in given:
            constants.append(given[f.name])
        elif isinstance(f, models.JSONField):
            constants.append(json.dumps(f.get_default()))
        else:
            constants.append(f.get_default())
    constants = tuple(constants)
    interval_fields = [model._meta.get_field(i.name) for i in intervals]
    warnings_field = model._meta.get_field("confirmed_warnings")
    public_id_field = model._meta.get_field("public_id")  # its own random value per row
    columns = [*from_file, *interval_fields, warnings_field, public_id_field, *constant]
    json_at = [i for i, f in enumerate(from_file) if isinstance(f, models.JSONField)]
    names = [f.name for f in from_file]
    read = itemgetter(*names) if len(names) > 1 else lambda values: (values[names[0]],)
    no_warnings = json.dumps([])
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in columns)}) FROM STDIN"
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        write_row = copy.write_row
        for row, values in rows:
            cells = read(values)
            if json_at:
                cells = list(cells)
                for i in json_at:
                    cells[i] = json.dumps(cells[i])
            confirmed = warnings.get(row)
            write_row((
                *cells,
                *[interval_minutes(i, values) for i in intervals],
                json.dumps(confirmed) if confirmed else no_warnings,
                uuid4(),
                *constants,
            ))  # fmt: skip


def annotated_name(batch: ImportBatch) -> str:
    stem = (batch.original_name or "upload.xlsx").rsplit(".", 1)[0] or "upload"
    return f"{stem}_错误标注.xlsx"


def annotated_copy(batch: ImportBatch) -> bytes:
    """The user's own workbook with every refused cell filled red and a comment giving the
    reason (a row-level error marks the row's first cell)."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    data = read_kept(batch)
    parsed, _version = judge(data, batch.attachment, batch.report, checked=True)
    workbook = load_workbook(io.BytesIO(data))
    _formulas_to_values(workbook, open_workbook(data, checked=True))
    sheet = workbook[parsed.sheet]
    red = PatternFill("solid", fgColor="FFFF0000")
    reasons: dict[str, list[str]] = {}
    for error in parsed.errors:
        reasons.setdefault(f"{error.letter or 'A'}{error.row}", []).append(error.reason)
    for coordinate, messages in reasons.items():
        cell = sheet[coordinate]
        cell.fill = red
        comment = Comment("\n".join(messages), _("中国脑血管病登记平台"))
        comment.width, comment.height = 300, 120
        cell.comment = comment
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _formulas_to_values(workbook, values) -> None:
    """Every formula cell of the user's ``workbook`` (openpyxl) replaced by the value its
    file holds for it (as calamine read it for the import, so the comments match what was
    judged) or, when it holds none, by the formula's text; written by ``inert``, so the
    annotated copy never hands back a live formula (``=HYPERLINK(…)``, DDE ``=cmd|…``)."""
    for sheet in workbook.worksheets:
        formulas = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
        if not formulas:
            continue
        try:
            rows = sheet_rows(values, sheet.title)
        except UploadRefused:
            rows = []
        for cell in formulas:
            r, c = cell.row - 1, cell.column - 1
            value = rows[r][c] if r < len(rows) and c < len(rows[r]) else ""
            if value == "":  # never calculated: the formula itself, as text
                value = getattr(cell.value, "text", None) or str(cell.value or "")
            inert(cell, value)
