"""Per-institution storage cap of 附件4 uploads: over it, the upload is refused with the
reason, nothing is stored, the current scans stay; another institution is not affected."""

import pytest

from surveys.attachment4 import ScanRefused, replace_scans
from surveys.models import Report, ReportScan
from tests.permission_matrix import make_report

from .test_attachment4 import png_bytes, upload


@pytest.fixture
def small_quota(settings):
    settings.UPLOAD_QUOTA_MB_PER_INSTITUTION = 1


def scan_of(institution):
    return Report.objects.get(public_id=make_report(institution)["report_id"])


def test_upload_over_the_institution_quota_is_refused(alice, bob, small_quota):
    report = scan_of(alice.institution)
    first = replace_scans(report, [upload("a.png", png_bytes())], alice)
    ReportScan.objects.filter(pk=first[0].pk).update(size=1024 * 1024 - 10)

    with pytest.raises(ScanRefused, match="存储上限"):
        replace_scans(report, [upload("b.png", png_bytes())], alice)

    assert list(report.scans.current()) == first
    assert ReportScan.objects.count() == 1
    other = scan_of(bob.institution)
    assert replace_scans(other, [upload("c.png", png_bytes())], bob)


def test_the_page_shows_the_quota_message(client, alice, small_quota):
    report = scan_of(alice.institution)
    first = replace_scans(report, [upload("a.png", png_bytes())], alice)
    ReportScan.objects.filter(pk=first[0].pk).update(size=1024 * 1024)
    client.force_login(alice)

    response = client.post(
        f"/registry/reports/{report.public_id}/scan/", {"files": [upload("b.png", png_bytes())]}
    )

    assert "本单位上传的文件已达1MB的存储上限" in response.content.decode()
    assert ReportScan.objects.count() == 1
