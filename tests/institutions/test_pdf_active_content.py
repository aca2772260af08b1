"""PDFs with active content (issue 17 item 1): a PDF carrying a script, an action that runs
or fetches something, an embedded file or an XFA form is refused, never stored; what a
scanner or an office program makes is stored byte for byte."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from institutions.uploads import check_pdf
from tests.hostile_files import (
    ACTIVE_PDFS,
    INERT_PDFS,
    assemble_pdf_with_object_stream,
    pdf_stream,
)

from .applications import grant, make_application

REFUSAL = "PDF中含有脚本或嵌入文件，请重新扫描后上传"


@pytest.mark.parametrize("build", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdf_with_active_content_is_refused(build):
    with pytest.raises(ValidationError, match=REFUSAL) as refused:
        check_pdf(build())

    assert refused.value.code == "pdf_active_content"


@pytest.mark.parametrize("build", INERT_PDFS.values(), ids=INERT_PDFS.keys())
def test_inert_pdf_is_accepted_with_its_page_count(build):
    assert check_pdf(build()) == 1


def test_object_stream_that_inflates_past_the_budget_is_refused():
    """40 MB of white space deflate to 40 KB: a few would exhaust memory, one is enough to
    be refused (no 10-page document has megabytes of object dictionaries)."""
    catalog = b"<< /Type /Catalog /Pages 3 0 R >>"
    packed = [
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Contents 2 0 R >>",
    ]
    data = assemble_pdf_with_object_stream(
        [catalog, pdf_stream(b"")], packed, padding=40 * 1024 * 1024
    )
    assert len(data) < 100_000

    with pytest.raises(ValidationError, match="不是有效的PDF"):
        check_pdf(data)


# Through the 单位注册 upload view


@pytest.fixture
def draft(client, db):
    """A draft without uploads, opened to ``client``."""
    application = make_application(uploads=False)
    grant(client, application)
    return application


def _upload_stamped_form(client, application, content):
    url = reverse("institutions:application_upload", args=[application.number, "stamped-form"])
    return client.post(url, {"file": SimpleUploadedFile("登记表.pdf", content)})


def _files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


@pytest.mark.parametrize("build", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_stamped_form_with_active_content_is_refused_and_nothing_stored(
    client, draft, media_root, build
):
    response = _upload_stamped_form(client, draft, build())

    draft.refresh_from_db()
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert not draft.stamped_form and draft.stamped_form_sha256 == ""
    assert _files(media_root) == []


@pytest.mark.parametrize("build", INERT_PDFS.values(), ids=INERT_PDFS.keys())
def test_inert_stamped_form_is_stored_byte_for_byte(client, draft, build):
    data = build()

    response = _upload_stamped_form(client, draft, data)

    draft.refresh_from_db()
    assert response.status_code == 302
    with draft.stamped_form.open("rb") as stored:
        assert stored.read() == data
