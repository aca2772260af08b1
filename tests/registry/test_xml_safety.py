"""Uploaded workbooks are parsed through defusedxml (checklist 5.2): openpyxl uses it when it
is installed, and then refuses a document type declaration with entities."""

import io
import zipfile

import openpyxl
import openpyxl.xml
import pytest
from defusedxml import DefusedXmlException


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def billion_laughs_xlsx():
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                bomb = (
                    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                )
                data = bomb + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            target.writestr(item, data)
    return io.BytesIO(out.getvalue())


def test_an_entity_declaration_in_a_workbook_is_refused():
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(billion_laughs_xlsx())

    assert isinstance(refused.value.__cause__ or refused.value.__context__, DefusedXmlException)
