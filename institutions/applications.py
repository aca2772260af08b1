"""单位注册 and 账号激活: every change of an ``InstitutionApplication`` goes through here.

Each service takes keyword-only arguments, runs in one transaction, locks the row it
changes and raises ``ApplicationError`` (a Chinese message saying what to do) when the act
is refused; nothing is changed then. Text messages go out only after commit.
"""

import logging
import secrets
from datetime import timedelta
from functools import partial

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

import audit
from accounts.consent import ID_NUMBER_CONSENT_VERSION
from accounts.models import User
from accounts.sms import SmsSendError, send_sms
from accounts.validators import mask_mobile

from .models import Institution, InstitutionApplication
from .uploads import certificate_upload, stamped_form_upload
from .validators import normalize_code

logger = logging.getLogger(__name__)

Status = InstitutionApplication.Status

# The fields of the 《单位注册信息登记表》 the applicant fills in and may correct.
FORM_FIELDS = (
    "region",
    "name",
    "credit_code",
    "licence_number",
    "grade",
    "category",
    "address",
    "legal_representative",
    "applicant_name",
    "applicant_id_number",
    "applicant_email",
)
# No 0/O, 1/I/L: the number is read out over the phone and typed from a printed form.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACTIVATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACTIVATION_CODE_LENGTH = 8
ACTIVATION_TTL = timedelta(days=14)
ACTIVATION_MAX_ATTEMPTS = 5
UPLOAD_KINDS = ("stamped-form", "certificate")


class ApplicationError(Exception):
    """A refused act. ``message`` is Chinese and says what to do; ``field`` names the form
    field it concerns (None for the whole form)."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def new_application_number(today=None):
    """SQ + the Beijing date + 5 random characters, e.g. SQ20261128-4F7K2."""
    today = today or timezone.localdate()
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(5))
    return f"SQ{today:%Y%m%d}-{suffix}"


def check_not_registered(*, credit_code, licence_number, exclude=None):
    """Refuse a credit code or licence number that an institution already has, or that
    another application awaiting review or approved claims."""
    credit_code, licence_number = normalize_code(credit_code), normalize_code(licence_number)
    registered = _("该单位已注册，请使用“账号查询”找回账号，或联系平台。")
    for field, value in (("credit_code", credit_code), ("licence_number", licence_number)):
        if value and Institution.objects.filter(**{field: value}).exists():
            raise ApplicationError(registered, field=field)
    claims = InstitutionApplication.objects.holding(
        credit_code=credit_code, licence_number=licence_number
    )
    if exclude is not None:
        claims = claims.exclude(pk=exclude.pk)
    claim = claims.first()
    if claim is not None:
        field = "credit_code" if claim.credit_code == credit_code else "licence_number"
        if claim.status == Status.APPROVED:
            raise ApplicationError(registered, field=field)
        raise ApplicationError(
            _(
                "该单位已有注册申请正在审核中，请勿重复申请。如需查询进度，请使用申请编号和"
                "申请人手机号“继续申请 / 查询进度”，或联系平台。"
            ),
            field=field,
        )


def check_applicant_free(*, mobile="", id_number=""):
    """The applicant becomes the institution admin: their mobile and ID number must not
    already belong to a platform account."""
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise ApplicationError(
            _("该手机号已绑定平台账号，请用其他手机号申请，或使用“账号查询”找回原账号。"),
            field="applicant_mobile",
        )
    if id_number and User.objects.filter(id_number=id_number).exists():
        raise ApplicationError(
            _("该身份证号码已注册过平台账号，请由其他人员申请，或使用“账号查询”找回原账号。"),
            field="applicant_id_number",
        )


def start_application(*, data, mobile):
    """Create a draft with the form ``data`` (cleaned) for the applicant whose ``mobile``
    was just confirmed by SMS and who gave the 单独同意 to process their ID number (recorded
    with its version and time; the account created at activation inherits it)."""
    check_not_registered(credit_code=data["credit_code"], licence_number=data["licence_number"])
    check_applicant_free(mobile=mobile, id_number=data["applicant_id_number"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return InstitutionApplication.objects.create(
                    number=new_application_number(),
                    applicant_mobile=mobile,
                    applicant_consent_version=ID_NUMBER_CONSENT_VERSION,
                    applicant_consent_at=timezone.now(),
                    **{field: data[field] for field in FORM_FIELDS},
                )
        except IntegrityError:
            # A number collision (1 in 28 million per day and draw): draw again.
            continue
    raise ApplicationError(_("申请编号生成失败，请稍后重试。"))


def save_application(*, application, data):
    """Save corrections to the form of a draft or rejected application."""
    check_not_registered(
        credit_code=data["credit_code"],
        licence_number=data["licence_number"],
        exclude=application,
    )
    check_applicant_free(id_number=data["applicant_id_number"])
    with transaction.atomic():
        locked = _lock_editable(application)
        for field in FORM_FIELDS:
            setattr(locked, field, data[field])
        locked.save()
    _refresh(application, locked)
    return application


def attach_upload(*, application, kind, uploaded):
    """Store the stamped form (``kind="stamped-form"``) or the certificate of a draft or
    rejected application, replacing an earlier file. Bad input: ``ApplicationError`` and
    nothing stored."""
    if kind not in UPLOAD_KINDS:
        raise ApplicationError(_("未知的上传类型。"))
    check = stamped_form_upload if kind == "stamped-form" else certificate_upload
    try:
        stored = check(uploaded)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="file") from error
    with transaction.atomic():
        locked = _lock_editable(application)
        if kind == "stamped-form":
            old = locked.stamped_form.name
            locked.stamped_form.save(stored.content.name, stored.content, save=False)
            locked.stamped_form_type = stored.kind
            locked.stamped_form_sha256 = stored.sha256
            locked.stamped_form_pages = stored.pages
        else:
            old = locked.certificate.name
            locked.certificate.save(stored.content.name, stored.content, save=False)
            locked.certificate_type = stored.kind
            locked.certificate_sha256 = stored.sha256
        new = (locked.stamped_form if kind == "stamped-form" else locked.certificate).name
        # A rollback leaves the new file unreferenced: remove it; a commit leaves the old one.
        transaction.on_commit(partial(_delete_file, locked, old))
        try:
            locked.save()
        except Exception:
            _delete_file(locked, new)
            raise
    logger.info("Application %s: %s uploaded (%s)", locked.number, kind, stored.sha256)
    audit.record(None, audit.Action.UPLOAD, obj=locked, kind=kind, sha256=stored.sha256)
    _refresh(application, locked)
    return application


def submit_application(*, application):
    """Submit (or resubmit after rejection) a complete application: status 待审核.

    Guarantees: only a draft or rejected application; every field filled and both uploads
    present; no institution or other claiming application has its credit code or licence
    number (also under concurrent submissions, by the partial unique constraints)."""
    with transaction.atomic():
        locked = _lock_editable(application)
        missing = missing_parts(locked)
        if missing:
            raise ApplicationError(
                _("申请材料不完整，请先完成：%(missing)s。") % {"missing": "、".join(missing)}
            )
        check_not_registered(
            credit_code=locked.credit_code, licence_number=locked.licence_number, exclude=locked
        )
        locked.status = Status.PENDING
        locked.submitted_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ApplicationError(
                _("该单位已有注册申请正在审核中，请勿重复申请，或联系平台。")
            ) from None
    _refresh(application, locked)
    return application


def missing_parts(application):
    """What the applicant still has to do before submitting, in the order of the steps."""
    missing = []
    if not all(getattr(application, field) for field in FORM_FIELDS if field != "region"):
        missing.append(_("填写《单位注册信息登记表》"))
    if not application.stamped_form:
        missing.append(_("上传盖章的《单位注册信息登记表》"))
    if not application.certificate:
        missing.append(_("上传事业单位法人证书"))
    return missing


def approve_application(*, application, auditor):
    """Approve a pending application: the institution is created and the applicant gets
    an activation code by SMS after commit (only its hash is kept)."""
    with transaction.atomic():
        locked = _lock_pending(application, auditor)
        check_not_registered(
            credit_code=locked.credit_code, licence_number=locked.licence_number, exclude=locked
        )
        locked.institution = Institution.objects.create(
            name=locked.name,
            region=locked.region,
            grade=locked.grade,
            category=locked.category,
            credit_code=locked.credit_code,
            licence_number=locked.licence_number,
        )
        locked.status = Status.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = auditor
        code = _issue_activation_code(locked)
        locked.save()
        audit.record(None, audit.Action.APPLICATION_APPROVE, obj=locked, user=auditor)
        # A template provider sends it with the verification-code template (${code}).
        _sms_after_commit(locked, _activation_text(locked, code), {"code": code})
    _refresh(application, locked)
    return application


def reject_application(*, application, auditor, reason):
    """Reject a pending application with a reason the applicant reads on the status page
    and by SMS; the applicant may correct and resubmit."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写驳回原因，告诉申请人需要修改什么。"), field="reject_reason")
    max_length = InstitutionApplication._meta.get_field("reject_reason").max_length
    if len(reason) > max_length:
        raise ApplicationError(
            _("驳回原因不能超过%(max)d个字。") % {"max": max_length}, field="reject_reason"
        )
    with transaction.atomic():
        locked = _lock_pending(application, auditor)
        locked.status = Status.REJECTED
        locked.reject_reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by = auditor
        locked.save()
        audit.record(None, audit.Action.APPLICATION_REJECT, obj=locked, user=auditor)
        text = _(
            "【中国脑血管病登记平台】您的单位注册申请（%(number)s）未通过审核，原因：%(reason)s。"
            "请使用申请编号和手机号登录“继续申请”修改后重新提交。"
        ) % {"number": locked.number, "reason": reason.rstrip("。")}
        _sms_after_commit(locked, text, {"result": _("未通过审核")})
    _refresh(application, locked)
    return application


def resend_activation_code(*, application, auditor):
    """A new activation code for an approved application not yet activated (the old one
    stops working), sent by SMS after commit."""
    if not (auditor.is_active and auditor.is_staff):
        raise ApplicationError(_("只有平台审核员可以审核单位注册申请。"))
    with transaction.atomic():
        locked = InstitutionApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != Status.APPROVED or locked.is_activated:
            raise ApplicationError(_("只有已通过且尚未激活的申请可以重新发送激活码。"))
        code = _issue_activation_code(locked)
        locked.save()
        audit.record(None, audit.Action.ACTIVATION_CODE_RESEND, obj=locked, user=auditor)
        _sms_after_commit(locked, _activation_text(locked, code), {"code": code})
    _refresh(application, locked)
    return application


def activate_account(*, mobile, activation_code, username, password):
    """账号激活: the applicant whose ``mobile`` was confirmed by SMS gives the activation code
    and chooses a username and password; returns the new institution admin.

    Guarantees: the code matches an approved, not yet activated, unexpired application of
    that mobile, within ``ACTIVATION_MAX_ATTEMPTS`` wrong tries (a wrong try is counted even
    though this raises); the account is 单位管理员 of the created institution, from 单位注册激活,
    needing no 个人身份认证; an application activates once."""
    code = normalize_code(activation_code)
    now = timezone.now()
    refusal = None
    with transaction.atomic():
        candidates = list(
            InstitutionApplication.objects.select_for_update()
            .filter(applicant_mobile=mobile, status=Status.APPROVED, activated_at__isnull=True)
            .order_by("pk")
        )
        match = next(
            (
                app
                for app in candidates
                if constant_time_compare(app.activation_code_hash, _hash_activation(app, code))
            ),
            None,
        )
        if match is None:
            refusal = _("激活码错误，请核对审核通过短信中的激活码。")
            InstitutionApplication.objects.filter(pk__in=[a.pk for a in candidates]).update(
                activation_attempts=F("activation_attempts") + 1
            )
            if not candidates:
                refusal = _("该手机号没有待激活的单位注册申请。请核对手机号，或查询申请进度。")
        elif match.activation_attempts >= ACTIVATION_MAX_ATTEMPTS:
            refusal = _("激活码错误次数过多，已失效，请联系平台重新发送激活码。")
        elif match.activation_expires_at is None or match.activation_expires_at <= now:
            refusal = _("激活码已过期，请联系平台重新发送激活码。")
        else:
            return _create_admin(match, username=username, password=password, now=now)
    # Raised outside the atomic block, so that the counted wrong try is committed.
    raise ApplicationError(refusal, field="activation_code")


def _create_admin(application, *, username, password, now):
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("该用户名已被使用，请换一个。"), field="username")
    check_applicant_free(mobile=application.applicant_mobile)
    check_applicant_free(id_number=application.applicant_id_number)
    user = User(
        username=username,
        real_name=application.applicant_name,
        id_number=application.applicant_id_number,
        id_number_consent_version=application.applicant_consent_version,
        id_number_consent_at=application.applicant_consent_at,
        mobile=application.applicant_mobile,
        email=application.applicant_email,
        institution=application.institution,
        role=User.Role.INSTITUTION_ADMIN,
        origin=User.Origin.ACTIVATION,
        # The auditor checked the stamped form and the certificate: nothing left to verify.
        verification_status=User.Verification.VERIFIED,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="password1") from error
    user.set_password(password)
    user.save()
    application.activated_at = now
    application.activation_code_hash = ""
    application.save(update_fields=["activated_at", "activation_code_hash", "updated_at"])
    logger.info("Application %s activated as %s", application.number, username)
    return user


def _issue_activation_code(application):
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))
    application.activation_code_hash = _hash_activation(application, code)
    application.activation_expires_at = timezone.now() + ACTIVATION_TTL
    application.activation_attempts = 0
    return code


def _hash_activation(application, code):
    """Keyed HMAC over the application number and the code (the SMS-code scheme): the code
    has ~40 bits, wrong tries are capped, and the table is useless without SECRET_KEY."""
    value = f"{application.number}:{code}"
    return salted_hmac("institutions.activation", value, algorithm="sha256").hexdigest()


def _activation_text(application, code):
    return _(
        "【中国脑血管病登记平台】您的单位注册申请（%(number)s）已通过审核，激活码为%(code)s，"
        "%(days)s天内有效。请在登录页点击“账号激活”设置用户名和密码。"
    ) % {"number": application.number, "code": code, "days": ACTIVATION_TTL.days}


def _lock_editable(application):
    locked = InstitutionApplication.objects.select_for_update().get(pk=application.pk)
    if not locked.is_editable:
        raise ApplicationError(
            _("申请当前状态为“%(status)s”，不能修改或提交。")
            % {"status": locked.get_status_display()}
        )
    return locked


def _lock_pending(application, auditor):
    if not (auditor.is_active and auditor.is_staff):
        raise ApplicationError(_("只有平台审核员可以审核单位注册申请。"))
    locked = InstitutionApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != Status.PENDING:
        raise ApplicationError(
            _("该申请当前状态为“%(status)s”，不能审核。") % {"status": locked.get_status_display()}
        )
    return locked


def _refresh(target, source):
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _delete_file(application, name):
    if name:
        application.stamped_form.storage.delete(name)


def _sms_after_commit(application, text, params):
    transaction.on_commit(partial(_send_notice, application.applicant_mobile, text, params))


def _send_notice(mobile, text, params):
    """The decision is saved and shown on the status page; a provider failure is logged
    (the auditor can send the activation code again from the admin)."""
    try:
        send_sms(mobile, text, params=params)
    except SmsSendError as error:
        logger.warning("Application notice to %s not sent: %s", mask_mobile(mobile), error)
