"""The auditors' 个人身份认证 queue in the admin, and the masked user list."""

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import IdentityVerification, User
from accounts.sms.backends import locmem
from accounts.verification import approve_verification, submit_verification
from tests.factories import AuditorFactory, UserFactory

CHANGELIST = reverse("admin:accounts_identityverification_changelist")


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


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("licence.png", buffer.getvalue())


def submitted(user):
    return submit_verification(
        user=user, licence_number=user.institution.licence_number, photo=png()
    )


def change_url(verification):
    return reverse("admin:accounts_identityverification_change", args=[verification.pk])


def approve_url(verification):
    return reverse("admin:accounts_identityverification_approve", args=[verification.pk])


def reject_url(verification):
    return reverse("admin:accounts_identityverification_reject", args=[verification.pk])


@pytest.fixture
def pending(newcomer):
    newcomer.mobile = "13800138000"
    newcomer.save()
    return submitted(newcomer)


@pytest.fixture
def guangzhou_pending(institution_b):
    user = UserFactory(
        username="gz_user",
        real_name="广州用户",
        institution=institution_b,
        verification_status=User.Verification.UNVERIFIED,
    )
    return submitted(user)


# The queue


def test_queue_lists_pending_first(client, auditor, pending, guangzhou_pending):
    approve_verification(verification=pending, auditor=auditor)
    client.force_login(auditor)

    response = client.get(CHANGELIST)

    rows = list(response.context["cl"].result_list)
    assert [row.status for row in rows] == ["pending", "approved"]


def test_queue_filters_by_status(client, auditor, pending, guangzhou_pending):
    approve_verification(verification=pending, auditor=auditor)
    client.force_login(auditor)

    response = client.get(CHANGELIST, {"status__exact": "pending"})

    assert list(response.context["cl"].result_list) == [guangzhou_pending]


def test_queue_filters_by_province(client, auditor, pending, guangzhou_pending):
    client.force_login(auditor)

    response = client.get(CHANGELIST, {"province": "440000"})

    assert list(response.context["cl"].result_list) == [guangzhou_pending]


@pytest.mark.parametrize("term", ["乙医院", "gz_user", "广州用户"])
def test_queue_searches_institution_username_and_real_name(
    client, auditor, pending, guangzhou_pending, term
):
    client.force_login(auditor)

    response = client.get(CHANGELIST, {"q": term})

    assert list(response.context["cl"].result_list) == [guangzhou_pending]


def test_queue_query_count_does_not_grow_with_rows(
    client, auditor, django_assert_max_num_queries, institution_a
):
    for n in range(12):
        submitted(
            UserFactory(
                username=f"applicant{n}",
                institution=institution_a,
                verification_status=User.Verification.UNVERIFIED,
            )
        )
    client.force_login(auditor)

    # 14: 12, and the auditor's permissions (their own and the 审核员 group's), once a request.
    with django_assert_max_num_queries(14):
        client.get(CHANGELIST)


# The change page


def test_change_page_shows_the_photo_from_the_protected_view(client, auditor, pending):
    client.force_login(auditor)

    response = client.get(change_url(pending))

    photo = reverse("accounts:verification_photo", args=[pending.public_id])
    assert f'<img src="{photo}"' in response.text


def test_change_page_shows_both_licence_numbers(client, auditor, pending):
    pending.institution.licence_number = "PDY77777X11010117A1001"
    pending.institution.save()
    client.force_login(auditor)

    response = client.get(change_url(pending))

    assert pending.licence_number in response.text
    assert "PDY77777X11010117A1001" in response.text
    assert "不一致" in response.text


def test_change_page_masks_the_applicants_mobile(client, auditor, pending):
    client.force_login(auditor)

    response = client.get(change_url(pending))

    assert "138****8000" in response.text
    assert "13800138000" not in response.text


def test_change_page_escapes_what_users_typed(client, auditor, newcomer):
    newcomer.real_name = "<script>alert(1)</script>"
    newcomer.save()
    verification = submitted(newcomer)
    client.force_login(auditor)

    response = client.get(change_url(verification))

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_pending_change_page_offers_approve_and_reject(client, auditor, pending):
    client.force_login(auditor)

    response = client.get(change_url(pending))

    assert f'formaction="{approve_url(pending)}"' in response.text
    assert f'formaction="{reject_url(pending)}"' in response.text
    assert 'name="reject_reason"' in response.text


def test_decided_change_page_offers_no_decision(client, auditor, pending):
    approve_verification(verification=pending, auditor=auditor)
    client.force_login(auditor)

    response = client.get(change_url(pending))

    assert approve_url(pending) not in response.text
    assert 'name="_save"' not in response.text


def test_change_page_cannot_be_saved(client, auditor, pending):
    client.force_login(auditor)

    response = client.post(change_url(pending), {"status": "approved"})

    pending.refresh_from_db()
    assert response.status_code == 403
    assert pending.status == IdentityVerification.Status.PENDING


def test_no_add_and_no_delete(client, auditor, pending):
    client.force_login(auditor)

    add = client.get(reverse("admin:accounts_identityverification_add"))
    delete = client.post(
        reverse("admin:accounts_identityverification_delete", args=[pending.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert IdentityVerification.objects.filter(pk=pending.pk).exists()


# Deciding


def test_approve_verifies_the_user(client, auditor, pending):
    client.force_login(auditor)

    response = client.post(approve_url(pending))

    pending.user.refresh_from_db()
    assert response.url == CHANGELIST
    assert pending.user.verification_status == User.Verification.VERIFIED


def test_approve_sends_the_sms(
    client, auditor, pending, outbox, django_capture_on_commit_callbacks
):
    client.force_login(auditor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(approve_url(pending))

    assert [(m.mobile, m.params) for m in outbox] == [("13800138000", {"result": "已通过审核"})]


def test_approve_is_logged_in_the_admin_history(client, auditor, pending):
    client.force_login(auditor)

    client.post(approve_url(pending))

    entry = LogEntry.objects.get(object_id=str(pending.pk))
    assert (entry.user, entry.get_change_message()) == (auditor, "通过个人身份认证")


def test_reject_with_reason_rejects_and_sends_the_reason(
    client, auditor, pending, outbox, django_capture_on_commit_callbacks
):
    client.force_login(auditor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reject_url(pending), {"reject_reason": "照片不清晰，请重新拍摄"})

    pending.refresh_from_db()
    pending.user.refresh_from_db()
    assert pending.user.verification_status == User.Verification.REJECTED
    assert pending.reject_reason == "照片不清晰，请重新拍摄"
    assert "原因：照片不清晰，请重新拍摄" in outbox[0].text


def test_reject_without_reason_is_refused(client, auditor, pending, outbox):
    client.force_login(auditor)

    response = client.post(reject_url(pending), {"reject_reason": " "}, follow=True)

    pending.refresh_from_db()
    assert "请填写驳回原因" in response.text
    assert pending.status == IdentityVerification.Status.PENDING
    assert outbox == []


def test_second_decision_is_refused_with_a_message(client, auditor, pending):
    approve_verification(verification=pending, auditor=auditor)
    client.force_login(auditor)

    response = client.post(reject_url(pending), {"reject_reason": "晚了"}, follow=True)

    pending.refresh_from_db()
    assert "不能重复审核" in response.text
    assert pending.status == IdentityVerification.Status.APPROVED


def test_decision_urls_take_post_only(client, auditor, pending):
    client.force_login(auditor)

    response = client.get(approve_url(pending))

    pending.refresh_from_db()
    assert response.status_code == 405
    assert pending.status == IdentityVerification.Status.PENDING


def test_staff_who_may_only_view_cannot_decide(client, db, pending):
    viewer = AuditorFactory(username="viewer", is_superuser=False, auditor_group=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_identityverification"))
    client.force_login(viewer)

    page = client.get(change_url(pending))
    response = client.post(approve_url(pending))

    pending.refresh_from_db()
    assert page.status_code == 200 and approve_url(pending) not in page.text
    assert response.status_code == 403
    assert pending.status == IdentityVerification.Status.PENDING


def test_hospital_user_cannot_reach_the_decision(client, alice, pending):
    client.force_login(alice)

    response = client.post(approve_url(pending))

    pending.refresh_from_db()
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert pending.status == IdentityVerification.Status.PENDING


def test_reject_then_resubmit_then_approve(client, auditor, pending):
    client.force_login(auditor)
    client.post(reject_url(pending), {"reject_reason": "照片不清晰"})
    applicant = User.objects.get(pk=pending.user_id)

    second = submitted(applicant)
    client.post(approve_url(second))

    applicant.refresh_from_db()
    assert applicant.verification_status == User.Verification.VERIFIED
    assert list(applicant.identity_verifications.values_list("status", flat=True)) == [
        "approved",
        "rejected",
    ]


# The user list


def test_user_list_shows_masked_mobile_and_id_number(client, auditor, alice):
    alice.mobile = "13800138000"
    alice.id_number = "11010519491231002X"
    alice.save()
    client.force_login(auditor)

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert "138****8000" in response.text and "1101**********002X" in response.text
    assert "13800138000" not in response.text and "11010519491231002X" not in response.text
