"""The pages of 模板下载及数据上传: the panel on 脑血管病登记, 上传附件N → preview → 确认导入,
the annotated copy; refused while the report is locked."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from casesets.models import ImportBatch, ImportStatus, ThrombolysisCase
from surveys.models import Report, ReportStatus
from surveys.reports import current_data_year
from tests.permission_matrix import make_report

from .files import filled_case_template


@pytest.fixture
def signed_in(client, alice):
    make_report(alice.institution)
    client.force_login(alice)
    return client


def _post(client, rows, url_name="excel:upload_thrombolysis"):
    content = filled_case_template(3, current_data_year(), rows)
    return client.post(reverse(url_name), {"file": SimpleUploadedFile("我的附件3.xlsx", content)})


def test_registry_page_offers_download_and_the_three_uploads(signed_in):
    page = signed_in.get(reverse("surveys:home")).content.decode()

    assert reverse("excel:download_templates") in page
    for name in ("upload_survey", "upload_intervention", "upload_thrombolysis"):
        assert reverse(f"excel:{name}") in page
    assert "必须在线下载最新模板才可以成功导入数据" in page
    assert "如果附件2和附件3是0例，就不需要导入了" in page


def test_upload_shows_the_preview_with_the_count(signed_in):
    response = _post(signed_in, [{"admission_no": "V1"}, {"admission_no": "V2"}])
    preview = signed_in.get(response["Location"])

    assert "将导入2条" in preview.content.decode()
    assert ThrombolysisCase.objects.count() == 0


def test_confirm_imports_and_opens_the_attachment_tab(signed_in):
    location = _post(signed_in, [{"admission_no": "V1"}])["Location"]
    batch = ImportBatch.objects.get()

    response = signed_in.post(
        reverse("excel:confirm", args=[batch.report.public_id, batch.public_id])
    )

    assert response["Location"].endswith("?tab=thrombolysis")
    assert ThrombolysisCase.objects.get().admission_no == "V1"
    assert "已导入" in signed_in.get(location).content.decode()


def test_preview_escapes_cell_contents(signed_in):
    response = _post(signed_in, [{"admission_no": "<script>x</script>"}])
    page = signed_in.get(response["Location"]).content.decode()

    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_annotated_copy_downloads_with_the_marked_cells(signed_in):
    _post(signed_in, [{"admission_no": "V1", "mrs_discharge": 8}])
    batch = ImportBatch.objects.get()

    response = signed_in.get(
        reverse("excel:annotated", args=[batch.report.public_id, batch.public_id])
    )

    assert batch.status == ImportStatus.REFUSED
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["Sheet3"]
    assert sheet["F6"].fill.fgColor.rgb == "FFFF0000"
    assert "0-6" in sheet["F6"].comment.text


def test_upload_refused_while_the_report_is_submitted(signed_in, alice):
    Report.objects.filter(institution=alice.institution).update(status=ReportStatus.SUBMITTED)

    response = _post(signed_in, [{"admission_no": "V1"}])

    assert response.status_code == 400
    assert "已提交" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_no_file_chosen_is_a_clear_message(signed_in):
    response = signed_in.post(reverse("excel:upload_thrombolysis"), {})

    assert "请选择要上传的Excel文件" in response.content.decode()


def test_confirm_is_post_only(signed_in):
    _post(signed_in, [{"admission_no": "V1"}])
    batch = ImportBatch.objects.get()

    response = signed_in.get(
        reverse("excel:confirm", args=[batch.report.public_id, batch.public_id])
    )

    assert response.status_code == 405
    assert ThrombolysisCase.objects.count() == 0


def test_a_refused_file_creates_not_even_the_report(client, alice):
    import datetime

    from django.utils import timezone

    from surveys.models import ReportingWindow
    from tests.surveys.test_basic_info import make_basic_info

    today = timezone.localdate()
    ReportingWindow.objects.create(
        data_year=current_data_year(),
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
    )
    make_basic_info(alice)
    client.force_login(alice)
    old = open(
        "/work/shared/reference/templates-2018/attachment3-thrombolysis-cases-2018.xlsx", "rb"
    )

    response = client.post(
        reverse("excel:upload_thrombolysis"), {"file": SimpleUploadedFile("a.xlsx", old.read())}
    )

    assert response.status_code == 400 and "请下载最新模板" in response.content.decode()
    assert not Report.objects.exists()


def test_panel_buttons_are_spelled_like_the_upload_page_titles(signed_in):
    page = signed_in.get(reverse("surveys:home")).content.decode()

    for label in ("上传附件1：总表", "上传附件2：介入个案", "上传附件3：溶栓个案"):
        assert label in page
    assert "上传附件1:" not in page


@pytest.mark.parametrize(
    ("attachment", "url_name"),
    [(3, "excel:upload_thrombolysis"), (2, "excel:upload_intervention")],
)
def test_error_page_offers_to_upload_the_same_attachment_again(signed_in, attachment, url_name):
    content = filled_case_template(
        attachment, current_data_year(), [{"admission_no": "V1", "mrs_discharge": 8}]
    )
    location = signed_in.post(
        reverse(url_name), {"file": SimpleUploadedFile("有错的文件.xlsx", content)}
    )["Location"]

    page = signed_in.get(location).content.decode()

    assert "没有导入任何数据" in page
    assert f'id="upload-again" href="{reverse(url_name)}"' in page
    assert "重新上传" in page


def test_a_file_that_cannot_be_checked_again_offers_upload_again(signed_in):
    location = _post(signed_in, [{"admission_no": "V1"}])["Location"]
    ImportBatch.objects.update(sha256="0" * 64)

    page = signed_in.get(location).content.decode()

    assert 'id="preview-refused"' in page
    assert f'id="upload-again" href="{reverse("excel:upload_thrombolysis")}"' in page


def test_a_good_file_has_no_upload_again_button(signed_in):
    location = _post(signed_in, [{"admission_no": "V1"}])["Location"]

    assert 'id="upload-again"' not in signed_in.get(location).content.decode()
