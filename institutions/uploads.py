"""The two uploads of 单位注册: the stamped 《单位注册信息登记表》 and the legal-entity certificate.

A file is judged by what it is, never by its name: a PDF must start with ``%PDF-``, be
opened and page-counted by pypdf (encrypted or unreadable files are refused) and carry no
script, action or embedded file (``check_pdf``, which the 附件4 upload uses too), and is
stored byte for byte; an image must decode (``accounts.uploads.reencode_image``) and is
stored re-encoded from its pixels alone. Every stored file gets a random name; what was
stored is described by a ``StoredUpload``.
"""

import hashlib
import io
import logging
import re
import uuid
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

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
    pages = check_pdf(data)
    return StoredUpload(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
        kind=FileKind.PDF,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
    )


def check_pdf(data):
    """The number of pages of the PDF ``data``; ``ValidationError`` when it is not a readable,
    unencrypted PDF of 1–``MAX_PDF_PAGES`` pages, or when it carries active content
    (``_active_content``: scripts, actions that run or fetch something, embedded files,
    XFA forms, media).

    The one check of every PDF upload (the stamped form here, the 附件4 scan in
    ``surveys.attachment4``): what passes is stored byte for byte, as scanned and signed.
    Parsing is bounded: no stream inflates past ``MAX_PDF_INFLATED_BYTES`` and object
    streams together stay within it; only object streams and cross-reference streams are
    inflated, never page contents or images.
    """
    unreadable = ValidationError(
        _("文件不是有效的PDF，或已损坏，请重新扫描或导出为PDF后上传，也可上传图片。"),
        code="pdf_invalid",
    )
    if not data.startswith(PDF_MAGIC):
        raise unreadable
    try:
        with apply_configuration(**_inflate_limits(MAX_PDF_INFLATED_BYTES)):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise ValidationError(
                    _("PDF文件已加密或设置了打开密码，请上传未加密的PDF。"), code="pdf_encrypted"
                )
            packed = _inflate_object_streams(reader)
            pages = len(reader.pages)
            active = _active_content(reader, data, packed)
    except ValidationError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        OSError,
        RecursionError,
        AssertionError,
        AttributeError,
        IndexError,
        zlib.error,
    ) as error:
        logger.info("Refused an unreadable PDF: %s", error)
        raise unreadable from error
    if active:
        logger.info("Refused a PDF with active content: %s", active)
        raise ValidationError(
            _("PDF中含有脚本或嵌入文件，请重新扫描后上传。"), code="pdf_active_content"
        )
    if pages < 1:
        raise unreadable
    if pages > MAX_PDF_PAGES:
        raise ValidationError(
            _("PDF不能超过%(max)d页，请只上传盖章的登记表。"),
            code="pdf_pages",
            params={"max": MAX_PDF_PAGES},
        )
    return pages


# Active content -----------------------------------------------------------------------------
#
# A scanner writes pages of images; an office program adds fonts, text and links. Neither
# writes what is refused here, so it is refused wherever in the file it is, without asking
# whether a viewer would reach it.

# Keys that make a dictionary active: a script (/JS; the catalog's /JavaScript name tree),
# actions run on events (/AA), embedded files (/EmbeddedFiles name tree, /EF of a file
# specification), an XFA form (which carries its own scripts), RichMedia content.
ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/EmbeddedFiles",
        "/EF",
        "/XFA",
        "/RichMediaContent",
        "/RichMediaSettings",
    }
)
# Actions (/S) that run a script or a program, send or import data, open another file or
# an embedded one, or play media.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/GoTo3DView",
    }
)
# Object types and annotation subtypes that are a file, media or 3D content.
ACTIVE_TYPES = frozenset(
    {"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
)
# A link to one of these runs script in the browser or viewer that follows it.
SCRIPT_URI_SCHEMES = ("javascript:", "vbscript:", "data:")

# The raw scan: names refused as whole tokens, and names refused with anything after them.
RAW_ACTIVE_NAMES = ("JavaScript", "JS", "Launch", "XFA")
RAW_ACTIVE_PREFIXES = ("EmbeddedFile", "RichMedia")

# Object streams of a 10-page document hold kilobytes of dictionaries; 16 MB is far above
# that and bounds what a deflate bomb can make us hold.
MAX_PDF_INFLATED_BYTES = 16 * 1024 * 1024
# Entries of dictionaries and arrays visited; a 10-page document has a few thousand.
MAX_PDF_ENTRIES = 500_000
# How far after an object's offset its stream's data may start.
MAX_STREAM_DICTIONARY_BYTES = 64 * 1024


def _active_content(reader, data, packed):
    """What makes the PDF active (a short description for the log), or ``None``.

    Two checks, either refuses: every object pypdf reads (the trailer, each object of the
    cross-reference table, including those inside object streams, and all they refer to)
    is looked at for ``ACTIVE_KEYS``, ``ACTIVE_ACTIONS``, ``ACTIVE_TYPES`` and script URIs;
    then the raw bytes outside stream data, and the inflated object streams ``packed``,
    are scanned for the names ``RAW_ACTIVE_NAMES`` and ``RAW_ACTIVE_PREFIXES`` in any
    spelling (``/J#61vaScript`` is ``/JavaScript``), catching objects pypdf does not read
    but a more forgiving viewer might (left out of the cross-reference table, or in a
    dictionary pypdf stops reading at a syntax error).
    """
    found = _active_object(reader)
    if found:
        return found
    for text in (_without_stream_data(reader, data), *packed):
        match = _RAW_ACTIVE_NAME.search(text)
        if match:
            return f"name {match.group().decode('latin-1')}"
    return None


def _inflate_limits(limit):
    return {
        "zlib_maximum_output_length": limit,
        "lzw_maximum_output_length": limit,
        "run_length_maximum_output_length": limit,
        "brotli_maximum_output_length": limit,
        "array_based_stream_maximum_output_length": limit,
        "image_maximum_buffer_size": limit,
    }


def _inflate_object_streams(reader):
    """The inflated content of every object stream the cross-reference table points into,
    together at most ``MAX_PDF_INFLATED_BYTES`` (``LimitReachedError`` otherwise). pypdf
    keeps what it inflated, so the objects are later read from these very bytes."""
    remaining = MAX_PDF_INFLATED_BYTES
    contents = []
    for number in sorted({stream for stream, _index in reader.xref_objStm.values()}):
        stream = reader.get_object(number)
        if not isinstance(stream, StreamObject):
            continue
        if remaining <= 0:
            raise LimitReachedError("object streams inflate past MAX_PDF_INFLATED_BYTES")
        with apply_configuration(**_inflate_limits(remaining)):
            content = stream.get_data()
        remaining -= len(content)
        contents.append(content)
    return contents


def _active_object(reader):
    pending = [reader.trailer]
    pending += [
        IndirectObject(number, generation, reader)
        for generation, table in reader.xref.items()
        for number in table
    ]
    pending += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    seen = set()
    budget = MAX_PDF_ENTRIES
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            found = _active_entry(node)
            if found:
                return found
            children = list(dict.values(node))
        elif isinstance(node, ArrayObject):
            children = list(node)
        else:
            continue
        budget -= len(children) + 1
        if budget < 0:
            raise LimitReachedError("more than MAX_PDF_ENTRIES dictionary and array entries")
        pending.extend(
            child
            for child in children
            if isinstance(child, IndirectObject | DictionaryObject | ArrayObject)
        )
    return None


def _active_entry(dictionary):
    for key in dictionary:
        if key in ACTIVE_KEYS:
            return f"key {key}"
    action = _resolved(dictionary, "/S")
    if action in ACTIVE_ACTIONS:
        return f"action {action}"
    if action == "/URI" and _is_script_uri(_resolved(dictionary, "/URI")):
        return "script URI"
    for key in ("/Type", "/Subtype"):
        kind = _resolved(dictionary, key)
        if kind in ACTIVE_TYPES:
            return f"{key} {kind}"
    return None


def _resolved(dictionary, key):
    value = dictionary.get(key)
    return value.get_object() if value is not None else None


def _is_script_uri(uri):
    if isinstance(uri, bytes):
        uri = uri.decode("latin-1")
    if not isinstance(uri, str):
        return False
    # Browsers drop control characters and white space inside a scheme ("java\tscript:").
    squeezed = "".join(char for char in uri if char > " ").lower()
    return squeezed.startswith(SCRIPT_URI_SCHEMES)


_STREAM_START = re.compile(rb">>[\x00\t\n\x0c\r ]*stream *(?:\r\n|\n|\r)")


def _without_stream_data(reader, data):
    """``data`` with the data of each stream object pypdf read blanked out (NUL, which is
    white space to a PDF reader).

    Image and font data is binary: random bytes spell ``/JS`` and a delimiter about once
    in 270 MB, so a name scan that read it would refuse one 10 MB scan in thirty. Blanked
    is what lies between the ``stream`` keyword after the object's dictionary and the first
    ``endstream`` after it: never more than pypdf itself took for the stream's data (it
    reads ``/Length`` bytes and, when they do not end at ``endstream``, up to the first).
    """
    text = bytearray(data)
    covered = 0
    for offset, number, generation in sorted(
        (offset, number, generation)
        for generation, table in reader.xref.items()
        for number, offset in table.items()
    ):
        if offset < covered:
            continue
        if not isinstance(
            reader.get_object(IndirectObject(number, generation, reader)), StreamObject
        ):
            continue
        start = _STREAM_START.search(data, offset, offset + MAX_STREAM_DICTIONARY_BYTES)
        end = data.find(b"endstream", start.end()) if start else -1
        if end == -1:
            continue
        text[start.end() : end] = bytes(end - start.end())
        covered = end
    return text


def _spelled(name):
    """A pattern of ``name`` with any of its characters written as ``#xx``."""
    parts = []
    for char in name:
        digits = "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{ord(char):02x}")
        parts.append(f"(?:{re.escape(char)}|#{digits})")
    return "".join(parts)


_WHOLE_NAMES = "|".join(_spelled(name) for name in RAW_ACTIVE_NAMES)
_PREFIXES = "|".join(_spelled(name) for name in RAW_ACTIVE_PREFIXES)
# A whole name ends at white space, a delimiter or the end of the data.
_RAW_ACTIVE_NAME = re.compile(
    rf"/(?:(?:{_WHOLE_NAMES})(?=[\x00\t\n\x0c\r ()<>\[\]{{}}/%]|\Z)|(?:{_PREFIXES}))".encode()
)
