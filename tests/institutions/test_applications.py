"""单位注册: the application in steps, duplicates, uploads, print, status, review."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.consent import ID_NUMBER_CONSENT_VERSION
from accounts.models import SmsCode
from accounts.sms.backends import locmem
from institutions.applications import (
    ApplicationError,
    approve_application,
    reject_application,
    submit_application,
)
from institutions.models import Institution, InstitutionApplication
from tests.captcha import solved_captcha
from tests.factories import InstitutionFactory
from tests.hostile_files import SECRET, jpeg_with_metadata, metadata_left, png_with_metadata

from .applications import APPLICANT_MOBILE, form_data, grant, make_application, pdf_bytes, png_bytes
from .applications import sms_code as _sms_code

Status = InstitutionApplication.Status


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    return locmem.outbox


def _start(client, capture, **overrides):
    code = _sms_code(client, APPLICANT_MOBILE, "institution_apply", capture)
    data = {
        **form_data(),
        "applicant_mobile": APPLICANT_MOBILE,
        "id_number_consent": "on",
        "sms_code": code,
        **solved_captcha(),
        **overrides,
    }
    return client.post(reverse("institutions:register"), data)


def _files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


# Starting and coming back


def test_start_saves_a_draft_and_opens_it_to_this_browser(
    client, regions, django_capture_on_commit_callbacks
):
    response = _start(client, django_capture_on_commit_callbacks)

    application = InstitutionApplication.objects.get()
    assert re.fullmatch(r"SQ\d{8}-[2-9A-HJKMNP-Z]{5}", application.number)
    assert application.status == Status.DRAFT
    assert application.applicant_mobile == APPLICANT_MOBILE
    assert response.url == reverse("institutions:application", args=[application.number])
    assert application.number in client.get(response.url).content.decode()


def test_the_number_alone_opens_nothing(client, regions, django_capture_on_commit_callbacks):
    _start(client, django_capture_on_commit_callbacks)
    number = InstitutionApplication.objects.get().number

    assert Client().get(reverse("institutions:application", args=[number])).status_code == 404


def test_resume_with_number_mobile_and_sms_code(client, db, django_capture_on_commit_callbacks):
    application = make_application()
    code = _sms_code(
        client, APPLICANT_MOBILE, "institution_apply", django_capture_on_commit_callbacks
    )

    response = client.post(
        reverse("institutions:resume"),
        {
            "number": application.number.lower(),
            "mobile": APPLICANT_MOBILE,
            "sms_code": code,
            **solved_captcha(),
        },
    )

    assert response.url == reverse("institutions:application", args=[application.number])
    assert client.get(response.url).status_code == 200


def test_resume_with_another_mobile_opens_nothing(client, db, django_capture_on_commit_callbacks):
    application = make_application()
    code = _sms_code(client, "13700137000", "institution_apply", django_capture_on_commit_callbacks)

    response = client.post(
        reverse("institutions:resume"),
        {
            "number": application.number,
            "mobile": "13700137000",
            "sms_code": code,
            **solved_captcha(),
        },
    )

    assert "没有找到该手机号提交的这个申请编号" in response.content.decode()
    assert (
        client.get(reverse("institutions:application", args=[application.number])).status_code
        == 404
    )


def test_sms_code_for_application_needs_no_sign_in(client, db, django_capture_on_commit_callbacks):
    _sms_code(client, APPLICANT_MOBILE, "institution_apply", django_capture_on_commit_callbacks)

    assert SmsCode.objects.filter(purpose=SmsCode.Purpose.INSTITUTION_APPLY).count() == 1


# Duplicates


def test_duplicate_credit_code_of_a_registered_institution_refused(
    client, regions, django_capture_on_commit_callbacks
):
    InstitutionFactory(credit_code=form_data()["credit_code"])

    response = _start(client, django_capture_on_commit_callbacks)

    assert "该单位已注册，请使用“账号查询”找回账号，或联系平台。" in response.content.decode()
    assert not InstitutionApplication.objects.exists()


def test_duplicate_licence_number_of_a_registered_institution_refused(
    client, regions, django_capture_on_commit_callbacks
):
    InstitutionFactory(licence_number=form_data()["licence_number"])

    response = _start(client, django_capture_on_commit_callbacks)

    assert "该单位已注册" in response.content.decode()
    assert not InstitutionApplication.objects.exists()


def test_licence_number_claimed_by_a_pending_application_refused(
    client, regions, django_capture_on_commit_callbacks
):
    make_application(n=1, status=Status.PENDING, applicant_mobile="13600136000")

    response = _start(
        client, django_capture_on_commit_callbacks, credit_code=form_data(2)["credit_code"]
    )

    assert "该单位已有注册申请正在审核中" in response.content.decode()
    assert InstitutionApplication.objects.count() == 1


def test_submit_refused_while_another_application_claims_the_credit_code(db):
    make_application(n=1, status=Status.PENDING, applicant_mobile="13600136000")
    mine = make_application(n=1)

    with pytest.raises(ApplicationError, match="正在审核中"):
        submit_application(application=mine)

    mine.refresh_from_db()
    assert mine.status == Status.DRAFT


# Uploads


def _upload(client, application, kind, content, name):
    url = reverse("institutions:application_upload", args=[application.number, kind])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def draft(client, db):
    """A draft without uploads, opened to ``client``."""
    application = make_application(uploads=False)
    grant(client, application)
    return application


def test_stamped_form_pdf_is_stored_with_kind_digest_and_pages(client, draft):
    response = _upload(client, draft, "stamped-form", pdf_bytes(pages=1), "登记表.pdf")

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.stamped_form_type == "application/pdf"
    assert draft.stamped_form_pages == 1
    assert len(draft.stamped_form_sha256) == 64
    assert draft.stamped_form.name.endswith(".pdf") and "登记表" not in draft.stamped_form.name


def test_stamped_form_image_is_reencoded(client, draft):
    _upload(client, draft, "stamped-form", png_bytes(), "scan.png")

    draft.refresh_from_db()
    assert draft.stamped_form_type in ("image/jpeg", "image/png")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7\nthis is not a pdf at all", "fake.pdf", "不是有效的PDF"),
        (b"PK\x03\x04zip renamed", "zip.pdf", "不是有效的图片"),
        (pdf_bytes(password="secret"), "locked.pdf", "已加密"),
        (b"\x89PNG\r\n\x1a\n<html>not an image</html>", "scan.png", "不是有效的图片"),
    ],
)
def test_bad_stamped_form_refused_and_nothing_stored(
    client, draft, media_root, content, name, message
):
    response = _upload(client, draft, "stamped-form", content, name)

    draft.refresh_from_db()
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not draft.stamped_form and draft.stamped_form_sha256 == ""
    assert _files(media_root) == []


def test_oversized_stamped_form_refused_and_nothing_stored(client, draft, media_root):
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)

    response = _upload(client, draft, "stamped-form", big, "big.pdf")

    draft.refresh_from_db()
    assert response.status_code == 413
    assert "不能超过10MB" in response.content.decode()
    assert not draft.stamped_form
    assert _files(media_root) == []


def test_certificate_must_be_an_image(client, draft, media_root):
    response = _upload(client, draft, "certificate", pdf_bytes(), "证书.pdf")

    draft.refresh_from_db()
    assert response.status_code == 400
    assert not draft.certificate
    assert _files(media_root) == []


@pytest.mark.parametrize(
    ("kind", "data"),
    [("certificate", jpeg_with_metadata()), ("stamped-form", png_with_metadata(mode="RGBA"))],
    ids=["certificate jpeg", "stamped form png"],
)
def test_uploaded_images_are_stored_without_any_metadata(client, draft, kind, data):
    _upload(client, draft, kind, data, "scan.jpg")

    draft.refresh_from_db()
    stored = draft.certificate if kind == "certificate" else draft.stamped_form
    with stored.open("rb") as file:
        kept = file.read()
    assert metadata_left(kept) == []
    assert SECRET not in kept


def test_certificate_over_5mb_refused(client, draft, media_root):
    response = _upload(
        client, draft, "certificate", b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "c.jpg"
    )

    assert response.status_code == 413
    assert _files(media_root) == []


def test_unknown_upload_kind_is_404(client, draft):
    assert _upload(client, draft, "passport", png_bytes(), "a.png").status_code == 404


# Serving the uploads


def test_pdf_served_as_a_sandboxed_download(client, db):
    application = make_application()
    grant(client, application)

    response = client.get(
        reverse("institutions:application_file", args=[application.number, "stamped-form"])
    )

    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{application.number}-stamped-form.pdf"'
    )
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_image_served_sandboxed(client, db):
    application = make_application()
    grant(client, application)

    response = client.get(
        reverse("institutions:application_file", args=[application.number, "certificate"])
    )

    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]


def test_auditor_sees_the_uploads(client, db, auditor):
    application = make_application(status=Status.PENDING)
    client.force_login(auditor)

    url = reverse("institutions:application_file", args=[application.number, "certificate"])

    assert client.get(url).status_code == 200


def test_uploads_are_not_under_a_public_media_url(client, db):
    application = make_application()

    assert client.get("/media/" + application.certificate.name).status_code == 404


# Print


def test_print_page_has_every_field_number_and_boxes(client, db):
    application = make_application()
    grant(client, application)

    html = client.get(
        reverse("institutions:application_print", args=[application.number])
    ).content.decode()

    for text in (
        "《单位注册信息登记表》",
        application.number,
        application.name,
        application.credit_code,
        application.licence_number,
        application.address,
        application.legal_representative,
        application.applicant_name,
        application.applicant_id_number,
        application.applicant_email,
        "北京市东城区",
        "法定代表人签字",
        "单位盖章",
        "css/print-form.css",
        "js/print-page.js",
    ):
        assert text in html, text
    assert "<script>" not in html and "onclick" not in html


# Submit, reject, resubmit, approve


def test_submit_refused_without_uploads(client, db):
    application = make_application(uploads=False)
    grant(client, application)

    client.post(reverse("institutions:application_submit", args=[application.number]))

    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_submit_puts_the_application_in_the_queue(client, db):
    application = make_application()
    grant(client, application)

    client.post(reverse("institutions:application_submit", args=[application.number]))

    application.refresh_from_db()
    assert application.status == Status.PENDING
    assert application.submitted_at is not None


def test_pending_application_cannot_be_edited(client, db):
    application = make_application(status=Status.PENDING)
    grant(client, application)

    response = _upload(client, application, "certificate", png_bytes(color="red"), "c.png")

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.certificate_type == "image/png" and application.status == Status.PENDING


def test_reject_shows_reason_then_corrected_and_resubmitted(
    client, regions, auditor, django_capture_on_commit_callbacks
):
    application = make_application(status=Status.PENDING)
    grant(client, application)
    with django_capture_on_commit_callbacks(execute=True):
        reject_application(
            application=application, auditor=auditor, reason="盖章不清晰，请重新拍照"
        )

    detail = reverse("institutions:application", args=[application.number])
    assert "盖章不清晰，请重新拍照" in client.get(detail).content.decode()
    assert "盖章不清晰" in locmem.outbox[-1].text and application.number in locmem.outbox[-1].text

    data = form_data(address="北京市东城区东直门内大街5号院1号楼")
    response = client.post(
        reverse("institutions:application_edit", args=[application.number]), data
    )
    assert response.status_code == 302
    _upload(client, application, "stamped-form", pdf_bytes(), "重新盖章.pdf")
    client.post(reverse("institutions:application_submit", args=[application.number]))

    application.refresh_from_db()
    assert application.status == Status.PENDING
    assert application.address == "北京市东城区东直门内大街5号院1号楼"


def test_reject_needs_a_reason(db, auditor):
    application = make_application(status=Status.PENDING)

    with pytest.raises(ApplicationError, match="驳回原因"):
        reject_application(application=application, auditor=auditor, reason="  ")


def test_approve_creates_the_institution_and_texts_a_hashed_activation_code(
    db, auditor, django_capture_on_commit_callbacks
):
    application = make_application(status=Status.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        approve_application(application=application, auditor=auditor)

    application.refresh_from_db()
    institution = Institution.objects.get(credit_code=application.credit_code)
    code = re.search(r"激活码为([2-9A-Z]{8})", locmem.outbox[-1].text).group(1)
    assert application.status == Status.APPROVED and application.institution == institution
    assert institution.region_name == "北京市东城区"
    assert code not in application.activation_code_hash
    assert locmem.outbox[-1].mobile == APPLICANT_MOBILE


def test_only_auditors_decide(db, alice):
    application = make_application(status=Status.PENDING)

    with pytest.raises(ApplicationError):
        approve_application(application=application, auditor=alice)


def test_approve_refused_when_the_institution_registered_meanwhile(db, auditor):
    application = make_application(status=Status.PENDING)
    InstitutionFactory(licence_number=application.licence_number)

    with pytest.raises(ApplicationError, match="该单位已注册"):
        approve_application(application=application, auditor=auditor)

    application.refresh_from_db()
    assert application.status == Status.PENDING


# Admin


def test_admin_queue_lists_and_previews_the_uploads(client, db, auditor):
    application = make_application(status=Status.PENDING)
    client.force_login(auditor)

    queue = client.get(reverse("admin:institutions_institutionapplication_changelist"))
    page = client.get(
        reverse("admin:institutions_institutionapplication_change", args=[application.pk])
    ).content.decode()

    file_url = reverse("institutions:application_file", args=[application.number, "stamped-form"])
    cert_url = reverse("institutions:application_file", args=[application.number, "certificate"])
    assert application.number in queue.content.decode()
    assert f'<object class="application-pdf" data="{file_url}"' in page
    assert f'<img src="{cert_url}"' in page
    assert "11010519491231002X" not in page and "13900139000" not in page


def test_admin_filters_by_status_and_province(client, db, auditor):
    application = make_application(status=Status.PENDING)
    client.force_login(auditor)
    url = reverse("admin:institutions_institutionapplication_changelist")

    beijing = client.get(url, {"status__exact": "pending", "province": "110000"})
    guangdong = client.get(url, {"province": "440000"})

    assert application.number in beijing.content.decode()
    assert application.number not in guangdong.content.decode()


def test_admin_approve_button_calls_the_service(
    client, db, auditor, django_capture_on_commit_callbacks
):
    application = make_application(status=Status.PENDING)
    client.force_login(auditor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:institutions_institutionapplication_approve", args=[application.pk])
        )

    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert "激活码" in locmem.outbox[-1].text


def test_admin_reject_button_requires_reason(client, db, auditor):
    application = make_application(status=Status.PENDING)
    client.force_login(auditor)
    url = reverse("admin:institutions_institutionapplication_reject", args=[application.pk])

    client.post(url, {"reject_reason": ""})
    application.refresh_from_db()
    assert application.status == Status.PENDING

    client.post(url, {"reject_reason": "法人证书照片模糊"})
    application.refresh_from_db()
    assert application.status == Status.REJECTED and application.reject_reason == "法人证书照片模糊"


def test_admin_cannot_add_or_delete(client, db, auditor):
    application = make_application(status=Status.PENDING)
    client.force_login(auditor)

    add = client.get(reverse("admin:institutions_institutionapplication_add"))
    delete = client.get(
        reverse("admin:institutions_institutionapplication_delete", args=[application.pk])
    )

    assert add.status_code == 403 and delete.status_code == 403


def test_hospital_user_cannot_decide(client, db, alice):
    application = make_application(status=Status.PENDING)
    client.force_login(alice)

    client.post(reverse("admin:institutions_institutionapplication_approve", args=[application.pk]))

    application.refresh_from_db()
    assert application.status == Status.PENDING


# 单独同意 to process the applicant's ID number (security checklist 8.4)


def test_start_without_the_id_number_consent_is_refused(
    client, regions, django_capture_on_commit_callbacks
):
    data_without_consent = {"id_number_consent": ""}

    response = _start(client, django_capture_on_commit_callbacks, **data_without_consent)

    assert response.status_code == 200
    assert "请阅读身份证号码处理说明，单独勾选同意后再继续。" in response.text
    assert not InstitutionApplication.objects.exists()


def test_start_records_the_id_number_consent(client, regions, django_capture_on_commit_callbacks):
    _start(client, django_capture_on_commit_callbacks)

    application = InstitutionApplication.objects.get()
    assert application.applicant_consent_version == ID_NUMBER_CONSENT_VERSION
    assert application.applicant_consent_at is not None
