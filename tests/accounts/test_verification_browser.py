"""个人身份认证 in Chromium: the newcomer uploads the licence, the auditor approves it in the
admin, and the newcomer's menu entry disappears."""

import pytest
from django.conf import settings as django_settings
from django.core.files import File
from django.test import Client
from PIL import Image, ImageDraw, ImageFont

from accounts.models import IdentityVerification, User
from accounts.sms.backends import locmem
from accounts.verification import submit_verification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def licence_png(path, institution):
    """A PNG that looks like a photographed 《医疗机构执业许可证》."""
    image = Image.new("RGB", (1200, 850), (246, 240, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 1170, 820), outline=(170, 40, 40), width=8)
    try:
        title, body = ImageFont.truetype(FONT, 64), ImageFont.truetype(FONT, 36)
    except OSError:
        title = body = ImageFont.load_default()
    draw.text((600, 130), "医疗机构执业许可证", font=title, fill=(150, 20, 20), anchor="mm")
    for row, line in enumerate(
        (
            f"机构名称：{institution.name}",
            f"登记号：{institution.licence_number}",
            f"地址：{institution.region_name}",
            "诊疗科目：内科；神经内科专业；急诊医学科",
        )
    ):
        draw.text((110, 260 + row * 90), line, font=body, fill=(30, 30, 30))
    image.save(path, format="PNG")
    return path


def signed_in_page(browser, live_server, user):
    """A Chromium page carrying a session of ``user`` (force_login, cookie copied)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_newcomer_uploads_auditor_approves_menu_entry_goes(
    live_server, browser, settings, tmp_path, screenshot_dir, newcomer, auditor
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    newcomer.real_name = "王小明"
    newcomer.mobile = "13800138000"
    newcomer.save()
    institution = newcomer.institution
    photo = licence_png(tmp_path / "许可证.png", institution)

    # The newcomer opens 个人身份认证 from the menu and submits the licence.
    clerk = signed_in_page(browser, live_server, newcomer)
    clerk.goto(live_server.url + "/")
    clerk.locator("#sidebar").get_by_role("link", name="个人身份认证").click()
    clerk.wait_for_url(live_server.url + "/accounts/verification/")
    assert clerk.get_by_text("温馨提示").is_visible()
    clerk.screenshot(path=screenshot_dir / "verification-form.png", full_page=True)

    clerk.get_by_label("医疗机构执业许可证登记号").fill(institution.licence_number.lower())
    clerk.get_by_label("医疗机构执业许可证照片").set_input_files(photo)
    clerk.get_by_role("button", name="提交").click()
    clerk.wait_for_load_state()
    assert clerk.get_by_text("认证材料已提交，请等待平台审核员审核。").is_visible()
    status = clerk.locator("#verification-status .badge")
    assert status.inner_text() == "待审核"
    assert clerk.locator("input[name=photo]").count() == 0
    clerk.screenshot(path=screenshot_dir / "verification-pending.png", full_page=True)

    # The auditor finds it first in the admin queue, looks at the photo and approves.
    desk = signed_in_page(browser, live_server, auditor)
    desk.goto(live_server.url + "/admin/accounts/identityverification/")
    desk.screenshot(path=screenshot_dir / "verification-admin-queue.png", full_page=True)
    desk.locator("#result_list tbody tr").first.locator("a").first.click()
    desk.wait_for_load_state()
    image = desk.locator(".verification-photo img")
    image.wait_for()
    desk.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => img.naturalWidth") == 1200
    desk.screenshot(path=screenshot_dir / "verification-admin-change.png", full_page=True)
    desk.get_by_role("button", name="通过").click()
    desk.wait_for_load_state()
    assert desk.locator(".messagelist .success").is_visible()
    desk.screenshot(path=screenshot_dir / "verification-admin-approved.png", full_page=True)

    # The newcomer reloads: 已认证, and the menu no longer offers 个人身份认证.
    clerk.reload()
    assert clerk.get_by_text("您的个人身份认证已通过审核").is_visible()
    assert clerk.locator("#sidebar").get_by_role("link", name="个人身份认证").count() == 0
    clerk.screenshot(path=screenshot_dir / "verification-approved.png", full_page=True)

    newcomer.refresh_from_db()
    assert newcomer.verification_status == User.Verification.VERIFIED
    assert IdentityVerification.objects.get().status == IdentityVerification.Status.APPROVED
    assert [message.params for message in locmem.outbox] == [{"result": "已通过审核"}]


def test_rejected_newcomer_reads_the_reason_and_resubmits(
    live_server, browser, settings, tmp_path, screenshot_dir, newcomer, auditor
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    institution = newcomer.institution
    photo = licence_png(tmp_path / "licence.png", institution)
    with photo.open("rb") as upload:
        first = submit_verification(
            user=newcomer, licence_number=institution.licence_number, photo=File(upload)
        )

    desk = signed_in_page(browser, live_server, auditor)
    desk.goto(f"{live_server.url}/admin/accounts/identityverification/{first.pk}/change/")
    desk.get_by_label("驳回原因").fill("照片反光，登记号看不清，请重新拍摄")
    desk.get_by_role("button", name="驳回").click()
    desk.wait_for_load_state()
    assert desk.locator(".messagelist .success").is_visible()

    clerk = signed_in_page(browser, live_server, newcomer)
    clerk.goto(live_server.url + "/accounts/verification/")
    assert clerk.locator("#verification-status .badge").inner_text() == "未通过"
    assert clerk.get_by_text("照片反光，登记号看不清，请重新拍摄").first.is_visible()
    clerk.screenshot(path=screenshot_dir / "verification-rejected.png", full_page=True)
    clerk.get_by_label("医疗机构执业许可证登记号").fill(institution.licence_number)
    clerk.get_by_label("医疗机构执业许可证照片").set_input_files(photo)
    clerk.get_by_role("button", name="提交").click()
    clerk.wait_for_load_state()

    assert clerk.locator("#verification-status .badge").inner_text() == "待审核"
    assert clerk.locator("#verification-history tbody tr").count() == 2
