"""The two uploads of 单位注册: the stamped 《单位注册信息登记表》 and the legal-entity certificate.

A file is judged by what it is, never by its name: a PDF must start with ``%PDF-`` and be
opened and page-counted by pypdf (encrypted or unreadable files are refused); an image must
decode (``accounts.uploads.reencode_image``) and is stored re-encoded. Every stored file gets
a random name; what was stored is described by a ``StoredUpload``.
"""

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from accounts.uploads import reencode_image

from .models import InstitutionApplication

logger = logging.getLogger(__name__)

MAX_FORM_BYTES = 10 * 1024 * 1024
MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
# A one-page form; a few pages leave room for a scan with an attachment, no more.
MAX_PDF_PAGES = 10
PDF_MAGIC = b"%PDF-"

FileKind = InstitutionApplication.FileKind


@dataclass(frozen=True)
class StoredUpload:
    content: ContentFile
    kind: str
    sha256: str
    pages: int = 0


def stamped_form_upload(uploaded):
    """The stamped form as a PDF (≤ 10 MB) or an image (≤ 10 MB, re-encoded)."""
    uploaded.seek(0)
    if uploaded.read(len(PDF_MAGIC)) == PDF_MAGIC:
        return _pdf_upload(uploaded)
    return _image_upload(uploaded, max_bytes=MAX_FORM_BYTES)


def certificate_upload(uploaded):
    """The 事业单位法人证书 (or other legal-entity certificate) photo, ≤ 5 MB, re-encoded."""
    return _image_upload(uploaded, max_bytes=MAX_CERTIFICATE_BYTES)


def _image_upload(uploaded, *, max_bytes):
    content = reencode_image(uploaded, max_bytes=max_bytes)
    data = content.read()
    content.seek(0)
    kind = FileKind.PNG if content.name.endswith(".png") else FileKind.JPEG
    return StoredUpload(content=content, kind=kind, sha256=hashlib.sha256(data).hexdigest())


def _pdf_upload(uploaded):
    if uploaded.size > MAX_FORM_BYTES:
        raise ValidationError(
            _("文件大小不能超过%(mb)dMB，请压缩后重新上传。"),
            code="file_too_large",
            params={"mb": MAX_FORM_BYTES // (1024 * 1024)},
        )
    uploaded.seek(0)
    data = uploaded.read()
    pages = count_pdf_pages(data)
    return StoredUpload(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
        kind=FileKind.PDF,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
    )


def count_pdf_pages(data):
    """The number of pages of the PDF ``data``; ``ValidationError`` when it is not a readable,
    unencrypted PDF of 1–``MAX_PDF_PAGES`` pages."""
    unreadable = ValidationError(
        _("文件不是有效的PDF，或已损坏，请重新扫描或导出为PDF后上传，也可上传图片。"),
        code="pdf_invalid",
    )
    if not data.startswith(PDF_MAGIC):
        raise unreadable
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("PDF文件已加密或设置了打开密码，请上传未加密的PDF。"), code="pdf_encrypted"
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        logger.info("Refused an unreadable PDF: %s", error)
        raise unreadable from error
    if pages < 1:
        raise unreadable
    if pages > MAX_PDF_PAGES:
        raise ValidationError(
            _("PDF不能超过%(max)d页，请只上传盖章的登记表。"),
            code="pdf_pages",
            params={"max": MAX_PDF_PAGES},
        )
    return pages
