"""Uploads that carry more than the picture: PDFs with active content (scripts, actions,
embedded files) and images with metadata; the inert PDFs a scanner or an office program
makes, which must still be accepted; and walkers that list what a stored JPEG or PNG holds.

pypdf writes most of the PDFs; what it cannot write (a hex-escaped name, an object stream,
an object left out of the cross-reference table) is assembled by hand here.
"""

import io
import random
import zlib

from PIL import Image, ImageCms
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

SCRIPT = "app.alert('hello');"

# PDFs assembled by hand --------------------------------------------------------------------


def pdf_stream(data, entries=b""):
    """The body of a stream object holding ``data`` as is."""
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def assemble_pdf(objects, *, orphans=()):
    """A PDF whose objects 1, 2, … have the bodies ``objects`` (object 1 is the catalog),
    indexed by a classic xref table. ``orphans`` are written into the file after them but
    left out of the table: pypdf does not see them, a viewer that rebuilds the table does."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    for number, body in enumerate(orphans, start=len(objects) + 1):
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def assemble_pdf_with_object_stream(objects, packed, *, padding=0):
    """Like ``assemble_pdf``, but the objects ``packed`` (numbered after ``objects``) are
    stored inside one Flate-compressed object stream (/Type /ObjStm), followed there by
    ``padding`` NUL bytes (white space to a PDF reader), and a cross-reference stream
    indexes everything."""
    first_packed = len(objects) + 1
    stream_number = first_packed + len(packed)
    xref_number = stream_number + 1

    header, body = [], b""
    for index, obj in enumerate(packed):
        header.append(b"%d %d" % (first_packed + index, len(body)))
        body += obj + b"\n"
    header = b" ".join(header) + b"\n"
    content = zlib.compress(header + body + bytes(padding))
    entries = b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(packed), len(header))

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for number, obj in enumerate(objects, start=1):
        rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00")
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    for index in range(len(packed)):
        rows.append(b"\x02" + stream_number.to_bytes(4, "big") + index.to_bytes(2, "big"))
    rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00")
    out += b"%d 0 obj\n%s\nendobj\n" % (stream_number, pdf_stream(content, entries))
    xref = len(out)
    rows.append(b"\x01" + xref.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    entries = b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % (xref_number + 1)
    out += b"%d 0 obj\n%s\nendobj\n" % (xref_number, pdf_stream(table, entries))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _page(resources=b"", contents=4):
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> "
        b"/Contents %d 0 R >>" % (resources, contents)
    )


def scan_pdf():
    """One page holding one greyscale image, as a scanner makes it. The pixels are raw
    bytes that happen to spell ``/JS`` and ``/XFA`` between delimiters, as random image
    data does about once in 270 MB: a name scan must not read stream data."""
    noise = random.Random(17).randbytes(200 * 100)
    pixels = noise[:5000] + b" /JS\n/XFA /JavaScript " + noise[5000 + 22 :]
    image = pdf_stream(
        pixels,
        b"/Type /XObject /Subtype /Image /Width 200 /Height 100 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8",
    )
    draw = pdf_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return assemble_pdf([CATALOG, PAGES, _page(b"/XObject << /Im0 5 0 R >>"), draw, image])


def text_pdf():
    """One page of text whose font resources have names that begin like active ones
    (``/JSans``, ``/XFAx``, ``/Launcher``) — whole names are judged, not prefixes."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    text = pdf_stream(b"BT /JSans 24 Tf 72 720 Td (Attachment 4 /JS) Tj ET")
    resources = b"/Font << /JSans 5 0 R /XFAx 5 0 R /Launcher 5 0 R >>"
    return assemble_pdf([CATALOG, PAGES, _page(resources), text, font])


def object_stream_pdf(action=None):
    """A PDF whose page tree is in a compressed object stream, as Word and Acrobat save;
    with ``action``, the catalog opens with it, and the action is in the object stream."""
    catalog = b"<< /Type /Catalog /Pages 3 0 R %s>>" % (b"/OpenAction 5 0 R " if action else b"")
    pages = b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>"
    page = (
        b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 2 0 R >>"
    )
    packed = [pages, page] + ([action] if action else [])
    return assemble_pdf_with_object_stream([catalog, pdf_stream(b"")], packed)


# PDFs written with pypdf -------------------------------------------------------------------


def _writer():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def _written(writer):
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(kind, **entries):
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def _js():
    return _action("/JavaScript", JS=TextStringObject(SCRIPT))


def _rect():
    return ArrayObject([FloatObject(50), FloatObject(50), FloatObject(200), FloatObject(80)])


def _with_annotation(subtype, writer=None, **entries):
    writer = writer or _writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): _rect(),
        }
    )
    for key, value in entries.items():
        annotation[NameObject(f"/{key}")] = value
    writer.add_annotation(0, annotation)
    return _written(writer)


def _link(action, writer=None):
    return _with_annotation("/Link", writer, A=action)


def _embedded_file(writer):
    stream = DecodedStreamObject()
    stream.set_data(b"MZ\x90\x00 not really a program")
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("payload.exe"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
        }
    )


def document_javascript():
    writer = _writer()
    writer.add_open_action(JavaScript(SCRIPT))
    return _written(writer)


def open_action_javascript():
    writer = _writer()
    writer.root_object[NameObject("/OpenAction")] = _js()
    return _written(writer)


def catalog_additional_action():
    writer = _writer()
    writer.root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _js()})
    return _written(writer)


def page_open_action():
    writer = _writer()
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript(SCRIPT))
    return _written(writer)


def attachment():
    writer = _writer()
    writer.add_attachment("payload.exe", b"MZ\x90\x00 not really a program")
    return _written(writer)


def file_attachment_annotation():
    writer = _writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): _rect(),
            NameObject("/FS"): _embedded_file(writer),
        }
    )
    writer.add_annotation(0, annotation)
    return _written(writer)


def annotation_additional_action():
    return _with_annotation("/Link", AA=DictionaryObject({NameObject("/E"): _js()}))


def rich_media_annotation():
    return _with_annotation(
        "/RichMedia",
        RichMediaContent=DictionaryObject({NameObject("/Assets"): DictionaryObject()}),
    )


def xfa_form():
    writer = _writer()
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): writer._add_object(xfa)}
    )
    return _written(writer)


def outline_javascript():
    writer = _writer()
    item = writer.add_outline_item(title="附件4", page_number=0).get_object()
    item[NameObject("/A")] = _js()
    return _written(writer)


def hex_escaped_open_action():
    """``/J#61vaScript`` is ``/JavaScript``, ``/J#53`` is ``/JS`` to every PDF reader."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (%s) >> >>"
    return assemble_pdf([catalog % SCRIPT.encode(), PAGES, _page(), pdf_stream(b"")])


def hex_escaped_launch():
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /#4C#61#75#6E#63#68 /F (cmd) >> >>"
    return assemble_pdf([catalog, PAGES, _page(), pdf_stream(b"")])


def object_stream_javascript():
    return object_stream_pdf(action=b"<< /S /JavaScript /JS (%s) >>" % SCRIPT.encode())


def object_not_in_the_xref():
    """A script object pypdf never reads (it is not in the xref table); a viewer that
    rebuilds a damaged table would."""
    return assemble_pdf(
        [CATALOG, PAGES, _page(), pdf_stream(b"")],
        orphans=[b"<< /S /JavaScript /JS (%s) >>" % SCRIPT.encode()],
    )


def javascript_after_a_syntax_error():
    """pypdf stops reading the catalog at the bad hex string and never sees /OpenAction; a
    viewer that skips the bad entry runs the script."""
    catalog = (
        b"<< /Type /Catalog /Pages 2 0 R /Junk <zz> /OpenAction << /S /JavaScript /JS (%s) >> >>"
    )
    return assemble_pdf([catalog % SCRIPT.encode(), PAGES, _page(), pdf_stream(b"")])


ACTIVE_PDFS = {
    "document JavaScript": document_javascript,
    "OpenAction JavaScript": open_action_javascript,
    "catalog additional action": catalog_additional_action,
    "page open action": page_open_action,
    "embedded file": attachment,
    "file attachment annotation": file_attachment_annotation,
    "Launch on a link": lambda: _link(_action("/Launch", F=TextStringObject("cmd.exe"))),
    "SubmitForm on a link": lambda: _link(
        _action("/SubmitForm", F=TextStringObject("https://example.com/collect"))
    ),
    "ImportData on a link": lambda: _link(_action("/ImportData", F=TextStringObject("d.fdf"))),
    "GoToR on a link": lambda: _link(
        _action("/GoToR", F=TextStringObject("other.pdf"), D=NumberObject(0))
    ),
    "GoToE on a link": lambda: _link(_action("/GoToE", D=NumberObject(0))),
    "javascript: URI": lambda: _link(_action("/URI", URI=TextStringObject("javascript:x()"))),
    "annotation additional action": annotation_additional_action,
    "RichMedia annotation": rich_media_annotation,
    "XFA form": xfa_form,
    "outline item JavaScript": outline_javascript,
    "hex-escaped JavaScript name": hex_escaped_open_action,
    "hex-escaped Launch name": hex_escaped_launch,
    "JavaScript in a compressed object stream": object_stream_javascript,
    "JavaScript object left out of the xref": object_not_in_the_xref,
    "JavaScript after a syntax error": javascript_after_a_syntax_error,
}


def blank_pdf():
    return _written(_writer())


def exported_pdf():
    """What an office program exports: opens at page 1, has a web link."""
    writer = _writer()
    writer.open_destination = writer.pages[0]
    return _link(_action("/URI", URI=TextStringObject("https://www.example.com/")), writer)


INERT_PDFS = {
    "blank page": blank_pdf,
    "scanned image page": scan_pdf,
    "text page": text_pdf,
    "page tree in an object stream": object_stream_pdf,
    "exported with a web link": exported_pdf,
}


# Images with metadata ----------------------------------------------------------------------

SECRET = b"uploader-secret"


def _segment(marker, payload):
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _icc_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif_with_gps():
    exif = Image.Exif()
    exif[0x010F] = "SpyPhone"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    return exif.tobytes()


def jpeg_with_metadata(size=(160, 120)):
    """A JPEG with a comment (COM), EXIF with GPS (APP1), XMP (APP1), an ICC profile (APP2)
    and Photoshop IPTC data (APP13); the comment, the XMP and the IPTC data hold ``SECRET``."""
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>%s</rdf:RDF></x:xmpmeta>' % SECRET
    photoshop = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + len(SECRET).to_bytes(4, "big") + SECRET
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(
        buffer,
        format="JPEG",
        comment=SECRET,
        exif=_exif_with_gps(),
        xmp=xmp,
        icc_profile=_icc_profile(),
        extra=_segment(0xED, photoshop),
    )
    return buffer.getvalue()


def png_with_metadata(mode="RGBA", size=(120, 90)):
    """A PNG with iCCP, eXIf (with GPS) and tEXt, zTXt, iTXt chunks holding ``SECRET``."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_text("Author", SECRET.decode(), zip=True)
    info.add_itxt("Description", SECRET.decode(), lang="zh", tkey="说明")
    color = (0, 128, 128, 200) if mode == "RGBA" else (0, 128, 128)
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(
        buffer, format="PNG", pnginfo=info, icc_profile=_icc_profile(), exif=_exif_with_gps()
    )
    return buffer.getvalue()


def gif_with_comment(transparent=False, size=(90, 60)):
    image = Image.new("P", size, 1)
    image.putpalette([0, 0, 0, 0, 128, 128] + [0] * 762)
    image.paste(0, (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    kwargs = {"transparency": 0} if transparent else {}
    image.save(buffer, format="GIF", comment=SECRET, **kwargs)
    return buffer.getvalue()


def jpeg_segments(data):
    """``(marker, payload)`` of every segment from SOI up to and including SOS."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments, i = [], 2
    while True:
        assert data[i] == 0xFF, f"no marker at {i}"
        while data[i + 1] == 0xFF:  # fill bytes
            i += 1
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segments.append((marker, data[i + 4 : i + 2 + length]))
        if marker == 0xDA:
            return segments
        i += 2 + length


def png_chunks(data):
    """The chunk types of a PNG, in order."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks, i = [], 8
    while i < len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        chunks.append(data[i + 4 : i + 8])
        i += 12 + length
    return chunks


# The coding segments of a baseline or progressive JPEG; anything else is metadata.
JPEG_CODING = {0xC0, 0xC1, 0xC2, 0xC4, 0xDA, 0xDB, 0xDD}
PNG_PIXELS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def metadata_left(data):
    """What a stored JPEG or PNG carries besides its pixels: the JPEG segments other than
    the coding ones and the plain JFIF APP0 Pillow writes (``"APP1"``, ``"COM"``, …), or the
    PNG chunks other than the pixel ones (``"tEXt"``, ``"iCCP"``, …)."""
    if data.startswith(b"\x89PNG"):
        return [chunk.decode() for chunk in png_chunks(data) if chunk not in PNG_PIXELS]
    return [
        _segment_name(marker)
        for marker, payload in jpeg_segments(data)
        if marker not in JPEG_CODING and not (marker == 0xE0 and payload.startswith(b"JFIF\0"))
    ]


def _segment_name(marker):
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    return "COM" if marker == 0xFE else f"{marker:#04x}"
