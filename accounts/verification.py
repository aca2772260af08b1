"""个人身份认证: submitting a licence photo, and the auditor's approval or rejection.

Every change of a verification or of ``User.verification_status`` goes through these
functions, from the hospital page and from the admin alike. Each runs in one transaction,
locks the rows it changes, and raises ``VerificationError`` (a Chinese message for the person
who acted) when the act is not allowed; nothing is changed then. Text messages go out only
after the transaction has committed.
"""

import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from institutions.validators import normalize_code

from .models import IdentityVerification, User
from .sms import SmsSendError, send_sms
from .uploads import reencode_image
from .validators import mask_mobile

logger = logging.getLogger(__name__)

# The states in which an account may (re)submit: never while a submission awaits review.
SUBMITTABLE = (User.Verification.UNVERIFIED, User.Verification.REJECTED)


class VerificationError(Exception):
    """An act on a verification was refused. ``message`` is Chinese and says what to do;
    ``field`` names the form field it concerns (None for the whole form)."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def check_can_submit(user):
    """Raise ``VerificationError`` saying why ``user`` may not submit materials now: the
    account needs no verification, or a submission is awaiting review."""
    if not user.needs_verification:
        raise VerificationError(_("当前账号不需要个人身份认证。"))
    if user.verification_status == User.Verification.PENDING:
        raise VerificationError(
            _("您的认证材料正在审核中，请耐心等待审核结果，审核期间不能重复提交。")
        )
    if user.verification_status not in SUBMITTABLE or user.institution_id is None:
        raise VerificationError(_("当前账号不能提交个人身份认证，请联系平台审核员。"))


def can_submit(user):
    """May ``user`` submit (or resubmit) 个人身份认证 materials now?"""
    try:
        check_can_submit(user)
    except VerificationError:
        return False
    return True


def submit_verification(*, user, licence_number, photo):
    """Record a submission by ``user`` and put the account in 待审核.

    Guarantees: only an account that needs verification and is 未认证 or 未通过 can submit
    (one pending submission per account, also under concurrent requests); the 登记号 equals
    the one on file for the user's institution (both normalized); the stored photo is a
    metadata-free re-encoding under a random name (``reencode_image``), never the bytes or
    the name the client sent. On refusal nothing is stored. ``user`` is updated in place.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        check_can_submit(locked)

        entered = normalize_code(licence_number)
        if entered != normalize_code(locked.institution.licence_number):
            raise VerificationError(
                _(
                    "登记号与本单位在平台登记的《医疗机构执业许可证》登记号不一致，"
                    "请核对许可证正本。"
                ),
                field="licence_number",
            )
        try:
            stored_photo = reencode_image(photo)
        except ValidationError as error:
            raise VerificationError(error.messages[0], field="photo") from error

        verification = IdentityVerification.objects.create(
            user=locked,
            institution=locked.institution,
            licence_number=entered,
            licence_photo=stored_photo,
        )
        audit.record(
            None, audit.Action.UPLOAD, obj=verification, user=locked, kind="licence_photo",
            sha256=audit.file_sha256(stored_photo),
        )  # fmt: skip
        locked.verification_status = User.Verification.PENDING
        locked.save(update_fields=["verification_status"])
    user.verification_status = locked.verification_status
    return verification


def approve_verification(*, verification, auditor):
    """Approve a pending submission: it becomes 已认证 and so does the account.

    Guarantees: only an auditor decides; only a pending submission is decided, once; the
    account still belongs to the institution it submitted for. The user is told by SMS
    after commit when the account has a mobile. ``verification`` is updated in place.
    """
    with transaction.atomic():
        locked = _lock_pending(verification, auditor)
        applicant = locked.user
        if applicant.institution_id != locked.institution_id:
            raise VerificationError(
                _("申请人所属单位已变更，与提交认证时的单位不同，请驳回后由申请人重新提交。")
            )
        _decide(locked, auditor, IdentityVerification.Status.APPROVED)
        audit.record(None, audit.Action.VERIFICATION_APPROVE, obj=locked, user=auditor)
        applicant.verification_status = User.Verification.VERIFIED
        applicant.save(update_fields=["verification_status"])
        _notify_after_commit(
            applicant,
            _(
                "【中国脑血管病登记平台】您的个人身份认证已通过审核，"
                "现在可以登录平台填报本单位数据。"
            ),
            _("已通过审核"),
        )
    _copy_decision(locked, verification)
    return verification


def reject_verification(*, verification, auditor, reason):
    """Reject a pending submission with a reason the applicant will read.

    Guarantees: only an auditor decides; only a pending submission is decided, once; the
    reason is required (at most 200 characters). The account becomes 未通过 and may submit
    again; the user is told by SMS after commit when the account has a mobile.
    ``verification`` is updated in place.
    """
    reason = (reason or "").strip()
    if not reason:
        raise VerificationError(
            _("请填写驳回原因，告诉申请人需要修改什么。"), field="reject_reason"
        )
    max_length = IdentityVerification._meta.get_field("reject_reason").max_length
    if len(reason) > max_length:
        raise VerificationError(
            _("驳回原因不能超过%(max)d个字。") % {"max": max_length}, field="reject_reason"
        )
    with transaction.atomic():
        locked = _lock_pending(verification, auditor)
        locked.reject_reason = reason
        _decide(locked, auditor, IdentityVerification.Status.REJECTED)
        audit.record(None, audit.Action.VERIFICATION_REJECT, obj=locked, user=auditor)
        applicant = locked.user
        applicant.verification_status = User.Verification.REJECTED
        applicant.save(update_fields=["verification_status"])
        _notify_after_commit(
            applicant,
            _(
                "【中国脑血管病登记平台】您的个人身份认证未通过审核，原因：%(reason)s。"
                "请登录平台修改后重新提交。"
            )
            % {"reason": reason.rstrip("。")},
            _("未通过审核"),
        )
    _copy_decision(locked, verification)
    return verification


def _lock_pending(verification, auditor):
    if not (auditor.is_active and auditor.is_staff):
        raise VerificationError(_("只有平台审核员可以审核个人身份认证。"))
    # The applicant first, then the submission: the order submit_verification uses too.
    applicant = User.objects.select_for_update().get(pk=verification.user_id)
    locked = IdentityVerification.objects.select_for_update().get(pk=verification.pk)
    locked.user = applicant
    if locked.status != IdentityVerification.Status.PENDING:
        raise VerificationError(
            _("该认证申请已审核（%(status)s），不能重复审核。")
            % {"status": locked.get_status_display()}
        )
    return locked


def _decide(locked, auditor, status):
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = auditor
    locked.save(update_fields=["status", "reject_reason", "decided_at", "decided_by"])


def _copy_decision(source, target):
    for field in ("status", "reject_reason", "decided_at", "decided_by_id"):
        setattr(target, field, getattr(source, field))
    target.user.verification_status = source.user.verification_status


def _notify_after_commit(user, text, result):
    if user.mobile:
        transaction.on_commit(partial(_send_notice, user.mobile, text, result))


def _send_notice(mobile, text, result):
    """The SMS is a courtesy: the decision is already saved and shown on the platform, so a
    provider failure is logged, not raised into the auditor's request."""
    try:
        send_sms(mobile, text, params={"result": result})
    except SmsSendError as error:
        logger.warning("Verification notice to %s not sent: %s", mask_mobile(mobile), error)
