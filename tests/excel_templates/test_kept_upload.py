"""Issue 21 item 5: the kept upload between 开始上传, the preview and 确认导入 lives in the
media storage, which every application server must share (README, "Several application
servers"). A node that cannot find it — a node-local MEDIA_ROOT, a file lost — says so on the
page and in the log, instead of answering 500; nothing is imported."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casesets.models import ThrombolysisCase
from excel_templates import services
from tests.casesets.conftest import DATA_YEAR

from .files import filled_case_template

MESSAGE = "上传的文件已无法读取"


@pytest.fixture
def lost_upload(report, alice):
    """An upload kept by "another node": its file is not in this node's media storage."""
    content = filled_case_template(3, DATA_YEAR, [{"admission_no": "K1"}])
    batch = services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", content), alice)
    batch.file.storage.delete(batch.file.name)
    return batch


def test_the_preview_says_the_file_cannot_be_read(client, alice, lost_upload, caplog):
    client.force_login(alice)

    with caplog.at_level(logging.ERROR, logger="excel_templates.services"):
        response = client.get(
            reverse("excel:preview", args=[lost_upload.report.public_id, lost_upload.public_id])
        )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert "missing from the media storage" in caplog.text


def test_confirm_imports_nothing_and_says_why(client, alice, lost_upload):
    client.force_login(alice)

    response = client.post(
        reverse("excel:confirm", args=[lost_upload.report.public_id, lost_upload.public_id]),
        follow=True,
    )

    assert MESSAGE in response.content.decode()
    assert ThrombolysisCase.objects.count() == 0
