"""附件4 (SPEC §3.6, issue 5 item 4): the print page of the filled 总表, the scan upload
(checked by decoding, replacing the previous set, tied to the 总表 version) and the files."""

import datetime
import hashlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader, PdfWriter

from surveys import reports
from surveys.attachment4 import (
    ScanRefused,
    is_stale,
    print_tables,
    region_parts,
    replace_scans,
    scan_response,
)
from surveys.models import BasicInfo, ReportingWindow, ReportScan, ReportStatus
from surveys.views import attachment4 as attachment4_views
from tests.hostile_files import (
    ACTIVE_PDFS,
    INERT_PDFS,
    SECRET,
    gif_with_comment,
    jpeg_with_metadata,
    metadata_left,
    png_with_metadata,
)
from tests.surveys.helpers import EDITION, required_only
from tests.surveys.test_basic_info import make_basic_info

MB = 1024 * 1024


# Files ---------------------------------------------------------------------------------------


def png_bytes(size=(120, 160), mode="RGB", color="teal"):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(160, 120), exif=False):
    image = Image.new("RGB", size, "white")
    buffer = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x0131] = "secret-software"  # Software
        kwargs["exif"] = data.tobytes()
    image.save(buffer, format="JPEG", **kwargs)
    return buffer.getvalue()


def pdf_bytes(pages=1, password=None):
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=842, height=595)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def window_open(db):
    """The current data year's reporting window runs today."""
    today = timezone.localdate()
    return ReportingWindow.objects.create(
        data_year=reports.current_data_year(),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
    )


@pytest.fixture
def report(alice, window_open):
    """A's report with 基本信息 and a valid 总表 (version 1)."""
    make_basic_info(alice)
    report = reports.open_current_report(alice)
    return reports.save_survey(report, required_only(), [], alice)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def print_url(report):
    return reverse("surveys:attachment4_print", args=[report.public_id])


def scan_url(report):
    return reverse("surveys:attachment4_scan", args=[report.public_id])


def file_url(scan):
    return reverse("surveys:attachment4_scan_file", args=[scan.report.public_id, scan.public_id])


def post_files(client, report, *files):
    return client.post(scan_url(report), {"files": list(files)})


def stored_files(media_root):
    folder = media_root / "attachment4"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# Print page ----------------------------------------------------------------------------------


def cells(html):
    """The value cells of the two 总表 tables, as (item code, shown value)."""
    return re.findall(r'<td data-item="(\w+)">([^<]*)</td>', html)


def test_print_page_puts_every_2018_value_in_its_column(signed_in, report):
    response = signed_in.get(print_url(report))

    assert response.status_code == 200
    expected_order = [
        "ci_discharges", "ci_with_htn", "ci_deaths", "tia_discharges", "tia_with_htn",
        "ich_discharges", "ich_with_htn", "ich_deaths", "sah_discharges", "sah_with_htn",
        "sah_deaths",
        "ivt_total", "ivt_nihss_improved", "ivt_mrs_0_2", "ivt_alteplase", "ivt_urokinase",
        "evt_total", "evt_direct", "evt_bridging", "evt_nihss_improved", "evt_mrs_0_2",
        "neuro_discharges_total",
    ]  # fmt: skip
    values = required_only()
    assert cells(response.text) == [(code, str(values[code])) for code in expected_order]
    assert response.text.count(f"<td>{report.data_year}年</td>") == 2


def test_print_page_has_the_2018_headers_in_order(signed_in, report):
    text = signed_in.get(print_url(report)).text

    headers = [
        "附件4：医疗机构脑卒中诊疗情况调查表",
        "省份", "市", "县（区）", "医院等级", "医院全称", "医院负责人",
        "负责人联系电话（手机号）", "电子邮箱",
        "年度", "第一诊断脑梗死", "第一诊断短暂性脑缺血发作（TIA）", "第一诊断脑出血",
        "第一诊断蛛网膜下腔出血",
        "年度", "急性缺血性卒中单纯静脉溶栓", "急性缺血性卒中早期血管内介入治疗",
        "神经科出院患者总例数",
        "主管院领导签字及医院公章：", "填表日期：",
    ]  # fmt: skip
    position = 0
    for header in headers:
        found = text.find(header, position)
        assert found > position, header
        position = found


def test_print_page_fills_the_hospital_row_from_basic_info(signed_in, report):
    text = signed_in.get(print_url(report)).text

    row = dict(re.findall(r'<td data-cell="(\w+)"[^>]*>([^<]*)</td>', text))
    assert row == {
        "province": "北京市",
        "city": "市辖区",  # a 直辖市's middle level, as the manual prints it
        "county": "东城区",
        "grade": "三级甲等",
        "hospital": "甲医院",
        "director": "王建国",
        "mobile": "13800138000",  # in full: this is the hospital's own paper
        "email": "director@jia.cn",
    }


def test_region_of_a_prefecture_city_fills_province_city_and_county(alice):
    info = make_basic_info(alice, region="440106")
    assert region_parts(info) == ("广东省", "广州市", "天河区")


def test_region_renamed_since_entry_keeps_the_name_entered(alice):
    info = make_basic_info(alice, region="440106")
    BasicInfo.objects.filter(pk=info.pk).update(region_name="广东省广州市老天河区")
    info.refresh_from_db()
    assert region_parts(info) == ("广东省", "广州市", "老天河区")


def test_print_tables_come_from_the_edition_columns():
    first, second = print_tables(EDITION)
    assert [band.title for band in first] == [
        "第一诊断脑梗死",
        "第一诊断短暂性脑缺血发作（TIA）",
        "第一诊断脑出血",
        "第一诊断蛛网膜下腔出血",
    ]
    assert [band.title for band in second] == [
        "急性缺血性卒中单纯静脉溶栓",
        "急性缺血性卒中早期血管内介入治疗",
        "",
    ]
    assert sum(len(band.items) for band in first) == sum(len(band.items) for band in second) == 11


def optional_items(html):
    """The 补充项目 shown: item code → (label, value, unit)."""
    found = re.findall(
        r'<span class="a4-item" data-item="(\w+)">([^<]*) <strong>([^<]*)</strong>([^<]*)</span>',
        html,
    )
    return {code: (label, value, unit) for code, label, value, unit in found}


def test_print_page_lists_only_the_filled_optional_items(signed_in, report, alice):
    values = required_only(
        ivt_dnt_median_min=48, dsa_24h=False, beds_total=800, cea_total=12, cea_deaths=0
    )
    report = reports.save_survey(report, values, [], alice)

    text = signed_in.get(print_url(report)).text

    assert "补充项目（选填）" in text
    assert optional_items(text) == {
        "ivt_dnt_median_min": ("DNT中位数", "48", "分钟"),
        "beds_total": ("实际开放床位数", "800", "张"),
        "dsa_24h": ("DSA是否24h可用", "否", ""),
        "cea_total": ("例数", "12", "例"),
        "cea_deaths": ("死亡例数", "0", "例"),
    }
    # The items of one heading are shown together, under it.
    assert re.search(
        r'<span class="a4-part-heading">颈动脉内膜剥脱术（CEA）：</span>'
        r'<span class="a4-item" data-item="cea_total">',
        text,
    )
    assert text.count("颈动脉内膜剥脱术（CEA）") == 1


def test_print_page_without_optional_items_has_no_optional_table(signed_in, report):
    assert "补充项目（选填）" not in signed_in.get(print_url(report)).text


def test_print_page_shows_the_survey_version_and_print_time(signed_in, report, alice):
    report = reports.save_survey(report, required_only(ci_deaths=11), [], alice)

    text = signed_in.get(print_url(report)).text

    footer = re.search(r'<p class="a4-footer" id="a4-footer">(.*?)</p>', text, re.S).group(1)
    assert "总表第2版" in footer
    assert "打印于 " + timezone.localtime().strftime("%Y-%m-%d") in footer
    assert "data-print" in text


def test_print_page_of_an_unsaved_survey_says_so_without_a_print_button(
    signed_in, alice, window_open
):
    make_basic_info(alice)
    report = reports.open_current_report(alice)

    response = signed_in.get(print_url(report))

    assert response.status_code == 200
    assert "总表尚未填写，请先在线填写调查表并保存，再打印附件4。" in response.text
    assert "data-print" not in response.text
    assert "a4-table" not in response.text


def test_print_page_without_basic_info_says_so(signed_in, alice, window_open):
    report = reports.open_current_report(alice)
    reports.save_survey(report, required_only(), [], alice)

    response = signed_in.get(print_url(report))

    assert "请先在“脑血管病登记”页面填写并保存本单位的基本信息" in response.text
    assert "data-print" not in response.text


def test_print_page_of_a_survey_with_errors_says_so(signed_in, report):
    # A value the rules refuse (deaths above discharges), stored by an older importer.
    type(report).objects.filter(pk=report.pk).update(values=required_only(ci_deaths=999))

    response = signed_in.get(print_url(report))

    assert "总表有1项未填或有误" in response.text
    assert "data-print" not in response.text


# Upload --------------------------------------------------------------------------------------


def test_upload_of_page_images_stores_them_reencoded_in_order(signed_in, report, alice, media_root):
    rgba = png_bytes(mode="RGBA", color=(0, 128, 128, 200))
    photo = jpeg_bytes(exif=True)

    response = post_files(signed_in, report, upload("第1页.png", rgba), upload("第2页.jpg", photo))

    assert response.status_code == 302
    first, second = ReportScan.objects.filter(report=report).order_by("position")
    assert (first.kind, first.position, first.pages) == ("png", 1, 1)
    assert (second.kind, second.position) == ("jpeg", 2)
    for scan in (first, second):
        data = scan.file.read()
        scan.file.close()
        assert scan.size == len(data)
        assert scan.sha256 == hashlib.sha256(data).hexdigest()
        assert scan.survey_version == report.survey_version == 1
        assert scan.uploaded_by == alice
        assert "第" not in scan.file.name
    stored = Image.open(second.file.path)
    assert stored.format == "JPEG" and not stored.getexif()
    assert b"SpyCam" not in second.file.open("rb").read()
    assert len(stored_files(media_root)) == 2


def test_upload_of_bmp_and_gif_pages_is_accepted(signed_in, report):
    bmp, gif = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (50, 70), "navy").save(bmp, format="BMP")
    Image.new("P", (50, 70)).save(gif, format="GIF")

    post_files(signed_in, report, upload("a.bmp", bmp.getvalue()), upload("b.gif", gif.getvalue()))

    assert ReportScan.objects.filter(report=report).count() == 2


def test_upload_of_one_pdf_is_stored_as_is_with_its_page_count(signed_in, report):
    data = pdf_bytes(pages=2)

    response = post_files(signed_in, report, upload("附件4.pdf", data, "application/pdf"))

    assert response.status_code == 302
    scan = ReportScan.objects.get(report=report)
    assert (scan.kind, scan.pages, scan.size) == ("pdf", 2, len(data))
    assert scan.file.read() == data
    assert scan.file.name.endswith(".pdf")


def test_a_new_upload_replaces_the_current_set_and_keeps_the_old_files(
    signed_in, report, media_root
):
    post_files(signed_in, report, upload("a.png", png_bytes()), upload("b.png", png_bytes()))
    old = list(ReportScan.objects.filter(report=report))

    post_files(signed_in, report, upload("new.pdf", pdf_bytes(), "application/pdf"))

    for scan in old:
        scan.refresh_from_db()
        assert scan.replaced_at is not None
        assert scan.file.storage.exists(scan.file.name)
    current = ReportScan.objects.filter(report=report).current()
    assert [scan.kind for scan in current] == ["pdf"]
    assert len(stored_files(media_root)) == 3
    page = signed_in.get(scan_url(report)).text
    assert "以前上传的附件4" in page


def test_scan_goes_stale_when_the_survey_changes(signed_in, report, alice):
    post_files(signed_in, report, upload("a.png", png_bytes()))
    assert "总表已修改" not in signed_in.get(scan_url(report)).text

    report = reports.save_survey(report, required_only(ci_deaths=11), [], alice)

    assert is_stale(report, report.scans.current())
    page = signed_in.get(scan_url(report)).text
    assert "总表已修改，请重新打印附件4签字盖章后上传。" in page
    assert "当前附件4对应总表第1版，总表现为第2版。" in page

    post_files(signed_in, report, upload("again.png", png_bytes()))
    report.refresh_from_db()
    assert not is_stale(report, report.scans.current())
    assert report.scans.current().get().survey_version == 2


def test_scan_page_shows_thumbnails_uploader_and_pdf_page_count(signed_in, report):
    post_files(signed_in, report, upload("a.png", png_bytes()), upload("b.png", png_bytes()))
    scans = list(ReportScan.objects.filter(report=report))

    page = signed_in.get(scan_url(report)).text

    for scan in scans:
        assert f'src="{file_url(scan)}"' in page
    assert "爱丽丝" in page or "alice" in page
    post_files(signed_in, report, upload("s.pdf", pdf_bytes(pages=3), "application/pdf"))
    page = signed_in.get(scan_url(report)).text
    assert "PDF，3页" in page


REFUSALS = {
    "text renamed as png": (
        [("scan.png", b"this is a text file, not an image\n" * 20)],
        "不是有效的图片",
    ),
    "text renamed as pdf": ([("scan.pdf", b"hello, not a pdf")], "不是有效的PDF"),
    "broken pdf": ([("scan.pdf", b"%PDF-1.7\nthis is not a pdf at all")], "不是有效的PDF"),
    "encrypted pdf": ([("locked.pdf", pdf_bytes(password="secret"))], "已加密"),
    "two pdfs": ([("a.pdf", pdf_bytes()), ("b.pdf", pdf_bytes())], "只能上传一个PDF"),
    "pdf and image": ([("a.pdf", pdf_bytes()), ("b.png", png_bytes())], "PDF不能与图片一起上传"),
    "eleven files": ([(f"{n}.png", png_bytes()) for n in range(11)], "一次最多上传10个文件"),
    "pdf of too many pages": ([("long.pdf", pdf_bytes(pages=11))], "PDF页数过多"),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_uploads_store_nothing(signed_in, report, media_root, case):
    files, message = case
    post_files(signed_in, report, upload("before.png", png_bytes()))
    before = list(ReportScan.objects.values_list("pk", "replaced_at"))

    response = post_files(signed_in, report, *(upload(name, data) for name, data in files))

    assert response.status_code == 400
    assert message in response.text
    assert list(ReportScan.objects.values_list("pk", "replaced_at")) == before
    assert len(stored_files(media_root)) == 1


@pytest.mark.parametrize("build", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_pdf_with_active_content_is_refused_and_nothing_stored(
    signed_in, report, media_root, build
):
    response = post_files(signed_in, report, upload("附件4.pdf", build(), "application/pdf"))

    assert response.status_code == 400
    assert "第1个文件“附件4.pdf”：PDF中含有脚本或嵌入文件，请重新扫描后上传" in response.text
    assert not ReportScan.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("build", INERT_PDFS.values(), ids=INERT_PDFS.keys())
def test_inert_pdf_is_stored_byte_for_byte(signed_in, report, build):
    data = build()

    response = post_files(signed_in, report, upload("附件4.pdf", data, "application/pdf"))

    assert response.status_code == 302
    scan = ReportScan.objects.get(report=report)
    with scan.file.open("rb") as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", jpeg_with_metadata()),
        ("scan.png", png_with_metadata(mode="RGB")),
        ("scan.gif", gif_with_comment()),
    ],
    ids=["jpeg", "png", "gif"],
)
def test_page_images_are_stored_without_any_metadata(signed_in, report, name, data):
    post_files(signed_in, report, upload(name, data))

    scan = ReportScan.objects.get(report=report)
    with scan.file.open("rb") as stored:
        kept = stored.read()
    assert scan.kind == "jpeg"
    assert metadata_left(kept) == []
    assert SECRET not in kept


def test_transparent_page_image_is_stored_without_any_metadata(signed_in, report):
    post_files(signed_in, report, upload("scan.png", png_with_metadata(mode="RGBA")))

    scan = ReportScan.objects.get(report=report)
    with scan.file.open("rb") as stored:
        kept = stored.read()
    assert scan.kind == "png"
    assert metadata_left(kept) == []
    assert SECRET not in kept


def test_refusal_names_the_bad_file(signed_in, report):
    response = post_files(
        signed_in, report, upload("good.png", png_bytes()), upload("假图片.png", b"GIF89a junk")
    )

    assert "第2个文件“假图片.png”：文件不是有效的图片" in response.text
    assert not ReportScan.objects.exists()


def test_a_file_over_10_mb_is_refused_before_it_is_read(signed_in, report, media_root):
    big = upload("big.png", b"\x89PNG" + b"\0" * (10 * MB))

    response = post_files(signed_in, report, big)

    assert response.status_code == 413
    assert "每个文件不能超过10MB" in response.text
    assert not ReportScan.objects.exists()
    assert stored_files(media_root) == []


def test_a_body_over_the_total_limit_is_refused(signed_in, report, monkeypatch):
    # The limit made small rather than sending 100 MB: three files of 100 KB against 200 KB.
    monkeypatch.setattr(attachment4_views, "MAX_REQUEST_BYTES", 200 * 1024)

    response = post_files(
        signed_in, report, *(upload(f"{n}.png", b"\0" * 100 * 1024) for n in range(3))
    )

    assert response.status_code == 413
    assert "一次最多上传10个文件" in response.text
    assert not ReportScan.objects.exists()


def test_an_empty_submission_asks_for_a_file(signed_in, report):
    response = signed_in.post(scan_url(report), {})

    assert response.status_code == 400
    assert "请选择要上传的附件4扫描件" in response.text


def test_an_empty_file_is_refused(signed_in, report):
    response = post_files(signed_in, report, upload("empty.png", b""))

    assert "上传的文件是空文件" in response.text
    assert not ReportScan.objects.exists()


def test_upload_before_the_survey_is_saved_is_refused(signed_in, alice, window_open):
    make_basic_info(alice)
    report = reports.open_current_report(alice)

    page = signed_in.get(scan_url(report)).text
    response = post_files(signed_in, report, upload("a.png", png_bytes()))

    assert "总表尚未填写" in page and 'type="file"' not in page
    assert response.status_code == 302
    assert not ReportScan.objects.exists()
    assert "总表尚未填写" in signed_in.get(scan_url(report)).text


def test_a_submitted_report_shows_its_scan_read_only(signed_in, report):
    post_files(signed_in, report, upload("a.png", png_bytes()))
    type(report).objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)

    page = signed_in.get(scan_url(report)).text
    response = post_files(signed_in, report, upload("b.png", png_bytes()))

    assert "本报告已提交" in page and "只能查看" in page
    assert 'type="file"' not in page
    assert response.status_code == 302
    assert ReportScan.objects.count() == 1
    assert ReportScan.objects.get().replaced_at is None


def test_upload_after_the_window_closed_is_refused_with_the_reason(signed_in, report):
    ReportingWindow.objects.update(
        opens_on=datetime.date(2000, 2, 1), closes_on=datetime.date(2000, 3, 31)
    )

    response = post_files(signed_in, report, upload("a.png", png_bytes()))

    assert response.status_code == 302
    assert not ReportScan.objects.exists()
    page = signed_in.get(scan_url(report)).text
    assert "已经截止，目前只能查看" in page
    assert 'type="file"' not in page


def test_service_rechecks_the_lock_under_the_row_lock(report, alice, media_root):
    stale_copy = type(report).objects.get(pk=report.pk)
    type(report).objects.filter(pk=report.pk).update(status=ReportStatus.APPROVED)

    with pytest.raises(reports.ReportError, match="审核通过"):
        replace_scans(stale_copy, [upload("a.png", png_bytes())], alice)

    assert not ReportScan.objects.exists()
    assert stored_files(media_root) == []


def test_service_refusal_lists_every_bad_file(report, alice):
    files = [upload("a.png", b"nope"), upload("b.png", png_bytes()), upload("c.png", b"nah")]

    with pytest.raises(ScanRefused) as refused:
        replace_scans(report, files, alice)

    assert len(refused.value.messages) == 2
    assert refused.value.messages[0].startswith("第1个文件")
    assert refused.value.messages[1].startswith("第3个文件")


def test_upload_needs_the_csrf_token(alice, report):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = post_files(client, report, upload("a.png", png_bytes()))

    assert response.status_code == 403
    assert not ReportScan.objects.exists()


# Files ---------------------------------------------------------------------------------------


def test_image_is_served_as_a_sandboxed_download(signed_in, report):
    post_files(signed_in, report, upload("a.png", png_bytes()))
    scan = ReportScan.objects.get()

    response = signed_in.get(file_url(scan))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'; img-src 'self'"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == scan.file.open("rb").read()


def test_pdf_is_served_as_an_attachment_with_an_ascii_name(signed_in, report):
    post_files(signed_in, report, upload("签字盖章 附件4.pdf", pdf_bytes(), "application/pdf"))
    scan = ReportScan.objects.get()

    response = signed_in.get(file_url(scan))

    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == (
        f'attachment; filename="attachment4-{report.data_year}-{report.institution_id}'
        f'-p1-{scan.pk}.pdf"'
    )
    assert disposition.isascii()
    assert len(PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages) == 1


def test_a_replaced_scan_is_still_served(signed_in, report):
    post_files(signed_in, report, upload("a.png", png_bytes()))
    old = ReportScan.objects.get()
    post_files(signed_in, report, upload("b.png", png_bytes()))

    assert signed_in.get(file_url(old)).status_code == 200


def test_a_missing_file_is_404_not_500(signed_in, report):
    post_files(signed_in, report, upload("a.png", png_bytes()))
    scan = ReportScan.objects.get()
    scan.file.storage.delete(scan.file.name)

    assert signed_in.get(file_url(scan)).status_code == 404


def test_scan_response_is_shared_with_the_admin(report, alice):
    scan = replace_scans(report, [upload("a.pdf", pdf_bytes(), "application/pdf")], alice)[0]

    response = scan_response(scan)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


# Who may see what ----------------------------------------------------------------------------


@pytest.fixture
def scan_of_a(report, alice):
    return replace_scans(report, [upload("a.png", png_bytes())], alice)[0]


def test_another_institution_gets_404_everywhere(client, bob, report, scan_of_a):
    client.force_login(bob)

    for url in (print_url(report), scan_url(report), file_url(scan_of_a)):
        assert client.get(url).status_code == 404, url
    response = post_files(client, report, upload("b.png", png_bytes()))
    assert response.status_code == 404
    assert ReportScan.objects.count() == 1


def test_a_scan_of_another_report_is_404_under_ones_own_report(
    client, bob, report, scan_of_a, window_open
):
    make_basic_info(bob)
    own = reports.save_survey(reports.open_current_report(bob), required_only(), [], bob)
    client.force_login(bob)

    url = reverse("surveys:attachment4_scan_file", args=[own.public_id, scan_of_a.public_id])

    assert client.get(url).status_code == 404


def test_a_deleted_report_is_404(signed_in, report, scan_of_a, alice):
    type(report).objects.filter(pk=report.pk).update(deleted_at=timezone.now(), deleted_by=alice)

    for url in (print_url(report), scan_url(report), file_url(scan_of_a)):
        assert signed_in.get(url).status_code == 404, url


def test_an_unverified_member_gets_the_verification_prompt(client, newcomer, report, scan_of_a):
    client.force_login(newcomer)

    for url in (print_url(report), scan_url(report), file_url(scan_of_a)):
        response = client.get(url)
        assert response.status_code == 403
        assert "accounts/verification_required.html" in [t.name for t in response.templates]


def test_an_auditor_gets_403(client, auditor, report, scan_of_a):
    client.force_login(auditor)

    for url in (print_url(report), scan_url(report), file_url(scan_of_a)):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_go_to_the_login_page(client, report, scan_of_a):
    for url in (print_url(report), scan_url(report), file_url(scan_of_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_a_colleague_of_the_same_institution_sees_the_scan(client, alice_admin, scan_of_a):
    client.force_login(alice_admin)

    assert client.get(file_url(scan_of_a)).status_code == 200


def test_print_page_of_a_region_kept_only_by_name(signed_in, report, alice):
    BasicInfo.objects.filter(institution=alice.institution).update(region_name="北京市旧东城区")

    row = dict(
        re.findall(
            r'<td data-cell="(\w+)"[^>]*>([^<]*)</td>', signed_in.get(print_url(report)).text
        )
    )

    assert (row["province"], row["city"], row["county"]) == ("北京市", "市辖区", "旧东城区")


def test_hundreds_of_files_get_the_message_not_an_error_page(signed_in, report, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 20

    response = post_files(signed_in, report, *(upload(f"{n}.png", b"x") for n in range(21)))

    assert response.status_code == 400
    assert "一次最多上传10个文件" in response.text
    assert not ReportScan.objects.exists()
