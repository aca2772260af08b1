"""Hostile and unreadable uploads are refused with a clear Chinese message, no 500, and
nothing is stored (checklist A5.1–5.3): zip bombs, XML entity expansion, absurd sheet
dimensions, macros, password-protected files, other files renamed .xlsx, files over the
size limit."""

import io
import zipfile
from pathlib import Path

import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from casesets.models import ImportBatch, ThrombolysisCase
from excel_templates.reading import MAX_UPLOAD_BYTES
from surveys.reports import current_data_year
from tests.permission_matrix import make_report

from .files import filled_case_template, replace_members, zip_bytes

SHEET = "xl/worksheets/sheet1.xml"
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="6"><c r="C6" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def _good():
    return filled_case_template(3, current_data_year(), [{"admission_no": "H1"}])


def _far_cell():
    content = _good()
    workbook = load_workbook(io.BytesIO(content))
    workbook["Sheet3"]["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _macro():
    content = _good()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        types = archive.read("[Content_Types].xml").replace(
            b"sheet.main+xml", b"sheet.macroEnabled.main+xml"
        )
    return replace_members(content, {"[Content_Types].xml": types,
                                     "xl/vbaProject.bin": b"\x00" * 512})  # fmt: skip


def _encrypted():
    """Our template protected with an opening password, as Excel's 用密码进行加密 does (an
    OLE compound file holding EncryptionInfo and the encrypted package)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(_good())).encrypt("secret", encrypted)
    return encrypted.getvalue()


HOSTILE = {
    "zip bomb": (lambda: replace_members(_good(), {SHEET: b"<" + b"0" * (20 * 1024 * 1024)}),
                 "压缩炸弹"),
    "entity expansion": (lambda: replace_members(_good(), {SHEET: BILLION_LAUGHS}), "DTD/实体"),
    "entity expansion after a long comment": (
        lambda: replace_members(_good(), {SHEET: BILLION_LAUGHS.replace(
            b'<?xml version="1.0"?>', b'<?xml version="1.0"?><!--' + b"x" * 100_000 + b"-->"
        )}),
        "DTD/实体",
    ),
    "absurd dimensions": (_far_cell, "工作表范围异常"),
    "xlsm with macros": (_macro, "包含宏"),
    "password protected": (_encrypted, "设置了打开密码"),
    "pdf renamed xlsx": (lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "改了扩展名"),
    "docx renamed xlsx": (
        lambda: zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        "改了扩展名",
    ),
    "old xls": (
        lambda: open("/work/shared/reference/templates-2018/attachment1-survey-2018.xls",
                     "rb").read(),
        "旧版Excel",
    ),
    "over the size limit": (lambda: _good() + b"\x00" * MAX_UPLOAD_BYTES, "文件过大"),
    "external links": (
        lambda: replace_members(_good(), {"xl/externalLinks/externalLink1.xml": b"<x/>"}),
        "外部链接",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_is_refused_and_nothing_stored(client, alice, kind, settings):
    make_report(alice.institution)
    build, message = HOSTILE[kind]
    client.force_login(alice)

    response = client.post(
        reverse("excel:upload_thrombolysis"),
        {"file": SimpleUploadedFile("附件3.xlsx", build())},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == 0 and ThrombolysisCase.objects.count() == 0
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.xlsx"))


def test_the_good_file_of_these_tests_is_accepted(client, alice):
    make_report(alice.institution)
    client.force_login(alice)

    response = client.post(
        reverse("excel:upload_thrombolysis"), {"file": SimpleUploadedFile("附件3.xlsx", _good())}
    )

    assert response.status_code == 302
    assert ImportBatch.objects.get().row_count == 1


def test_openpyxl_refuses_xml_entities_too():
    """The annotated copy opens the upload with openpyxl: with defusedxml installed it
    refuses DTD entities even if a check above were missed (checklist A5.2)."""
    assert openpyxl.xml.DEFUSEDXML is True
