"""Opening a workbook: the one guard for every workbook the platform opens — an upload of a
template (``check_container``, ``open_workbook``) and the old platform's .xls/.xlsx exports
(``read_sheets``, 绑定既往数据). Hostile or foreign files are refused before any parser sees
them; then python-calamine reads them (nothing in a file is evaluated).

The checks on an upload (security-checklist A5.1–5.3): size, zip signature, an encrypted
(password-protected) file, which is an OLE compound file and not a zip at all, macros and
external links; then ``archives.scan_workbook`` inflates every part in bounded
chunks, counting the bytes it produces whatever the zip's headers claim (zip bombs, lying
headers), refuses DTDs and entity declarations (XML entity expansion) and value cells beyond
the sheet size we accept (a sheet whose one value sits at XFD1048576 would make a reader
allocate the whole grid; styled empty rows below the data cost nothing and are allowed).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .archives import ArchiveRefused, Scan, SheetLimits, scan_workbook, scan_xls
from .layout import (
    MAX_CASE_ROWS,
    META_SHEET,
    PROP_ID,
    PROP_VERSION,
    PROP_YEAR,
    TEMPLATE_IDS,
    attachment_name,
    template_version,
    too_many_cases,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# Value cells: the case rows a template offers and a margin for header rows and stray notes;
# cells that run on past them are a file over MAX_CASE_ROWS cases, and are told so.
SHEET_LIMITS = SheetLimits(rows=MAX_CASE_ROWS + 1_000, overflow_message=lazy(too_many_cases, str)())
MAX_SHEET_ROWS = SHEET_LIMITS.rows

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")

LATEST = _("请下载最新模板")


class WorkbookError(Exception):
    """A file that cannot be read as a workbook; ``message`` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class UploadRefused(WorkbookError):
    """A file refused as a whole (hostile, unreadable, or not our latest template)."""


def latest_template_message(reason: str) -> str:
    return _("%(reason)s请下载最新模板，填写后重新上传。") % {"reason": reason}


def check_size(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            _("文件过大：不能超过%(mb)sMB。请删除多余的工作表或空白行后重新上传。")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise UploadRefused(_("文件是空的，请选择填写好的Excel文件。"))


def _refuse_not_xlsx(data: bytes) -> None:
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise UploadRefused(
                _("文件设置了打开密码（已加密），无法读取。请在Excel中取消密码保护后重新上传。")
            )
        raise UploadRefused(
            latest_template_message(_("这是旧版Excel（.xls）文件，不是本平台的模板。"))
        )
    if not data.startswith(ZIP_MAGIC):
        raise UploadRefused(
            _(
                "文件不是Excel工作簿（.xlsx），可能是改了扩展名的其他文件。请上传从本平台下载的模板。"
            )
        )


def _check_names(names: list[str]) -> None:
    present = set(names)
    if "[Content_Types].xml" not in present or "xl/workbook.xml" not in present:
        raise UploadRefused(
            _(
                "文件不是Excel工作簿（.xlsx），可能是改了扩展名的其他文件。请上传从本平台下载的模板。"
            )
        )
    lowered = {name.lower() for name in names}
    if any(name.endswith("vbaproject.bin") for name in lowered):
        raise UploadRefused(MACROS)
    if any(name.startswith("xl/externallinks/") for name in lowered):
        raise UploadRefused(
            _("文件包含指向其他文件的外部链接，不能导入。请把数据粘贴为数值后重新上传。")
        )


MACROS = _("文件包含宏（.xlsm），出于安全原因不能导入。请在本平台下载模板，只填写数据后上传。")


def check_container(data: bytes) -> Scan:
    """Everything refused before a parser runs (``UploadRefused`` with a Chinese reason):
    not an .xlsx, macros, external links, and whatever ``archives.scan_workbook``
    refuses — every part inflated in bounded chunks whatever its headers say, no DTD,
    value cells within ``SHEET_LIMITS``."""
    check_size(len(data))
    _refuse_not_xlsx(data)
    try:
        scan = scan_workbook(
            data, max_unpacked=MAX_UNPACKED_BYTES, limits=SHEET_LIMITS, check_names=_check_names
        )
    except ArchiveRefused as refused:
        raise UploadRefused(refused.message) from None
    if b"macroenabled" in scan.content_types.lower():
        raise UploadRefused(MACROS)
    return scan


@dataclass(frozen=True)
class TemplateMark:
    template_id: str
    version: str
    data_year: int | None


_PROPERTY = re.compile(
    rb'<property\b[^>]*\bname="([^"]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>', re.S
)


def _custom_properties(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "docProps/custom.xml" not in archive.namelist():
            return {}
        xml = archive.read("docProps/custom.xml")
    return {k.decode(): v.decode().strip() for k, v in _PROPERTY.findall(xml)}


def _year(text) -> int | None:
    text = str(text or "").strip().removesuffix(".0")
    return int(text) if text.isdigit() else None


def template_mark(workbook: CalamineWorkbook, data: bytes) -> TemplateMark | None:
    """The id, version and data year the template carries (hidden sheet first, then the
    custom properties); ``None`` for a workbook that is not one of our templates."""
    if META_SHEET in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(META_SHEET).to_python(nrows=10)
        found = {str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and r[0]}
        if found.get("template_id"):
            return TemplateMark(
                found["template_id"], found.get("version", ""), _year(found.get("data_year"))
            )
    properties = _custom_properties(data)
    if properties.get(PROP_ID):
        return TemplateMark(
            properties[PROP_ID], properties.get(PROP_VERSION, ""), _year(properties.get(PROP_YEAR))
        )
    return None


def check_template(mark: TemplateMark | None, attachment: int, data_year: int) -> None:
    """Refuse an older, foreign or other-year template with "请下载最新模板"."""
    if mark is None or mark.template_id not in TEMPLATE_IDS.values():
        raise UploadRefused(
            latest_template_message(_("该文件不是本平台下载的模板（没有模板标识），无法导入。"))
        )
    if mark.template_id != TEMPLATE_IDS[attachment]:
        other = next(
            n for n, template_id in TEMPLATE_IDS.items() if template_id == mark.template_id
        )
        raise UploadRefused(
            _("该文件是%(other)s的模板，请在“上传%(other)s”处上传；或%(latest)s。")
            % {"other": attachment_name(other), "latest": LATEST}
        )
    if mark.version != template_version(attachment):
        raise UploadRefused(
            latest_template_message(
                _("模板版本已过期（文件为%(old)s版，最新为%(new)s版）。")
                % {"old": mark.version or "?", "new": template_version(attachment)}
            )
        )
    if mark.data_year != data_year:
        raise UploadRefused(
            latest_template_message(
                _("该模板属于%(old)s年度，当前填报的是%(year)s年度。")
                % {"old": mark.data_year or "?", "year": data_year}
            )
        )


def open_workbook(data: bytes, *, checked: bool = False) -> CalamineWorkbook:
    """``data`` read by calamine, after ``check_container`` unless ``checked`` says these
    very bytes passed it already (a kept upload whose SHA-256 still matches)."""
    if not checked:
        check_container(data)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as error:  # calamine may raise a Rust panic (a BaseException)
        if isinstance(error, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise UploadRefused(
            _("文件已损坏，无法读取。请用Excel或WPS打开后另存为.xlsx再上传。")
        ) from None


def sheet_rows(workbook: CalamineWorkbook, name: str) -> list[list]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        return sheet.to_python(skip_empty_area=False, nrows=MAX_SHEET_ROWS)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise UploadRefused(
            latest_template_message(_("找不到模板的数据工作表“%(name)s”（可能被改名或删除）。")
                                    % {"name": name})
        ) from None  # fmt: skip


# The old platform's exports (绑定既往数据) --------------------------------------------

# A 附件1 holds a row per hospital (a few thousand), a case file
# a hospital's cases; value cells beyond these are refused before calamine reads them.
LEGACY_MAX_UNPACKED = 100 * 1024 * 1024
LEGACY_SHEET_LIMITS = SheetLimits(rows=30_000)
LEGACY_MAX_ROWS = LEGACY_SHEET_LIMITS.rows
UNREADABLE = "文件已损坏或不是Excel文件，无法读取。"


def read_sheets(data: bytes) -> list[tuple[str, list[list]]]:
    """``[(sheet name, rows), ...]`` of a workbook; rows start at A1 (empty leading rows
    and columns kept, so row 4 is ``rows[3]``). ``WorkbookError`` if it cannot be read or
    ``archives`` refuses it (bounded inflation, value cells within ``LEGACY_SHEET_LIMITS``).
    Judged by content, never by the file's name: the reader guesses the format from the
    bytes too."""
    try:
        if data.startswith(ZIP_MAGIC):
            scan_workbook(
                data,
                max_unpacked=LEGACY_MAX_UNPACKED,
                limits=LEGACY_SHEET_LIMITS,
                check_names=_legacy_names,
            )
        elif data.startswith(OLE_MAGIC):
            scan_xls(data, limits=LEGACY_SHEET_LIMITS)
        else:
            raise WorkbookError(UNREADABLE)
    except ArchiveRefused as refused:
        raise WorkbookError(refused.message) from None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            sheets.append((name, sheet.to_python(skip_empty_area=False, nrows=LEGACY_MAX_ROWS)))
        return sheets
    except BaseException as error:  # calamine may raise a Rust panic (a BaseException)
        if isinstance(error, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise WorkbookError(UNREADABLE) from None


def _legacy_names(names: list[str]) -> None:
    if "xl/workbook.xml" not in names:  # an .ods or .xlsb: not a format of the export
        raise WorkbookError(UNREADABLE)
