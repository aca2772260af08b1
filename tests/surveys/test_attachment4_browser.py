"""附件4 in Chromium: the print page on one A4 landscape sheet, then the scan uploaded
through the page and listed."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

from surveys import reports
from surveys.models import ReportingWindow, ReportScan
from tests.accounts.test_verification_browser import FONT, signed_in_page
from tests.surveys.helpers import all_filled
from tests.surveys.test_basic_info import make_basic_info

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_LANDSCAPE = {"width": 1123, "height": 794}  # 297 × 210 mm at 96 dpi


def _report(user, **basic_info):
    today = timezone.localdate()
    ReportingWindow.objects.create(
        data_year=reports.current_data_year(),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
    )
    make_basic_info(user, **basic_info)
    report = reports.open_current_report(user)
    # Every optional item filled: the longest sheet there can be.
    return reports.save_survey(report, all_filled(), [], user)


def _scanned_page(path, text):
    """A PNG that looks like a photographed, stamped page."""
    image = Image.new("RGB", (1400, 990), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype(FONT, 48)
    except OSError:
        font = ImageFont.load_default()
    draw.text((700, 120), text, font=font, fill=(20, 20, 20), anchor="mm")
    draw.ellipse((1000, 650, 1260, 910), outline=(200, 30, 30), width=10)
    image.save(path, format="PNG")
    return path


def _print_pdf(page, url):
    page.goto(url)
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    return pdf, PdfReader(io.BytesIO(pdf))


def test_print_fits_one_landscape_page_and_the_scan_is_uploaded(
    live_server, browser, screenshot_dir, regions, alice, tmp_path
):
    report = _report(alice)
    page = signed_in_page(browser, live_server, alice)
    print_url = f"{live_server.url}/registry/reports/{report.public_id}/attachment4/"

    # The print page: 打印 button on screen, the sheet in Chinese.
    page.goto(print_url)
    assert page.get_by_role("button", name="打印").is_visible()
    assert page.get_by_role("heading", name="附件4：医疗机构脑卒中诊疗情况调查表").is_visible()
    page.screenshot(path=screenshot_dir / "attachment4-print-screen.png", full_page=True)

    # One A4 landscape page, with the values, the signature line and the version.
    pdf, reader = _print_pdf(page, print_url)
    (screenshot_dir / "attachment4-print.pdf").write_bytes(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    text = reader.pages[0].extract_text()
    for expected in ("甲医院", "13800138000", "主管院领导签字及医院公章", "填表日期", "总表第1版"):
        assert expected in text, expected
    page.emulate_media(media="print")
    page.set_viewport_size(A4_LANDSCAPE)
    page.screenshot(path=screenshot_dir / "attachment4-print-media.png", full_page=True)
    assert not page.get_by_role("button", name="打印").is_visible()
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # To the upload page from the print page; upload the printed PDF as the "scan".
    page.get_by_role("link", name="返回附件4（扫描版）").click()
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/scan/")
    assert page.get_by_text("尚未上传附件4。").is_visible()
    scan_pdf = tmp_path / "附件4签字盖章.pdf"
    scan_pdf.write_bytes(pdf)
    page.get_by_label("附件4扫描件（多张图片或一个PDF）").set_input_files(scan_pdf)
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.get_by_text("附件4已上传。").is_visible()
    assert page.locator("#scan-current").get_by_text("PDF，1页").is_visible()

    # Replaced by two page photos: both shown as thumbnails, the PDF under 以前上传的.
    photos = [
        _scanned_page(tmp_path / "第1页.png", "附件4 第1页 签字盖章"),
        _scanned_page(tmp_path / "第2页.png", "附件4 第2页"),
    ]
    page.get_by_label("附件4扫描件（多张图片或一个PDF）").set_input_files(photos)
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    thumbnails = page.locator("#scan-current img")
    assert thumbnails.count() == 2
    for index in range(2):
        thumbnails.nth(index).scroll_into_view_if_needed()
        assert thumbnails.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#scan-earlier").get_by_role("link", name="PDF").is_visible()
    assert ReportScan.objects.filter(report=report).current().count() == 2
    page.screenshot(path=screenshot_dir / "attachment4-scan.png", full_page=True)

    # A refused file: the message next to the field, nothing replaced.
    fake = tmp_path / "假扫描.png"
    fake.write_bytes(b"not an image at all")
    page.get_by_label("附件4扫描件（多张图片或一个PDF）").set_input_files(fake)
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.get_by_text("第1个文件“假扫描.png”：文件不是有效的图片").is_visible()
    assert ReportScan.objects.filter(report=report).current().count() == 2
    page.screenshot(path=screenshot_dir / "attachment4-scan-refused.png", full_page=True)

    # The 总表 changes: the scan is marked stale, and the print shows the new version.
    reports.save_survey(report, all_filled(ci_deaths=11), [], alice)
    page.goto(f"{live_server.url}/registry/reports/{report.public_id}/scan/")
    assert page.get_by_text("总表已修改，请重新打印附件4签字盖章后上传。").is_visible()
    page.screenshot(path=screenshot_dir / "attachment4-scan-stale.png", full_page=True)
    with page.expect_popup() as popup:
        page.get_by_role("link", name="打印附件4").click()
    assert popup.value.locator("#a4-footer").get_by_text("总表第2版").is_visible()


def test_long_names_still_fit_one_page(live_server, browser, screenshot_dir, regions, alice):
    report = _report(
        alice,
        region="440106",
        hospital_name="广州医科大学附属第二医院（广州市海珠区人民医院）脑血管病防治中心",
        director_name="欧阳·诸葛明远",
        director_email="stroke.center.director.office@gzmu-second-affiliated.edu.cn",
    )
    page = signed_in_page(browser, live_server, alice)

    pdf, reader = _print_pdf(
        page, f"{live_server.url}/registry/reports/{report.public_id}/attachment4/"
    )

    (screenshot_dir / "attachment4-print-long.pdf").write_bytes(pdf)
    page.emulate_media(media="print")
    page.set_viewport_size(A4_LANDSCAPE)
    page.screenshot(path=screenshot_dir / "attachment4-print-long.png", full_page=True)
    assert len(reader.pages) == 1
    assert "广州市" in reader.pages[0].extract_text()
