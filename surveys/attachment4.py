"""附件4 (扫描版): the printed 总表, signed and stamped, scanned and uploaded.

The print sheet is built from the report's edition (``print_sheet``); an upload is judged by
what the files are, never by their names: every image must decode and is stored re-encoded
without metadata (``accounts.uploads.reencode_image``), a PDF must open and be page-counted
by pypdf and carry no script, action or embedded file (``institutions.uploads.check_pdf``),
and is stored byte for byte. An upload replaces the whole current
set; the replaced rows and their files are kept. Each scan records the ``survey_version``
of the 总表 it was uploaded for and is stale once the 总表 changes.

``scan_response`` sends a stored file with the headers that keep it inert; the hospital's
view and the auditors' admin both use it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from accounts.uploads import reencode_image
from institutions.region_names import printed_parts
from institutions.uploads import PDF_MAGIC, check_pdf
from registry.downloads import stored_file_response

from .editions import get_edition
from .editions.base import Edition, Item
from .editions.validation import validate_values
from .models import BasicInfo, Report, ReportScan, ScanKind
from .reports import ReportError, locked_for_change

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
# Every file at its limit, plus the CSRF token and the multipart framing.
MAX_REQUEST_BYTES = MAX_FILES * MAX_FILE_BYTES + 64 * 1024
# What the file picker offers; files are judged only by their content.
ACCEPT = ".pdf,.jpg,.jpeg,.png,.bmp,.gif"

CONTENT_TYPES = {
    ScanKind.JPEG: "image/jpeg",
    ScanKind.PNG: "image/png",
    ScanKind.PDF: "application/pdf",
}
EXTENSIONS = {ScanKind.JPEG: "jpg", ScanKind.PNG: "png", ScanKind.PDF: "pdf"}

# A scan shows the 总表: there is nothing to scan before it is saved.
NO_SURVEY = gettext_lazy("总表尚未填写：请先在线填写调查表并保存，再打印附件4签字盖章后上传。")


class ScanRefused(ReportError):
    """An upload refused as a whole; ``messages`` says what is wrong with which file."""

    def __init__(self, messages):
        messages = [str(message) for message in messages]
        super().__init__(messages[0])
        self.messages = messages


def too_many_message(count: int | None = None) -> str:
    text = _("一次最多上传%(max)d个文件") % {"max": MAX_FILES}
    if count is not None:
        text += _("，您选择了%(count)d个") % {"count": count}
    return text + _("。请把附件4扫描为一个PDF，或只上传签字盖章的各页。")


def too_large_message() -> str:
    return _(
        "文件过大：每个文件不能超过%(mb)dMB，一次最多上传%(max)d个文件，请压缩后重新上传。"
    ) % {"mb": MAX_FILE_BYTES // (1024 * 1024), "max": MAX_FILES}


# The print sheet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A column band of the 2018 two-level header: ``title`` over ``items``; a band
    without a title is one item whose label spans both header rows."""

    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Filled:
    """One filled optional item of the print sheet."""

    code: str
    label: str
    value: str
    unit: str


@dataclass(frozen=True)
class FilledPart:
    """Filled items in a row: those of one heading (e.g. 颈动脉内膜剥脱术（CEA）) together,
    or one item without a heading."""

    heading: str
    items: tuple[Filled, ...]


@dataclass(frozen=True)
class FilledGroup:
    title: str
    parts: tuple[FilledPart, ...]


def band_title(edition: Edition, item: Item) -> str:
    """A diagnosis item's heading; a treatment item's group title; none for an item of the
    first group without a heading (it stands alone, as 神经科出院患者总例数 does)."""
    if item.heading:
        return str(item.heading)
    if item.group == edition.groups[0].code:
        return ""
    return str(edition.group(item.group).title)


def _bands(edition: Edition, items) -> list[Band]:
    bands: list[Band] = []
    for item in items:
        title = band_title(edition, item)
        if title and bands and bands[-1].title == title:
            bands[-1] = Band(title, (*bands[-1].items, item))
        else:
            bands.append(Band(title, (item,)))
    return bands


def print_tables(edition: Edition) -> tuple[list[Band], list[Band]]:
    """The two tables of the 2018 附件4, made of the items that have a 2018 Excel column:
    the diagnoses (items with a heading); then the treatment groups, and last the items
    that stand alone (神经科出院患者总例数)."""
    columns = [item for item in edition.items if item.excel_column]
    diagnoses = [item for item in columns if item.heading]
    rest = [item for item in columns if not item.heading]
    treatments = [item for item in rest if band_title(edition, item)]
    alone = [item for item in rest if not band_title(edition, item)]
    return _bands(edition, diagnoses), _bands(edition, [*treatments, *alone])


def filled_optional(edition: Edition, values) -> list[FilledGroup]:
    """补充项目（选填）: the filled items that have no 2018 column, by group, the items of
    one heading together. Blank is not 0: only items with a value are shown."""
    groups = []
    for group in edition.groups:
        parts: list[FilledPart] = []
        for item in group.items:
            value = values.get(item.code)
            if item.excel_column or value is None:
                continue
            shown = edition.display(item, value)
            filled = Filled(item.code, str(item.label), shown, str(item.unit))
            heading = str(item.heading)
            if heading and parts and parts[-1].heading == heading:
                parts[-1] = FilledPart(heading, (*parts[-1].items, filled))
            else:
                parts.append(FilledPart(heading, (filled,)))
        if parts:
            groups.append(FilledGroup(str(group.short_title or group.title), tuple(parts)))
    return groups


def region_parts(basic_info: BasicInfo) -> tuple[str, str, str]:
    """省份, 市, 县（区） of the hospital as printed (北京市 / 市辖区 / 东城区): the name kept
    in 基本信息, split by ``institutions.region_names.printed_parts``."""
    return printed_parts(basic_info.region, basic_info.region_name)


@dataclass(frozen=True)
class Sheet:
    """What the 附件4 print page shows: ``tables`` are the two tables, each a list of
    ``(band, [(item, shown value), ...])``."""

    edition: Edition
    basic_info: BasicInfo | None
    region: tuple[str, str, str]
    year: str
    tables: list[list[tuple[Band, list[tuple[Item, str]]]]]
    optional: list[FilledGroup]
    problem: str | None


def print_sheet(report: Report) -> Sheet:
    """The filled 总表 in the 2018 附件4 layout; ``problem`` says why it cannot be printed
    yet (no 基本信息, 总表 not saved, 总表 with errors)."""
    edition = get_edition(report.edition)
    values = report.values or {}
    basic_info = (
        BasicInfo.objects.select_related("region__parent__parent")
        .filter(institution_id=report.institution_id)
        .first()
    )
    problem = None
    if basic_info is None:
        problem = _("请先在“脑血管病登记”页面填写并保存本单位的基本信息，再打印附件4。")
    elif not values:
        problem = _("总表尚未填写，请先在线填写调查表并保存，再打印附件4。")
    else:
        errors = validate_values(edition, values).errors
        if errors:
            problem = _("总表有%(count)s项未填或有误，请先打开总表修改并保存，再打印附件4。") % {
                "count": len(errors)
            }
    tables = [
        [
            (band, [(item, edition.display(item, values.get(item.code))) for item in band.items])
            for band in table
        ]
        for table in print_tables(edition)
    ]
    return Sheet(
        edition=edition,
        basic_info=basic_info,
        region=region_parts(basic_info) if basic_info else ("", "", ""),
        year=_("%(year)s年") % {"year": report.data_year},
        tables=tables,
        optional=filled_optional(edition, values),
        problem=problem,
    )


# Scans --------------------------------------------------------------------------------------


def current_scans(report: Report) -> list[ReportScan]:
    return list(report.scans.current().select_related("uploaded_by"))


def is_stale(report: Report, scans) -> bool:
    """The 总表 changed after (some of) ``scans`` were uploaded."""
    return any(scan.survey_version != report.survey_version for scan in scans)


def replaced_uploads(report: Report) -> list[list[ReportScan]]:
    """Earlier uploads, newest first, each as the list of its files."""
    uploads: dict = {}
    rows = report.scans.filter(replaced_at__isnull=False).select_related("uploaded_by")
    for scan in rows.order_by("-replaced_at", "position", "id"):
        uploads.setdefault(scan.replaced_at, []).append(scan)
    return list(uploads.values())


@dataclass(frozen=True)
class CheckedFile:
    content: ContentFile
    kind: str
    pages: int
    sha256: str


def _file_label(index: int, uploaded) -> str:
    name = (getattr(uploaded, "name", "") or "")[:60]
    return _("第%(n)d个文件“%(name)s”") % {"n": index, "name": name}


def _check_pdf(uploaded) -> CheckedFile:
    uploaded.seek(0)
    data = uploaded.read()
    try:
        pages = check_pdf(data)
    except ValidationError as error:
        if error.code == "pdf_pages":
            raise ValidationError(
                _("PDF页数过多，请只上传签字盖章的附件4。"), code="pdf_pages"
            ) from error
        raise
    return CheckedFile(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
        kind=ScanKind.PDF,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _check_image(uploaded) -> CheckedFile:
    content = reencode_image(uploaded, max_bytes=MAX_FILE_BYTES)
    data = content.read()
    content.seek(0)
    kind = ScanKind.PNG if content.name.endswith(".png") else ScanKind.JPEG
    return CheckedFile(content=content, kind=kind, pages=1, sha256=hashlib.sha256(data).hexdigest())


def _is_pdf(uploaded) -> bool:
    """A PDF by its content, or a file named .pdf (so a broken one is called a bad PDF)."""
    uploaded.seek(0)
    head = uploaded.read(len(PDF_MAGIC))
    uploaded.seek(0)
    return head == PDF_MAGIC or (uploaded.name or "").lower().endswith(".pdf")


def check_files(files) -> list[CheckedFile]:
    """Decode every file; ``ScanRefused`` listing each problem when any file is refused.

    Accepted: 1–10 page images (jpg/jpeg/png/bmp/gif) or one PDF, each ≤ 10 MB."""
    files = list(files)
    if not files:
        raise ScanRefused([_("请选择要上传的附件4扫描件（图片或PDF）。")])
    if len(files) > MAX_FILES:
        raise ScanRefused([too_many_message(len(files))])
    pdfs = [uploaded for uploaded in files if _is_pdf(uploaded)]
    if len(pdfs) > 1:
        raise ScanRefused([_("只能上传一个PDF文件：请把附件4扫描为一个PDF，或上传各页的图片。")])
    if pdfs and len(files) > 1:
        raise ScanRefused([_("PDF不能与图片一起上传：请上传一个PDF，或者只上传各页的图片。")])
    problems, checked = [], []
    for index, uploaded in enumerate(files, start=1):
        try:
            if uploaded.size > MAX_FILE_BYTES:
                raise ValidationError(too_large_message(), code="file_too_large")
            checked.append(_check_pdf(uploaded) if pdfs else _check_image(uploaded))
        except ValidationError as error:
            text = "；".join(error.messages)
            problems.append(f"{_file_label(index, uploaded)}：{text}")
    if problems:
        raise ScanRefused(problems)
    return checked


def _check_quota(institution_id, new_bytes: int) -> None:
    """Every 附件4 file an institution ever uploaded is kept (a replaced scan too), so its
    storage is capped: ``UPLOAD_QUOTA_MB_PER_INSTITUTION`` in all."""
    quota = settings.UPLOAD_QUOTA_MB_PER_INSTITUTION * 1024 * 1024
    used = (
        ReportScan.objects.filter(report__institution_id=institution_id).aggregate(
            used=Sum("size")
        )["used"]
        or 0
    )
    if used + new_bytes > quota:
        raise ScanRefused(
            [
                _(
                    "本单位上传的文件已达%(mb)dMB的存储上限，无法再上传。"
                    "请联系审核员（国家或所在省脑卒中防治工程办公室）清理或提高上限。"
                )
                % {"mb": settings.UPLOAD_QUOTA_MB_PER_INSTITUTION}
            ]
        )


def replace_scans(report: Report, files, user) -> list[ReportScan]:
    """Upload 附件4: check every file, then, under the report's row lock and only while
    the report may be changed, mark the current scans replaced and store the new ones for
    the report's current ``survey_version``. Nothing is stored when anything is refused."""
    if not report.values:
        raise ReportError(str(NO_SURVEY))
    checked = check_files(files)
    stored = []
    try:
        with transaction.atomic():
            fresh = locked_for_change(report)
            if not fresh.values:
                raise ReportError(str(NO_SURVEY))
            _check_quota(fresh.institution_id, sum(item.content.size for item in checked))
            now = timezone.now()
            fresh.scans.current().update(replaced_at=now)
            scans = []
            for position, item in enumerate(checked, start=1):
                scan = ReportScan(
                    report=fresh,
                    kind=item.kind,
                    position=position,
                    pages=item.pages,
                    size=item.content.size,
                    sha256=item.sha256,
                    survey_version=fresh.survey_version,
                    uploaded_by=user,
                )
                scan.file.save(item.content.name, item.content, save=False)
                stored.append(scan.file.name)
                scan.save()
                scans.append(scan)
            audit.record(
                None, audit.Action.UPLOAD, obj=fresh, user=user, kind="attachment4",
                sha256=[scan.sha256 for scan in scans],
            )  # fmt: skip
    except Exception:
        # The rows are rolled back; the files written so far must not stay behind.
        for name in stored:
            try:
                ReportScan._meta.get_field("file").storage.delete(name)
            except OSError:
                logger.warning("Could not delete the orphaned 附件4 file %s", name)
        raise
    return scans


# Serving ------------------------------------------------------------------------------------


def scan_filename(scan: ReportScan) -> str:
    """An ASCII name that says what the file is: year, institution id, page, scan id, e.g.
    ``attachment4-2025-12-p1-345.jpg``."""
    report = scan.report
    return (
        f"attachment4-{report.data_year}-{report.institution_id}-p{scan.position}"
        f"-{scan.pk}.{EXTENSIONS[scan.kind]}"
    )


def scan_response(scan: ReportScan):
    """The stored file of ``scan`` as a safe download (``registry.downloads``). The caller
    checks who may see it; a missing file is a 404."""
    content_type = CONTENT_TYPES.get(scan.kind)
    if content_type is None:
        raise Http404
    return stored_file_response(scan.file, content_type, scan_filename(scan))
