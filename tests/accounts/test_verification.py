"""个人身份认证: the page, the submission rules, the photo view and the services."""

import io
import logging
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import IdentityVerification, User
from accounts.sms import SmsSendError
from accounts.sms.backends import locmem
from accounts.sms.backends.base import BaseSmsBackend
from accounts.verification import (
    VerificationError,
    approve_verification,
    reject_verification,
    submit_verification,
)
from registry.context_processors import build_menu

PAGE = reverse("accounts:verification")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


def image_upload(name="licence.png", fmt="PNG", size=(320, 200), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "teal" if mode != "1" else 0).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def stored_files(media):
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def post(client, user, *, licence_number=None, photo=None):
    client.force_login(user)
    return client.post(
        PAGE,
        {
            "licence_number": user.institution.licence_number
            if licence_number is None
            else licence_number,
            "photo": photo or image_upload(),
        },
    )


def submitted(user):
    return submit_verification(
        user=user, licence_number=user.institution.licence_number, photo=image_upload()
    )


def assert_nothing_stored(user, media):
    user.refresh_from_db()
    assert not IdentityVerification.objects.exists()
    assert stored_files(media) == []
    assert user.verification_status == User.Verification.UNVERIFIED


# The page


def test_newcomer_sees_the_form_with_the_manuals_tips(client, newcomer):
    client.force_login(newcomer)

    response = client.get(PAGE)

    assert "1、请上传《医疗机构执业许可证》照片，并填写登记号。" in response.text
    assert "2、支持 jpg、jpeg、png、bmp、gif 格式，文件大小不超过5M。" in response.text
    assert 'accept=".jpg,.jpeg,.png,.bmp,.gif"' in response.text
    assert 'enctype="multipart/form-data"' in response.text


def test_page_shows_the_current_status(client, newcomer):
    client.force_login(newcomer)

    response = client.get(PAGE)

    assert '<span class="badge text-bg-secondary">未认证</span>' in response.text


def test_page_requires_login(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["alice", "alice_admin", "auditor"])
def test_accounts_that_need_no_verification_are_told_so(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "当前登录的账号不需要认证" in response.text
    assert 'name="photo"' not in response.text


def test_post_by_an_account_that_needs_no_verification_stores_nothing(client, alice, media):
    post(client, alice)

    assert not IdentityVerification.objects.exists()
    assert stored_files(media) == []


def test_menu_shows_verification_to_newcomer_only(newcomer, alice, alice_admin, auditor):
    def labels(user):
        return {item["label"] for group in build_menu(user) for item in group["items"]}

    shown_to = {
        user.username
        for user in (newcomer, alice, alice_admin, auditor)
        if "个人身份认证" in labels(user)
    }

    assert shown_to == {"newcomer"}


def test_menu_entry_is_in_the_newcomers_sidebar(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("welcome"))

    assert f'href="{PAGE}"' in response.text


# Submitting


def test_submission_puts_the_account_in_pending(client, newcomer):
    response = post(client, newcomer)

    newcomer.refresh_from_db()
    assert response.status_code == 302 and response.url == PAGE
    assert newcomer.verification_status == User.Verification.PENDING


def test_submission_is_recorded_with_the_users_institution(client, newcomer):
    post(client, newcomer)

    verification = IdentityVerification.objects.get()
    assert (verification.user, verification.institution, verification.status) == (
        newcomer,
        newcomer.institution,
        IdentityVerification.Status.PENDING,
    )


def test_photo_is_stored_re_encoded_under_a_random_name(client, newcomer, media):
    post(client, newcomer, photo=image_upload(name="my-licence.png"))

    (path,) = stored_files(media)
    assert path.relative_to(media).parts[0] == "verifications"
    assert "licence" not in path.name
    assert Image.open(path).size == (320, 200)


def test_licence_number_is_normalized(client, newcomer):
    typed = "  " + newcomer.institution.licence_number.lower().replace("x", "ｘ") + " "

    post(client, newcomer, licence_number=typed)

    assert IdentityVerification.objects.get().licence_number == newcomer.institution.licence_number


def test_wrong_licence_number_is_refused(client, newcomer, media):
    response = post(client, newcomer, licence_number="PDY99999X11010117A1001")

    assert "登记号与本单位在平台登记的《医疗机构执业许可证》登记号不一致" in response.text
    assert_nothing_stored(newcomer, media)


def test_malformed_licence_number_is_refused(client, newcomer, media):
    response = post(client, newcomer, licence_number="12-34")

    assert "应为8–30位数字或大写字母" in response.text
    assert_nothing_stored(newcomer, media)


def test_missing_photo_is_refused(client, newcomer, media):
    client.force_login(newcomer)

    response = client.post(PAGE, {"licence_number": newcomer.institution.licence_number})

    assert "请选择要上传的《医疗机构执业许可证》照片" in response.text
    assert_nothing_stored(newcomer, media)


def test_html_named_jpg_is_refused(client, newcomer, media):
    html = SimpleUploadedFile("licence.jpg", b"<html><script>alert(1)</script></html>")

    response = post(client, newcomer, photo=html)

    assert "文件不是有效的图片" in response.text
    assert_nothing_stored(newcomer, media)


def test_six_megabyte_image_is_refused(client, newcomer, media):
    big = image_upload(name="big.bmp", fmt="BMP", size=(1500, 1400))
    assert big.size > 6_000_000

    response = post(client, newcomer, photo=big)

    assert response.status_code == 413
    assert "图片大小不能超过5MB" in response.text
    assert_nothing_stored(newcomer, media)


def test_file_just_over_five_megabytes_is_stopped_while_read(client, newcomer, media):
    # Small enough for the request limit, so the per-file count while reading must catch it.
    big = image_upload(name="big.bmp", fmt="BMP", size=(1024, 1707))
    assert 5 * 1024 * 1024 < big.size < 5 * 1024 * 1024 + 4096

    response = post(client, newcomer, photo=big)

    assert response.status_code == 413
    assert "图片大小不能超过5MB" in response.text
    assert_nothing_stored(newcomer, media)


def test_decompression_bomb_is_refused(client, newcomer, media):
    bomb = image_upload(name="bomb.png", size=(12_000, 12_000), mode="1")
    assert bomb.size < 100_000

    response = post(client, newcomer, photo=bomb)

    assert "图片像素过大" in response.text
    assert_nothing_stored(newcomer, media)


def test_form_is_protected_against_csrf(newcomer, media):
    client = Client(enforce_csrf_checks=True)

    response = post(client, newcomer)

    assert response.status_code == 403
    assert_nothing_stored(newcomer, media)


def test_size_limit_holds_when_the_csrf_check_reads_the_body(newcomer, media):
    # In production the CSRF check parses the body before the view: the limit must be
    # installed before that, or the 6 MB file would be read in full.
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer)
    token = str(client.get(PAGE).context["csrf_token"])
    big = image_upload(name="big.bmp", fmt="BMP", size=(1500, 1400))

    response = client.post(
        PAGE,
        {
            "csrfmiddlewaretoken": token,
            "licence_number": newcomer.institution.licence_number,
            "photo": big,
        },
    )

    assert response.status_code == 413
    assert "图片大小不能超过5MB" in response.text
    assert_nothing_stored(newcomer, media)


def test_cannot_submit_while_pending(client, newcomer):
    post(client, newcomer)

    response = client.post(
        PAGE,
        {"licence_number": newcomer.institution.licence_number, "photo": image_upload()},
        follow=True,
    )

    assert "审核期间不能重复提交" in response.text
    assert IdentityVerification.objects.count() == 1


def test_pending_page_shows_no_form(client, newcomer):
    post(client, newcomer)

    response = client.get(PAGE)

    assert "待审核" in response.text
    assert 'name="photo"' not in response.text


def test_rejected_user_sees_the_reason_and_the_form(client, newcomer, auditor):
    reject_verification(verification=submitted(newcomer), auditor=auditor, reason="照片模糊")
    client.force_login(newcomer)

    response = client.get(PAGE)

    assert "照片模糊" in response.text
    assert "重新提交认证材料" in response.text
    assert 'name="photo"' in response.text


def test_resubmission_after_rejection_works(client, newcomer, auditor):
    reject_verification(verification=submitted(newcomer), auditor=auditor, reason="照片模糊")

    post(client, newcomer)

    newcomer.refresh_from_db()
    assert newcomer.verification_status == User.Verification.PENDING
    assert list(newcomer.identity_verifications.values_list("status", flat=True)) == [
        IdentityVerification.Status.PENDING,
        IdentityVerification.Status.REJECTED,
    ]


def test_history_lists_every_submission(client, newcomer, auditor):
    reject_verification(verification=submitted(newcomer), auditor=auditor, reason="照片模糊")
    submitted(newcomer)
    client.force_login(newcomer)

    response = client.get(PAGE)

    for verification in newcomer.identity_verifications.all():
        assert reverse("accounts:verification_photo", args=[verification.public_id]) in (
            response.text
        )


# The photo


def photo_url(verification):
    return reverse("accounts:verification_photo", args=[verification.public_id])


def test_submitter_gets_the_photo(client, newcomer):
    verification = submitted(newcomer)
    client.force_login(newcomer)

    response = client.get(photo_url(verification))

    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.getvalue())).size == (320, 200)


def test_photo_is_a_sandboxed_download_without_caching_or_sniffing(client, newcomer):
    verification = submitted(newcomer)
    client.force_login(newcomer)

    response = client.get(photo_url(verification))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'; img-src 'self'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_auditor_gets_the_photo(client, newcomer, auditor):
    verification = submitted(newcomer)
    client.force_login(auditor)

    response = client.get(photo_url(verification))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("persona", ["alice", "alice_admin", "bob"])
def test_anyone_else_gets_404_even_a_colleague(client, request, newcomer, persona):
    verification = submitted(newcomer)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(photo_url(verification))

    assert response.status_code == 404


def test_photo_requires_login(client, newcomer):
    verification = submitted(newcomer)

    response = client.get(photo_url(verification))

    assert response.status_code == 302


def test_missing_photo_file_gives_404(client, newcomer):
    verification = submitted(newcomer)
    verification.licence_photo.storage.delete(verification.licence_photo.name)
    client.force_login(newcomer)

    response = client.get(photo_url(verification))

    assert response.status_code == 404


def test_media_url_does_not_serve_the_photo(client, newcomer, auditor):
    verification = submitted(newcomer)
    client.force_login(auditor)

    response = client.get("/media/" + verification.licence_photo.name)

    assert response.status_code == 404


# Services


def test_approval_verifies_the_account(newcomer, auditor):
    verification = submitted(newcomer)

    approve_verification(verification=verification, auditor=auditor)

    newcomer.refresh_from_db()
    verification.refresh_from_db()
    assert newcomer.verification_status == User.Verification.VERIFIED
    assert (verification.status, verification.decided_by) == ("approved", auditor)
    assert verification.decided_at is not None


def test_approval_sends_an_sms_after_commit(
    newcomer, auditor, outbox, django_capture_on_commit_callbacks
):
    newcomer.mobile = "13800138000"
    newcomer.save()
    verification = submitted(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        approve_verification(verification=verification, auditor=auditor)

    (message,) = outbox
    assert message.mobile == "13800138000"
    assert "您的个人身份认证已通过审核" in message.text
    assert message.params == {"result": "已通过审核"}


def test_rejection_sends_the_reason_by_sms(
    newcomer, auditor, outbox, django_capture_on_commit_callbacks
):
    newcomer.mobile = "13800138000"
    newcomer.save()
    verification = submitted(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        reject_verification(verification=verification, auditor=auditor, reason="照片模糊。")

    (message,) = outbox
    assert "未通过审核，原因：照片模糊。请登录平台修改后重新提交。" in message.text


def test_no_sms_without_a_mobile(newcomer, auditor, outbox, django_capture_on_commit_callbacks):
    verification = submitted(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        approve_verification(verification=verification, auditor=auditor)

    assert outbox == []


class FailingBackend(BaseSmsBackend):
    def send_messages(self, messages):
        raise SmsSendError("短信发送失败（isv.BUSINESS_LIMIT_CONTROL），请稍后重试。")


def test_sms_failure_is_logged_and_the_decision_stands(
    newcomer, auditor, settings, caplog, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    newcomer.mobile = "13800138000"
    newcomer.save()
    verification = submitted(newcomer)

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        approve_verification(verification=verification, auditor=auditor)

    newcomer.refresh_from_db()
    assert newcomer.verification_status == User.Verification.VERIFIED
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text


def test_rejection_needs_a_reason(newcomer, auditor):
    verification = submitted(newcomer)

    with pytest.raises(VerificationError, match="请填写驳回原因"):
        reject_verification(verification=verification, auditor=auditor, reason="  ")

    verification.refresh_from_db()
    assert verification.status == IdentityVerification.Status.PENDING


def test_rejection_sets_the_account_to_rejected(newcomer, auditor):
    verification = submitted(newcomer)

    reject_verification(verification=verification, auditor=auditor, reason="登记号看不清")

    newcomer.refresh_from_db()
    verification.refresh_from_db()
    assert newcomer.verification_status == User.Verification.REJECTED
    assert (verification.status, verification.reject_reason) == ("rejected", "登记号看不清")


def test_a_decision_cannot_be_made_twice(newcomer, auditor):
    verification = submitted(newcomer)
    approve_verification(verification=verification, auditor=auditor)

    with pytest.raises(VerificationError, match="已审核"):
        reject_verification(verification=verification, auditor=auditor, reason="改主意")

    newcomer.refresh_from_db()
    assert newcomer.verification_status == User.Verification.VERIFIED


def test_only_an_auditor_decides(newcomer, alice_admin):
    verification = submitted(newcomer)

    with pytest.raises(VerificationError, match="只有平台审核员"):
        approve_verification(verification=verification, auditor=alice_admin)

    newcomer.refresh_from_db()
    assert newcomer.verification_status == User.Verification.PENDING


def test_approval_refused_when_the_user_changed_institution(newcomer, auditor, institution_b):
    verification = submitted(newcomer)
    User.objects.filter(pk=newcomer.pk).update(institution=institution_b)

    with pytest.raises(VerificationError, match="所属单位已变更"):
        approve_verification(verification=verification, auditor=auditor)


def test_service_refuses_a_second_pending_submission(newcomer):
    submitted(newcomer)

    with pytest.raises(VerificationError, match="审核期间不能重复提交"):
        submitted(newcomer)


def test_service_refuses_an_account_that_needs_no_verification(alice_admin):
    with pytest.raises(VerificationError, match="不需要个人身份认证"):
        submitted(alice_admin)


def test_service_updates_the_callers_user_object(newcomer):
    submitted(newcomer)

    assert newcomer.verification_status == User.Verification.PENDING


# Concurrency: two browser tabs submitting at once. Row locks are what is tested, so this
# runs on PostgreSQL only.


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_store_one(newcomer, media):
    barrier = threading.Barrier(3)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            submitted(User.objects.get(pk=newcomer.pk))
            outcomes.append("ok")
        except VerificationError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 1
    assert IdentityVerification.objects.count() == 1
    assert len(stored_files(media)) == 1
