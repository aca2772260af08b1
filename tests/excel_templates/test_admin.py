"""The import batches in the auditors' admin: listed with who, when, what, how it ended and
the digest; read only; the kept file downloads for staff only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casesets.models import ImportBatch
from surveys.reports import current_data_year
from tests.permission_matrix import make_report

from .files import filled_case_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(client, alice):
    make_report(alice.institution)
    client.force_login(alice)
    content = filled_case_template(3, current_data_year(), [{"admission_no": "V1"}])
    client.post(
        reverse("excel:upload_thrombolysis"),
        {"file": SimpleUploadedFile("我的附件3.xlsx", content)},
    )
    client.logout()
    return ImportBatch.objects.get(), content


def test_the_list_shows_the_batch_and_its_digest(client, auditor, batch):
    batch, _content = batch
    client.force_login(auditor)

    page = client.get(reverse("admin:casesets_importbatch_changelist")).content.decode()

    assert batch.sha256 in page
    assert str(batch.report.institution) in page
    assert reverse("admin:casesets_importbatch_download", args=[batch.pk]) in page


def test_the_list_filters_by_outcome(client, auditor, batch):
    batch, _content = batch
    client.force_login(auditor)
    url = reverse("admin:casesets_importbatch_changelist")

    assert batch.sha256 in client.get(url, {"status__exact": batch.status}).content.decode()
    assert batch.sha256 not in client.get(url, {"status__exact": "imported"}).content.decode()


def test_batches_are_read_only(client, auditor, batch):
    batch, _content = batch
    client.force_login(auditor)

    assert client.get(reverse("admin:casesets_importbatch_add")).status_code == 403
    delete = reverse("admin:casesets_importbatch_delete", args=[batch.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ImportBatch.objects.filter(pk=batch.pk).exists()


def test_staff_download_the_kept_file(client, auditor, batch):
    batch, content = batch
    client.force_login(auditor)

    response = client.get(reverse("admin:casesets_importbatch_download", args=[batch.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert "attachment" in response["Content-Disposition"]


def test_hospital_users_cannot_download(client, alice, batch):
    batch, _content = batch
    client.force_login(alice)

    response = client.get(reverse("admin:casesets_importbatch_download", args=[batch.pk]))

    assert response.status_code == 302
    assert "/login" in response["Location"]
