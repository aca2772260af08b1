import uuid
from binascii import unhexlify

from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import crypto
from .fields import BlindIndexField, EncryptedCharField
from .passwords import password_fingerprint, record_password
from .validators import mask_mobile, validate_id_number, validate_mobile


class UserRole(models.TextChoices):
    HOSPITAL_USER = "hospital_user", _("普通用户")
    INSTITUTION_ADMIN = "institution_admin", _("单位管理员")


class UserOrigin(models.TextChoices):
    REGISTRATION = "registration", _("用户注册")
    ACTIVATION = "activation", _("单位注册激活")
    ADMIN = "admin", _("后台创建")


class UserVerification(models.TextChoices):
    """个人身份认证 state of an account (``User.verification_status``)."""

    UNVERIFIED = "unverified", _("未认证")
    PENDING = "pending", _("待审核")
    VERIFIED = "verified", _("已认证")
    REJECTED = "rejected", _("未通过")


class User(AbstractUser):
    """A person who signs in: a hospital user, an institution admin or an auditor.

    Auditors (审核员) are staff accounts created in Django admin and belong to no
    institution. Every other account belongs to exactly one institution.
    """

    # Module-level so that Meta.constraints can name them; ``User.Role`` etc. stay the names
    # the code uses.
    Role = UserRole
    Origin = UserOrigin
    Verification = UserVerification

    real_name = models.CharField(_("真实姓名"), max_length=30, blank=True)
    # Stored encrypted, unique and looked up by their keyed hashes (accounts.fields).
    mobile = EncryptedCharField(
        _("手机号码"), max_length=11, blank=True, validators=[validate_mobile]
    )
    mobile_hash = BlindIndexField(_("手机号码索引"), source="mobile")
    id_number = EncryptedCharField(
        _("身份证号码"), max_length=18, blank=True, validators=[validate_id_number]
    )
    id_number_hash = BlindIndexField(_("身份证号码索引"), source="id_number")
    # 单独同意 to process the ID number (accounts.consent), given at 用户注册.
    id_number_consent_version = models.CharField(
        _("身份证号码处理同意书版本"), max_length=20, blank=True, editable=False
    )
    id_number_consent_at = models.DateTimeField(
        _("同意处理身份证号码的时间"), null=True, blank=True, editable=False
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(
        _("角色"), max_length=20, choices=Role.choices, default=Role.HOSPITAL_USER
    )
    origin = models.CharField(
        _("账号来源"), max_length=20, choices=Origin.choices, default=Origin.ADMIN
    )
    verification_status = models.CharField(
        _("身份认证状态"),
        max_length=12,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )

    # 审核范围 of an auditor (issue 22 item 1, registry.scope): empty for 全国, else the
    # province or prefecture-level city whose institutions the auditor reviews.
    review_region = models.ForeignKey(
        "institutions.Region",
        verbose_name=_("审核范围"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level__in": (1, 2), "retired_in": ""},
        help_text=_(
            "仅审核员：为空表示全国；选择省级或地级行政区划时，只能查看和审核该地区的医疗机构。"
        ),
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_hash"], condition=~Q(mobile_hash=""), name="user_mobile_unique"
            ),
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="user_id_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_staff=True) | Q(institution__isnull=False),
                name="user_hospital_account_has_institution",
                violation_error_message=_("医院账号须选择所属单位；审核员账号请勾选“职员状态”。"),
            ),
            models.CheckConstraint(
                condition=Q(is_staff=True) | Q(review_region__isnull=True),
                name="user_review_region_only_for_staff",
                violation_error_message=_("只有审核员账号可以设置审核范围。"),
            ),
            models.CheckConstraint(condition=Q(role__in=UserRole.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=Q(origin__in=UserOrigin.values), name="user_origin_valid"
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=UserVerification.values),
                name="user_verification_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.real_name}（{self.username}）" if self.real_name else self.username

    def check_password(self, raw_password):
        """Django's check, with two additions for ``PasswordHistoryValidator``.

        Its rehash (a password stored with an older hasher, e.g. PBKDF2 before Argon2) also
        rewrites the same hash in the password history, so that the history holds the
        current password once. And a right password leaves a keyed fingerprint of itself
        on this instance (memory only), so that 修改密码, which has just checked the current
        password, need not hash the new one once more to compare it with the current one.
        """

        def rehash(raw):
            old = self.password
            self.set_password(raw)
            self._password = None
            self.save(update_fields=["password"])
            self.password_history.filter(password=old).update(password=self.password)

        right = check_password(raw_password, self.password, rehash)
        self.checked_password = password_fingerprint(raw_password) if right else None
        return right

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.checked_password = None

    def save(self, *args, **kwargs):
        """Django's save; a new password is also recorded in the password history.

        The one place a password enters the history, whatever set it: ``set_password`` (the
        forms, the admin, 账号激活, factories) or the hash a new account is created with
        (``create_user`` and ``create_superuser`` write it without ``set_password``: 用户注册,
        ``createsuperuser``, ``seed_demo``). Not a sign-in's rehash (``check_password``
        clears ``_password`` and rewrites the history row itself), nor a save that does not
        write the password column.
        """
        update_fields = kwargs.get("update_fields")
        new_password = (
            (self._password is not None or self._state.adding)
            and (update_fields is None or "password" in update_fields)
            and bool(self.password)
            and is_password_usable(self.password)
        )
        if not new_password:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            record_password(self)

    @property
    def is_auditor(self):
        return self.is_staff

    @property
    def is_institution_admin(self):
        return not self.is_staff and self.role == self.Role.INSTITUTION_ADMIN

    @property
    def needs_verification(self):
        """Only accounts from 用户注册 must pass 个人身份认证 (SPEC §2)."""
        return (
            not self.is_staff
            and self.role == self.Role.HOSPITAL_USER
            and self.verification_status != self.Verification.VERIFIED
        )

    @property
    def can_see_institution_data(self):
        """May this account read and change its institution's registry data?

        Not once an auditor has stopped (停用) the institution itself."""
        return (
            self.is_active
            and not self.is_staff
            and self.institution_id is not None
            and not self.needs_verification
            and self.institution.is_active
        )


class SmsPurpose(models.TextChoices):
    REGISTER = "register", _("用户注册")
    LOGIN = "login", _("手机号登录")
    LOOKUP = "lookup", _("账号查询")
    RESET_PASSWORD = "reset_password", _("忘记密码")
    CHANGE_MOBILE = "change_mobile", _("更换手机号")
    INSTITUTION_APPLY = "institution_apply", _("单位注册")
    ACTIVATE = "activate", _("账号激活")
    # The second step of 账号登录, after the right password (accounts.second_factor).
    LOGIN_2FA = "login_2fa", _("登录验证")


class SmsCode(models.Model):
    """One SMS verification code sent to a mobile for one purpose.

    Only a keyed hash of the code is stored (see ``accounts.sms.codes``). Rows are kept after
    use: counting them is how the per-mobile and per-address sending limits are enforced.
    """

    Purpose = SmsPurpose

    mobile = EncryptedCharField(_("手机号码"), max_length=11)
    mobile_hash = BlindIndexField(_("手机号码索引"), source="mobile")
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    sender_ip = models.GenericIPAddressField(_("请求地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(
                fields=["mobile_hash", "purpose", "created_at"], name="sms_code_mobile_idx"
            ),
            # The per-address daily cap counts by sender_ip.
            models.Index(fields=["sender_ip", "created_at"], name="sms_code_sender_ip_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=SmsPurpose.values), name="sms_code_purpose_valid"
            ),
        ]

    def __str__(self):
        return f"{mask_mobile(self.mobile)} {self.get_purpose_display()}"


class IdentityVerificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Submissions a user may see: auditors all, anyone else only their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(user=user)

    def in_province(self, province_code):
        """Submissions from institutions of one province (the admin's 省份 filter)."""
        return self.filter(institution__region__code__startswith=province_code[:2])


class IdentityVerificationStatus(models.TextChoices):
    """The auditor's decision on one 个人身份认证 submission (``IdentityVerification.status``)."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已认证")
    REJECTED = "rejected", _("未通过")


class IdentityVerification(models.Model):
    """One 个人身份认证 submission: a licence photo and 登记号, and the auditor's decision.

    Every submission is kept (a rejected one stays beside the resubmission); the account's
    current state is ``User.verification_status``. Rows change only through the services in
    ``accounts.verification``.
    """

    Status = IdentityVerificationStatus

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="identity_verifications",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="identity_verifications",
        help_text=_("提交时申请人所属的单位"),
    )
    licence_number = models.CharField(_("医疗机构执业许可证登记号"), max_length=30)
    licence_photo = models.FileField(
        _("医疗机构执业许可证照片"), upload_to="verifications/%Y/%m/", max_length=200
    )
    status = models.CharField(
        _("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("审核员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = IdentityVerificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人身份认证")
        verbose_name_plural = _("个人身份认证")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="verification_queue_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="verification_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="verification_decided_at_iff_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="verification_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=IdentityVerificationStatus.values),
                name="verification_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.institution} · {self.get_status_display()}"


class PasswordHistory(models.Model):
    """One password an account has had: its hash and when it was set.

    Written by ``User.save`` (``accounts.passwords.record_password``) each time a password
    is set, whatever sets it, the first password of a new account included. The newest row
    dates the current password (expiry); the last ``PASSWORD_HISTORY_COUNT`` rows refuse
    reuse.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="password_history_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class RememberedBrowser(models.Model):
    """A browser in which the account proved its password and an SMS code and ticked
    记住此浏览器 on 登录验证: for ``REMEMBER_BROWSER_DAYS`` its 账号登录 asks for no new code.

    The browser holds a signed cookie with the token; only the token's SHA-256 is stored. The
    row is bound to the account's password and mobile through ``version``
    (``accounts.remembered.browser_version``): a new password or mobile, or stopping the
    account, deletes it. Rows change only through ``accounts.remembered``.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="remembered_browsers"
    )
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    version = models.CharField(_("账号凭据版本"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("记住时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("上次免验证码登录"), null=True, blank=True)
    expires_at = models.DateTimeField(_("失效时间"))
    browser = models.CharField(_("浏览器"), max_length=100, blank=True)
    ip = models.GenericIPAddressField(_("记住时的网络地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("记住的浏览器")
        verbose_name_plural = _("记住的浏览器")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "expires_at"], name="remembered_browser_user_idx"),
            models.Index(fields=["expires_at"], name="remembered_browser_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.user} · {self.browser or '—'} · {self.created_at:%Y-%m-%d %H:%M}"


class AuditorTOTPDevice(TOTPDevice):
    """An auditor's authenticator (动态口令): django-otp's TOTP device, with its secret sealed
    at rest (issue 19 item 8).

    django-otp stores the secret as hex in ``key``; this proxy stores it AES-256-GCM
    encrypted under ``FIELD_ENCRYPTION_KEY`` (``accounts.crypto.seal``: 69 characters, within
    the column's 80), so a copy of the database alone cannot mint codes. ``bin_key``, which
    django-otp's checks and ``config_url`` read, opens it. The platform creates and reads
    devices only through this class (the session's device id names it), and the admin shows
    no secret: a lost phone is handled by re-enrolling (``setup_totp`` or deleting the device).
    """

    class Meta:
        proxy = True
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")

    @property
    def bin_key(self):
        if self.key.startswith(crypto.PREFIX):
            return crypto.unseal(self.key)
        return super().bin_key  # a new device's hex key, sealed when saved

    def save(self, *args, **kwargs):
        if not self.key.startswith(crypto.PREFIX):
            self.key = crypto.seal(unhexlify(self.key.encode()))
        super().save(*args, **kwargs)
