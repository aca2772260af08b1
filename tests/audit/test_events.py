"""Every security event that exists today leaves one audit row with who, where, what and how
it ended (checklist 9.1), and nothing personal in it (9.3)."""

import io
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy
from PIL import Image

import audit
from accounts.models import IdentityVerification, SmsCode
from accounts.sms.backends import locmem
from accounts.sms.codes import SmsCodeError, send_code, verify_code
from accounts.verification import (
    approve_verification,
    reject_verification,
    submit_verification,
)
from audit.models import AuditEvent
from binding.services import bind_legacy_record, unbind_legacy_record
from institutions.applications import (
    approve_application,
    attach_upload,
    reject_application,
    resend_activation_code,
)
from institutions.models import InstitutionApplication
from surveys import reports
from surveys.models import ReportScan
from tests.accounts.test_mobile_change import NEW_MOBILE, _change, code_for, signed_in  # noqa: F401
from tests.binding.helpers import make_record
from tests.captcha import solved_captcha
from tests.factories import PASSWORD
from tests.institutions.applications import make_application, png_bytes
from tests.surveys.test_report_admin import (
    draft_report,
    in_window,  # noqa: F401 (autouse fixture: today is inside the 2025 window)
    submitted_report,
)

MOBILE = "13800138000"


def only(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def the_event(action):
    events = only(action)
    assert len(events) == 1, events
    return events[0]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    return locmem.outbox


def login_post(client, username, password, ip="10.0.0.1"):
    data = {"username": username, "password": password, **solved_captcha()}
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR=ip)


# Sign-in ------------------------------------------------------------------------------------


def test_sign_in_is_recorded(client, alice):
    client.force_login(alice)

    event = the_event(audit.Action.LOGIN)
    assert (event.user, event.institution_id, event.outcome) == (
        alice,
        alice.institution_id,
        "success",
    )


def test_a_wrong_password_is_recorded_with_the_name_tried_and_the_address(client, alice):
    login_post(client, "alice", "wrong", ip="10.0.0.9")

    event = the_event(audit.Action.LOGIN_FAILED)
    assert (event.username, event.ip, event.outcome) == ("alice", "10.0.0.9", "failure")
    assert event.user is None
    assert "wrong" not in str(event.detail)


def test_a_lockout_is_recorded(client, alice):
    for _ in range(5):
        login_post(client, "alice", "wrong")

    response = login_post(client, "alice", PASSWORD)

    assert response.status_code == 429
    events = only(audit.Action.LOCKOUT)
    assert events and {e.username for e in events} == {"alice"}
    assert {e.outcome for e in events} == {"denied"}


def test_a_refused_mobile_sign_in_is_recorded(client, alice):
    data = {"tab": "mobile", "mobile": MOBILE, "sms_code": "000000", **solved_captcha()}

    client.post(reverse("accounts:login"), data, REMOTE_ADDR="10.0.0.3")

    event = the_event(audit.Action.LOGIN_FAILED)
    assert (event.ip, event.detail) == ("10.0.0.3", {"via": "mobile"})


def test_sign_out_is_recorded(client, alice):
    client.force_login(alice)

    client.post(reverse("accounts:logout"))

    assert the_event(audit.Action.LOGOUT).user == alice


# SMS -----------------------------------------------------------------------------------------


def test_an_sms_code_sent_is_recorded_without_the_mobile_or_the_code(
    db, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_code(mobile=MOBILE, purpose=SmsCode.Purpose.LOGIN, ip="10.0.0.1")

    event = the_event(audit.Action.SMS_SENT)
    code = re.search(r"验证码为(\d{6})", sms_outbox[-1].text).group(1)
    assert event.detail == {"purpose": "login"}
    assert MOBILE not in str(event.__dict__) and code not in str(event.__dict__)


def test_a_wrong_sms_code_is_recorded(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_code(mobile=MOBILE, purpose=SmsCode.Purpose.LOGIN, ip="10.0.0.1")

    with pytest.raises(SmsCodeError):
        verify_code(mobile=MOBILE, purpose=SmsCode.Purpose.LOGIN, code="not-it")

    assert the_event(audit.Action.SMS_CODE_FAILED).outcome == "failure"


# Password and mobile -------------------------------------------------------------------------


def test_a_password_set_on_an_account_is_recorded(alice):
    before = len(only(audit.Action.PASSWORD_CHANGE))

    alice.set_password("Another-Horse-43")
    alice.save()

    events = only(audit.Action.PASSWORD_CHANGE)
    assert len(events) == before + 1
    assert (events[-1].user, events[-1].object_id) == (alice, str(alice.pk))


def test_a_password_change_in_the_admin_is_recorded_as_by_admin(client, auditor, alice):
    client.force_login(auditor)

    client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {
            "password1": "Another-Horse-43",
            "password2": "Another-Horse-43",
            "usable_password": "true",
        },
    )

    event = only(audit.Action.PASSWORD_CHANGE)[-1]
    assert (event.user, event.detail) == (alice, {"by": "admin"})


def test_a_mobile_change_is_recorded(request, alice):
    # The flow (and fixtures) of tests/accounts/test_mobile_change.py, so it follows its changes.
    client = request.getfixturevalue("signed_in")
    code = request.getfixturevalue("code_for")(NEW_MOBILE)

    response = _change(client, NEW_MOBILE, code)

    assert response.status_code == 302
    event = the_event(audit.Action.MOBILE_CHANGE)
    assert (event.user, event.object_id) == (alice, str(alice.pk))
    assert NEW_MOBILE not in str(event.detail)


# Permission denials -------------------------------------------------------------------------


def test_a_403_from_a_view_is_recorded(client, auditor):
    client.force_login(auditor)

    response = client.get(reverse("surveys:home"))

    assert response.status_code == 403
    event = the_event(audit.Action.PERMISSION_DENIED)
    assert (event.user, event.outcome, event.path) == (auditor, "denied", "/registry/")


def test_another_institutions_report_asked_for_by_id_is_recorded_as_refused(client, alice, bob):
    report = draft_report(alice)
    client.force_login(bob)

    response = client.get(reverse("surveys:report_detail", args=[report.public_id]))

    assert response.status_code == 404
    event = the_event(audit.Action.PERMISSION_DENIED)
    assert (event.user, event.outcome, event.detail) == (bob, "denied", {"status": 404})
    assert event.path == f"/registry/reports/{report.public_id}/"


def test_a_mistyped_address_is_not_recorded(client, alice):
    client.force_login(alice)

    assert client.get("/registry/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action=audit.Action.PERMISSION_DENIED).exists()


def test_the_verification_gate_refusal_is_recorded(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("surveys:home"))

    assert response.status_code == 403
    event = the_event(audit.Action.PERMISSION_DENIED)
    assert (event.user, event.detail) == (newcomer, {"gate": "verification"})


# 个人身份认证 and 单位注册 -------------------------------------------------------------------


def png_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("licence.png", buffer.getvalue(), content_type="image/png")


def test_a_licence_photo_upload_is_recorded_with_the_stored_files_digest(newcomer):
    verification = submit_verification(
        user=newcomer, licence_number=newcomer.institution.licence_number, photo=png_upload()
    )

    event = the_event(audit.Action.UPLOAD)
    assert event.detail["kind"] == "licence_photo"
    assert event.detail["sha256"] == audit.file_sha256(verification.licence_photo.open("rb"))
    assert event.object_id == str(verification.pk)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_verification_decisions_are_recorded(newcomer, auditor, decision):
    verification = submit_verification(
        user=newcomer, licence_number=newcomer.institution.licence_number, photo=png_upload()
    )

    if decision == "approve":
        approve_verification(verification=verification, auditor=auditor)
        action = audit.Action.VERIFICATION_APPROVE
    else:
        reject_verification(verification=verification, auditor=auditor, reason="照片模糊")
        action = audit.Action.VERIFICATION_REJECT

    event = the_event(action)
    assert (event.user, event.institution_id) == (auditor, newcomer.institution_id)
    assert event.object_type == IdentityVerification._meta.label_lower
    assert "照片模糊" not in str(event.detail)


def test_an_application_upload_is_recorded_with_its_digest(db):
    application = make_application(uploads=False)

    attach_upload(
        application=application,
        kind="certificate",
        uploaded=SimpleUploadedFile("cert.png", png_bytes(), content_type="image/png"),
    )

    event = the_event(audit.Action.UPLOAD)
    application.refresh_from_db()
    assert event.detail == {"kind": "certificate", "sha256": application.certificate_sha256}
    assert event.object_type == "institutions.institutionapplication"


def test_application_decisions_are_recorded(db, auditor):
    approved = make_application(1, status=InstitutionApplication.Status.PENDING)
    rejected = make_application(2, status=InstitutionApplication.Status.PENDING)

    approve_application(application=approved, auditor=auditor)
    resend_activation_code(application=approved, auditor=auditor)
    reject_application(application=rejected, auditor=auditor, reason="证书不清晰")

    assert the_event(audit.Action.APPLICATION_APPROVE).object_id == str(approved.pk)
    assert the_event(audit.Action.ACTIVATION_CODE_RESEND).user == auditor
    assert the_event(audit.Action.APPLICATION_REJECT).object_id == str(rejected.pk)
    approved.refresh_from_db()
    assert the_event(audit.Action.APPLICATION_APPROVE).institution_id == approved.institution_id


# Reports -------------------------------------------------------------------------------------


def test_an_attachment4_upload_is_recorded_with_every_files_digest(alice):
    from tests.surveys.helpers import required_only
    from tests.surveys.test_basic_info import make_basic_info

    make_basic_info(alice)
    report = draft_report(alice, values=required_only())
    files = [png_upload(), png_upload()]

    from surveys.attachment4 import replace_scans

    scans = replace_scans(report, files, alice)

    event = the_event(audit.Action.UPLOAD)
    assert event.detail == {"kind": "attachment4", "sha256": [scan.sha256 for scan in scans]}
    assert (event.object_id, event.institution_id) == (str(report.pk), alice.institution_id)
    assert ReportScan.objects.filter(report=report).count() == 2


def test_submit_return_and_approve_are_recorded(alice, auditor):
    report = submitted_report(alice)
    submit = the_event(audit.Action.REPORT_SUBMIT)

    report = reports.return_report(report, auditor, "请核对溶栓人数")
    confirmed = [w.id for w in reports.submission_check(report).warnings]
    report = reports.submit(report, alice, confirmed)
    report = reports.approve_report(report, auditor)

    assert (submit.user, submit.object_id) == (alice, str(report.pk))
    assert the_event(audit.Action.REPORT_RETURN).user == auditor
    assert len(only(audit.Action.REPORT_SUBMIT)) == 2
    approve = the_event(audit.Action.REPORT_APPROVE)
    assert (approve.user, approve.institution_id) == (auditor, alice.institution_id)


def test_delete_and_restore_are_recorded(alice, auditor):
    report = reports.delete_report(draft_report(alice), alice)
    reports.restore_report(report, auditor)

    assert the_event(audit.Action.REPORT_DELETE).user == alice
    assert the_event(audit.Action.REPORT_RESTORE).user == auditor


def test_an_export_is_recorded_with_its_row_count(client, auditor, alice, bob):
    draft_report(alice)
    draft_report(bob)
    client.force_login(auditor)

    response = client.get(reverse("admin:surveys_report_export"), REMOTE_ADDR="10.0.0.5")

    assert response.status_code == 200
    event = the_event(audit.Action.EXPORT)
    assert (event.user, event.ip, event.detail) == (
        auditor,
        "10.0.0.5",
        {"kind": "reports", "rows": 2, "format": "xlsx"},
    )


# 绑定既往数据 --------------------------------------------------------------------------------


def test_bind_and_unbind_are_recorded(alice):
    record = make_record()

    report = bind_legacy_record(record, alice.institution, alice)
    unbind_legacy_record(record, alice.institution, alice)

    bind, unbind = the_event(audit.Action.BIND), the_event(audit.Action.UNBIND)
    assert (bind.user, bind.object_id, bind.detail) == (
        alice,
        str(report.pk),
        {"record": str(record.public_id)},
    )
    assert unbind.institution_id == alice.institution_id


def test_a_legacy_import_is_recorded_with_its_counts(db, auditor, tmp_path):
    from binding.importer import import_legacy
    from tests.binding.helpers import hospital_row, write_attachment1

    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])

    result = import_legacy(tmp_path, run_by=auditor, source_sha256="ab" * 32)

    event = the_event(audit.Action.IMPORT)
    assert event.user == auditor
    assert event.detail == {
        "kind": "legacy",
        "sha256": "ab" * 32,
        "created": result.created,
        "unchanged": result.unchanged,
        "refused": result.refused,
    }


# Admin changes -------------------------------------------------------------------------------


def test_an_admin_change_is_recorded_with_the_field_names_only(client, auditor, alice):
    LogEntry.objects.log_actions(
        user_id=auditor.pk,
        queryset=[alice],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["手机号码"]}}],
        single_object=True,
    )

    event = the_event(audit.Action.ADMIN_CHANGE)
    assert (event.user, event.object_type, event.object_id) == (
        auditor,
        ContentType.objects.get_for_model(alice).app_label + ".user",
        str(alice.pk),
    )
    assert event.detail == {"flag": "change", "fields": ["手机号码"]}


def test_an_admin_change_with_a_free_text_message_keeps_only_the_flag(auditor, alice):
    LogEntry.objects.log_actions(
        user_id=auditor.pk,
        queryset=[alice],
        action_flag=CHANGE,
        # Admin decision views pass lazy translations.
        change_message=gettext_lazy("通过个人身份认证"),
        single_object=True,
    )

    assert the_event(audit.Action.ADMIN_CHANGE).detail == {"flag": "change"}


def test_a_bulk_deletion_in_the_admin_is_recorded_once_with_the_ids(client, auditor):
    from axes.models import AccessAttempt

    attempts = [
        AccessAttempt.objects.create(
            username=f"u{n}", ip_address="10.0.0.1", failures_since_start=1
        )
        for n in range(2)
    ]
    client.force_login(auditor)

    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [a.pk for a in attempts],
            "post": "yes",
        },
    )

    assert not AccessAttempt.objects.exists()
    event = the_event(audit.Action.ADMIN_CHANGE)
    assert (event.user, event.object_type) == (auditor, "axes.accessattempt")
    assert (event.detail["flag"], event.detail["count"]) == ("deletion", 2)
    assert sorted(event.detail["ids"]) == sorted(str(a.pk) for a in attempts)
