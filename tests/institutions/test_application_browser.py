"""单位注册 and 账号激活 in Chromium: apply, print, upload, rejected and corrected, approved,
activated, signed in as the institution admin."""

import io
import re
from datetime import timedelta

import pytest
from django.db.models import F
from pypdf import PdfReader

from accounts.models import SmsCode, User
from accounts.sms.backends import locmem
from institutions.models import InstitutionApplication
from tests.accounts.test_account_chain_browser import _request_sms_code, _solve_captcha
from tests.accounts.test_verification_browser import signed_in_page

from .applications import form_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13900139000"


def _certificate_png(path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 640), (250, 244, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 880, 620), outline=(160, 30, 30), width=6)
    image.save(path, format="PNG")
    return path


def _later():
    """Move sent codes back in time: a second code to one mobile needs 60 s to pass."""
    SmsCode.objects.update(created_at=F("created_at") - timedelta(minutes=5))


def _approve(desk, live_server):
    desk.goto(live_server.url + "/admin/institutions/institutionapplication/")
    desk.locator("#result_list tbody tr").first.locator("a").first.click()
    desk.wait_for_url(re.compile(r".*/change/$"))
    desk.get_by_role("button", name="通过").click()
    desk.wait_for_load_state()


def test_apply_print_upload_reject_resubmit_approve_activate(
    live_server, browser, settings, regions, screenshot_dir, tmp_path, auditor
):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    data = form_data()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    # 1. 填写《单位注册信息登记表》 from the login page's 单位注册 link.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="单位注册").click()
    page.get_by_label("省（自治区、直辖市）").select_option(label="北京市")
    page.get_by_label("市（地区、州、盟）").select_option(label="东城区")
    page.get_by_label("单位全称").fill(data["name"])
    page.get_by_label("统一社会信用代码").fill(data["credit_code"])
    page.get_by_label("医疗机构执业许可证登记号").fill(data["licence_number"])
    page.get_by_label("医院等级").select_option(label="二级甲等")
    page.get_by_label("医院类别").select_option(label="综合医院")
    page.get_by_label("单位地址").fill(data["address"])
    page.get_by_label("法定代表人").fill(data["legal_representative"])
    page.get_by_label("申请人姓名").fill(data["applicant_name"])
    page.get_by_label("申请人身份证号码").fill(data["applicant_id_number"])
    page.get_by_label("单独同意平台处理我的身份证号").check()
    page.get_by_label("申请人电子邮箱").fill(data["applicant_email"])
    page.get_by_label("申请人手机号码").fill(MOBILE)
    page.get_by_label("短信验证码").fill(_request_sms_code(page))
    _solve_captcha(page)
    page.screenshot(path=screenshot_dir / "institution-register-filled.png", full_page=True)
    page.get_by_role("button", name="保存并继续").click()
    page.wait_for_url(re.compile(r".*/institutions/register/SQ\d{8}-\w{5}/$"))
    application = InstitutionApplication.objects.get()
    assert page.get_by_text(application.number).first.is_visible()

    # 2. 打印: one A4 page in Chromium, also looked at as an image.
    page.goto(live_server.url + f"/institutions/register/{application.number}/print/")
    assert page.get_by_role("button", name="打印").is_visible()
    page.screenshot(path=screenshot_dir / "institution-print-screen.png", full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    (screenshot_dir / "institution-print.pdf").write_bytes(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert application.number in text and "单位盖章" in text
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=screenshot_dir / "institution-print-media.png", full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # 3.–5. Upload the stamped form (the printed PDF) and the certificate, then submit.
    stamped = tmp_path / "盖章登记表.pdf"
    stamped.write_bytes(pdf)
    page.goto(live_server.url + f"/institutions/register/{application.number}/")
    page.locator("#application-steps li").nth(2).get_by_role("link", name="上传").click()
    page.get_by_label("盖章登记表（图片或PDF）").set_input_files(stamped)
    page.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(rf".*/register/{application.number}/$"))
    page.locator("#application-steps li").nth(3).get_by_role("link", name="上传").click()
    page.get_by_label("事业单位法人证书照片").set_input_files(
        _certificate_png(tmp_path / "证书.png")
    )
    page.get_by_role("button", name="上传").click()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert page.locator("#application-status .badge").inner_text() == "待审核"

    # The auditor sees both previews and rejects with a reason.
    desk = signed_in_page(browser, live_server, auditor)
    desk.goto(live_server.url + "/admin/institutions/institutionapplication/")
    desk.locator("#result_list tbody tr").first.locator("a").first.click()
    desk.wait_for_url(re.compile(r".*/change/$"))
    assert desk.locator("object.application-pdf").count() == 1
    assert desk.locator(".verification-photo img").count() == 1
    desk.screenshot(path=screenshot_dir / "institution-admin-review.png", full_page=True)
    desk.get_by_label("驳回原因：").fill("单位地址不完整，请填写到门牌号和楼号")
    desk.get_by_role("button", name="驳回").click()
    desk.wait_for_load_state()

    # Reason shown → corrected → resubmitted.
    page.reload()
    assert page.locator("#reject-reason").get_by_text("单位地址不完整").is_visible()
    assert "单位地址不完整" in locmem.outbox[-1].text
    page.screenshot(path=screenshot_dir / "institution-rejected.png", full_page=True)
    page.get_by_role("link", name="修改").click()
    page.get_by_label("单位地址").fill("北京市东城区东直门内大街5号院1号楼")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="重新提交").click()
    page.wait_for_load_state()
    assert page.locator("#application-status .badge").inner_text() == "待审核"

    # Approved: the institution exists and the activation code goes out by SMS.
    _approve(desk, live_server)
    application.refresh_from_db()
    assert application.status == InstitutionApplication.Status.APPROVED
    activation_code = re.search(r"激活码为([2-9A-Z]{8})", locmem.outbox[-1].text).group(1)
    page.reload()
    assert page.locator("#application-status .badge").inner_text() == "已通过"

    # 账号激活 from the login page, then signed in as 单位管理员 with the registry menu.
    _later()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="账号激活").click()
    page.get_by_label("申请人手机号码").fill(MOBILE)
    page.get_by_label("短信验证码").fill(_request_sms_code(page))
    page.get_by_label("激活码").fill(activation_code)
    page.get_by_label("设置用户名").fill("dongcheng_admin")
    page.get_by_label("设置密码").fill("Stroke-Registry-2026")
    page.get_by_label("确认密码").fill("Stroke-Registry-2026")
    _solve_captcha(page)
    page.get_by_role("button", name="激活").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("激活成功").is_visible()
    sidebar = page.locator("#sidebar")
    assert sidebar.get_by_role("link", name="本单位用户").is_visible()
    assert sidebar.get_by_role("link", name="个人中心").is_visible()
    page.screenshot(path=screenshot_dir / "institution-admin-signed-in.png", full_page=True)
    user = User.objects.get(username="dongcheng_admin")
    assert user.role == User.Role.INSTITUTION_ADMIN
    assert user.institution == application.institution

    sidebar.get_by_role("link", name="本单位用户").click()
    assert page.locator("#member-list").get_by_text("dongcheng_admin").is_visible()
