"""Excel import under the rate limit ("import" scope) and in the audit log: one more upload
than allowed answers 429 with the Chinese message and stores nothing; a confirmed import
and a refused upload each leave one audit event with the digest, no personal data."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from casesets.models import ImportBatch, ThrombolysisCase
from surveys.reports import current_data_year
from tests.permission_matrix import make_report

from .files import filled_case_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, alice):
    make_report(alice.institution)
    client.force_login(alice)
    return client


def _upload(client, content, name="附件3.xlsx"):
    return client.post(
        reverse("excel:upload_thrombolysis"), {"file": SimpleUploadedFile(name, content)}
    )


def test_one_upload_over_the_limit_is_refused_and_stores_nothing(signed_in, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "import": ("2/h", None)}
    content = filled_case_template(3, current_data_year(), [{"admission_no": "V1"}])
    for _ in range(2):
        assert _upload(signed_in, content).status_code == 302

    response = _upload(signed_in, content)

    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
    assert ImportBatch.objects.count() == 2


def test_confirm_is_rate_limited_too(signed_in, settings):
    content = filled_case_template(3, current_data_year(), [{"admission_no": "V1"}])
    _upload(signed_in, content)
    batch = ImportBatch.objects.get()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "import": ("1/h", None)}

    response = signed_in.post(
        reverse("excel:confirm", args=[batch.report.public_id, batch.public_id])
    )

    assert response.status_code == 429
    assert ThrombolysisCase.objects.count() == 0


def test_a_confirmed_import_is_audited_with_digest_and_count(signed_in):
    content = filled_case_template(
        3, current_data_year(), [{"admission_no": "V1"}, {"admission_no": "V2"}]
    )
    _upload(signed_in, content)
    batch = ImportBatch.objects.get()

    signed_in.post(reverse("excel:confirm", args=[batch.report.public_id, batch.public_id]))

    event = AuditEvent.objects.get(action="import")
    assert event.outcome == "success"
    assert event.detail["sha256"] == hashlib.sha256(content).hexdigest()
    assert event.detail["rows"] == 2
    assert "V1" not in str(event.detail)


def test_a_refused_upload_is_audited(signed_in):
    content = b"not a workbook"

    response = _upload(signed_in, content, name="x.xlsx")

    assert response.status_code == 400
    event = AuditEvent.objects.get(action="upload")
    assert event.outcome == "failure"
    assert event.detail["sha256"] == hashlib.sha256(content).hexdigest()
    assert ImportBatch.objects.count() == 0


# Issue 21 item 4: only a real import counts. Opening the upload page is free; 开始上传 and
# 确认导入 (POSTs) count. -------------------------------------------------------------------


def test_opening_the_upload_page_never_counts_against_the_import_limit(signed_in, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "import": ("2/h", "3/h")}
    page = reverse("excel:upload_thrombolysis")

    assert {signed_in.get(page).status_code for _ in range(40)} == {200}

    content = filled_case_template(3, current_data_year(), [{"admission_no": "V1"}])
    assert [_upload(signed_in, content).status_code for _ in range(3)] == [302, 302, 429]
    assert signed_in.get(page).status_code == 200  # the page still opens when over the limit
