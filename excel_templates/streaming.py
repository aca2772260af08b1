"""Exports that stream (issue 21 item 3): rows are written to the client as they are read,
so the first bytes leave at once and memory stays flat whatever the size.

- **CSV**: UTF-8 with a byte-order mark (Excel then opens the Chinese right), one header
  row, Beijing times as ``yyyy-mm-dd hh:mm``.
- **.xlsx**: a minimal SpreadsheetML package written as a zip stream — Python's ``zipfile``
  on a sink that cannot seek writes each part with a data descriptor, so nothing is held
  back until the end (openpyxl's write-only mode, by contrast, writes the sheet to a
  temporary file and zips it only when saved: the first byte leaves when the last row is
  written). Text is written as inline strings, numbers as numbers, times as Excel dates.
  A sheet holds at most 1,048,576 rows (Excel's limit) and stays under 2 GB uncompressed
  (no ZIP64 needed); more rows continue on the next sheet, headed again.

Both apply the one rule of ``writing``: text is cleaned of what XML cannot hold, and text
that starts like a formula is inert — the .xlsx cell gets Excel's quote prefix, exactly as
``writing.inert`` sets it, the CSV field a leading apostrophe (``writing.inert_text``).

Rows are sequences of ``None``, ``str``, ``int``, ``float``, ``Decimal``, ``bool`` (written
是/否), ``datetime.date``, ``datetime.datetime`` (aware ones in Beijing time, without the
offset: Excel has no time zones) and ``LocalMinute`` (a Beijing time the database already
wrote as text).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl.utils import get_column_letter

from registry import query_timeout

from .writing import FORMULA_TRIGGERS, clean_text, inert_text, looks_like_formula

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CSV_ROWS_PER_CHUNK = 2_000
XLSX_ROWS_PER_WRITE = 1_000
CHUNK_BYTES = 64 * 1024
EXCEL_MAX_ROWS = 1_048_576  # rows of one sheet, the header included
SHEET_MAX_BYTES = 1_800_000_000  # uncompressed sheet XML: under zip's 2 GiB without ZIP64
ZIP_LEVEL = 1  # fastest deflate: a sheet's XML still shrinks about tenfold

YES, NO = "是", "否"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
EXCEL_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()


class LocalMinute(str):
    """A Beijing time already as ``yyyy-mm-dd hh:mm`` text (read so from the database, which
    formats a million times faster than Python): written as it is to CSV, as an Excel date
    to .xlsx."""

    __slots__ = ()


def _local(moment: datetime.datetime, zone=None) -> datetime.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone or timezone.get_current_timezone()).replace(tzinfo=None)
    return moment


# CSV ----------------------------------------------------------------------------------------


def _csv_formats():
    zone = timezone.get_current_timezone()  # once: each lookup goes through a context var

    def moment(value):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d}"
        )

    return {
        str: inert_text,
        bool: lambda value: YES if value else NO,
        datetime.datetime: moment,
        datetime.date: datetime.date.isoformat,
    }


# What the csv module writes as it is: numbers, blanks (None), and text already formatted.
_CSV_AS_IS = frozenset({int, float, Decimal, type(None), LocalMinute})


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The CSV file of ``header`` and ``rows``, in chunks of a few thousand rows (the first
    chunk is the BOM and the header alone, sent before the first row is read)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([inert_text(str(title)) for title in header])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    formats, as_is = _csv_formats(), _CSV_AS_IS
    pending = 0
    for row in rows:
        writer.writerow(
            [
                value if (kind := type(value)) in as_is else formats.get(kind, str)(value)
                for value in row
            ]
        )
        pending += 1
        if pending == CSV_ROWS_PER_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode()


# .xlsx --------------------------------------------------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Cell styles (cellXfs of styles.xml, by position).
STYLE_HEADER, STYLE_QUOTED, STYLE_DATETIME, STYLE_DATE, STYLE_HEADER_QUOTED = 1, 2, 3, 4, 5
QUOTED = f' s="{STYLE_QUOTED}"'  # Excel's quote prefix: the cell is text, never a formula
STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
ROOT_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)

_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _xml_text(text: str) -> str:
    """Text for an inline string: XML-escaped, and Excel's own ``_xHHHH_`` escapes kept
    literal (Excel would otherwise read "_x0041_" as "A")."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text)
    return text


def _text_cell(ref: str, value: str, style: int = 0) -> str:
    value = clean_text(value)
    if looks_like_formula(value):
        style = STYLE_HEADER_QUOTED if style == STYLE_HEADER else STYLE_QUOTED
    attributes = f' s="{style}"' if style else ""
    return (
        f'<c r="{ref}"{attributes} t="inlineStr"><is><t xml:space="preserve">'
        f"{_xml_text(value)}</t></is></c>"
    )


def _serial(moment: datetime.datetime, zone) -> str:
    moment = _local(moment, zone)
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return repr(moment.toordinal() - EXCEL_EPOCH_ORDINAL + seconds / 86400)


class _Serials:
    """Excel dates of ``LocalMinute`` texts, from two small caches (the days seen and the
    1,440 minutes of a day) rather than parsing every time stamp."""

    def __init__(self):
        self.days: dict[str, int] = {}
        self.minutes: dict[str, float] = {}

    def __call__(self, text: str) -> str:
        day = self.days.get(text[:10])
        if day is None:
            date = datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
            day = self.days[text[:10]] = date.toordinal() - EXCEL_EPOCH_ORDINAL
        minute = self.minutes.get(text[11:16])
        if minute is None:
            minute = (int(text[11:13]) * 60 + int(text[14:16])) / 1440
            self.minutes[text[11:16]] = minute
        return repr(day + minute)


def _cells(letters: Sequence[str], number: int, row: Sequence, zone, serials) -> str:
    """One row of the sheet (a million of them: the common cases are written inline)."""
    parts = [f'<row r="{number}">']
    append = parts.append
    for letter, value in zip(letters, row, strict=False):
        kind = type(value)
        if kind is str:
            if not value:
                continue
            if not value.isprintable():
                value = clean_text(value)
            style = QUOTED if value.startswith(FORMULA_TRIGGERS) else ""
            if "&" in value or "<" in value or ">" in value or "_x" in value:
                value = _xml_text(value)
            append(
                f'<c r="{letter}{number}"{style} t="inlineStr"><is><t xml:space="preserve">'
                f"{value}</t></is></c>"
            )
        elif value is None:
            continue
        elif kind is int or kind is Decimal or kind is float:
            append(f'<c r="{letter}{number}"><v>{value}</v></c>')
        elif kind is LocalMinute:
            append(f'<c r="{letter}{number}" s="{STYLE_DATETIME}"><v>{serials(value)}</v></c>')
        elif kind is bool:
            append(_text_cell(f"{letter}{number}", YES if value else NO))
        elif kind is datetime.datetime:
            serial = _serial(value, zone)
            append(f'<c r="{letter}{number}" s="{STYLE_DATETIME}"><v>{serial}</v></c>')
        elif kind is datetime.date:
            serial = value.toordinal() - EXCEL_EPOCH_ORDINAL
            append(f'<c r="{letter}{number}" s="{STYLE_DATE}"><v>{serial}</v></c>')
        else:
            append(_text_cell(f"{letter}{number}", str(value)))
    append("</row>")
    return "".join(parts)


class _Sink(io.RawIOBase):
    """Where the zip is written: collects the bytes until the generator takes them. It
    cannot seek, so ``zipfile`` streams (local headers with data descriptors)."""

    def __init__(self):
        super().__init__()
        self._parts: list[bytes] = []
        self.pending = 0

    def writable(self):
        return True

    def write(self, data):
        data = bytes(data)
        self._parts.append(data)
        self.pending += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts, self.pending = [], 0
        return data


def _sheet_start(widths: Sequence[float | None], freeze: str) -> str:
    column, row = re.fullmatch(r"([A-Z]+)(\d+)", freeze).groups()
    x_split, y_split = _column_index(column) - 1, int(row) - 1
    pane = ""
    if x_split or y_split:
        active = "bottomRight" if x_split and y_split else ("bottomLeft" if y_split else "topRight")
        splits = (f' xSplit="{x_split}"' if x_split else "") + (
            f' ySplit="{y_split}"' if y_split else ""
        )
        pane = f'<pane{splits} topLeftCell="{freeze}" activePane="{active}" state="frozen"/>'
    cols = "".join(
        f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
        for index, width in enumerate(widths, start=1)
        if width
    )
    return (
        XML_HEAD + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


SHEET_END = "</sheetData></worksheet>"


def _sheet_names(title: str, count: int) -> list[str]:
    title = re.sub(r"[\[\]:*?/\\]", "", title)[:25] or "Sheet"
    return [title if n == 1 else f"{title} ({n})" for n in range(1, count + 1)]


def xlsx_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    widths: Sequence[float | None] = (),
    freeze: str = "A2",
) -> Iterator[bytes]:
    """The .xlsx file of ``header`` and ``rows`` as a stream of chunks of about 64 KB: the
    package's first parts and the start of the sheet before the first row is read."""
    zone, serials = timezone.get_current_timezone(), _Serials()
    sink = _Sink()
    package = zipfile.ZipFile(
        sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
    )
    package.writestr("_rels/.rels", ROOT_RELS)
    package.writestr("xl/styles.xml", STYLES)
    letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
    start = _sheet_start(widths, freeze).encode()
    header_row = (
        '<row r="1">'
        + "".join(
            _text_cell(f"{letter}1", str(title), STYLE_HEADER)
            for letter, title in zip(letters, header, strict=True)
        )
        + "</row>"
    ).encode()
    end = SHEET_END.encode()

    sheets = 1
    member = package.open("xl/worksheets/sheet1.xml", "w")
    member.write(start + header_row)
    number, written = 1, len(start) + len(header_row)
    yield sink.take()
    batch: list[str] = []
    for row in rows:
        if number == EXCEL_MAX_ROWS or written > SHEET_MAX_BYTES:
            if batch:
                data = "".join(batch).encode()
                member.write(data)
                batch = []
            member.write(end)
            member.close()
            sheets += 1
            member = package.open(f"xl/worksheets/sheet{sheets}.xml", "w")
            member.write(start + header_row)
            number, written = 1, len(start) + len(header_row)
        number += 1
        batch.append(_cells(letters, number, row, zone, serials))
        if len(batch) == XLSX_ROWS_PER_WRITE:
            data = "".join(batch).encode()
            member.write(data)
            written += len(data)
            batch = []
            if sink.pending >= CHUNK_BYTES:
                yield sink.take()
    if batch:
        member.write("".join(batch).encode())
    member.write(end)
    member.close()

    names = _sheet_names(sheet_title, sheets)
    sheet_list = "".join(
        f'<sheet name="{_xml_text(name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    package.writestr(
        "xl/workbook.xml",
        XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheet_list}</sheets></workbook>",
    )
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    package.writestr(
        "xl/_rels/workbook.xml.rels",
        XML_HEAD + f'<Relationships xmlns="{PKG_REL_NS}">{relations}'
        f'<Relationship Id="rId{sheets + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>",
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    # Last, as openpyxl writes it too: it lists the sheets, known only now.
    package.writestr(
        "[Content_Types].xml",
        XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
    package.close()
    yield sink.take()


# Responses -------------------------------------------------------------------------------------


def _read_unbounded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    # The rows are read after the view has returned, in bounded chunks: without the
    # statement timeout of the page views (registry.query_timeout), so that a busy database
    # slows an export down instead of cutting its file off half-way.
    query_timeout.lift()
    yield from chunks


def streaming_response(chunks: Iterator[bytes], *, filename: str, content_type: str):
    """A download of ``chunks`` as they come (no Content-Length; nothing buffered by Django;
    ``X-Accel-Buffering: no`` asks nginx to pass the chunks on as they arrive)."""
    response = StreamingHttpResponse(_read_unbounded(chunks), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-store"
    return response
