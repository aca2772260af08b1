from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.validators import validate_mobile, validate_person_name
from institutions.models import (
    HospitalCategory,
    HospitalGrade,
    Institution,
    KeepsRegionName,
    Region,
)


class BasicInfoQuerySet(models.QuerySet):
    def in_province(self, province_code):
        """Basic info whose 行政区划 lies in one province (the admin's 省份 filter)."""
        return self.filter(region__code__startswith=province_code[:2])


class BasicInfo(KeepsRegionName, models.Model):
    """基本信息 of one institution (DATA_DICTIONARY §2 items 2–15): 医院信息, 医院负责人 and
    医院联系人. Every save is kept in ``history`` with the user who made it (编辑日志)."""

    institution = models.OneToOneField(
        Institution,
        verbose_name=_("医疗机构"),
        on_delete=models.PROTECT,
        related_name="basic_info",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )
    region_name = models.CharField(
        _("行政区划名称"),
        max_length=120,
        editable=False,
        help_text=_("填报时的行政区划全称，区划调整后保持不变"),
    )
    hospital_name = models.CharField(_("医院全称"), max_length=100)
    grade = models.CharField(_("医院等级"), max_length=10, choices=HospitalGrade.choices)
    category = models.CharField(_("医院类别"), max_length=10, choices=HospitalCategory.choices)
    is_base_hospital = models.BooleanField(_("基地医院"), default=False)
    is_advanced_stroke_center = models.BooleanField(_("高级卒中中心(含建设单位)"), default=False)

    director_name = models.CharField(
        _("医院负责人姓名"), max_length=30, validators=[validate_person_name]
    )
    director_mobile = models.CharField(
        _("医院负责人手机号"), max_length=11, validators=[validate_mobile]
    )
    director_email = models.EmailField(_("医院负责人电子邮箱"), max_length=254)
    contact_name = models.CharField(
        _("医院联系人姓名"), max_length=30, validators=[validate_person_name]
    )
    contact_mobile = models.CharField(
        _("医院联系人手机号"), max_length=11, validators=[validate_mobile]
    )
    contact_email = models.EmailField(_("医院联系人电子邮箱"), max_length=254)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords(
        verbose_name=_("基本信息编辑记录"), verbose_name_plural=_("基本信息编辑记录")
    )
    objects = BasicInfoQuerySet.as_manager()

    # The fields a hospital fills in, in the order of the form, the card and 编辑日志.
    FORM_FIELDS = (
        "region",
        "hospital_name",
        "grade",
        "category",
        "is_base_hospital",
        "is_advanced_stroke_center",
        "director_name",
        "director_mobile",
        "director_email",
        "contact_name",
        "contact_mobile",
        "contact_email",
    )
    MOBILE_FIELDS = ("director_mobile", "contact_mobile")

    class Meta:
        verbose_name = _("基本信息")
        verbose_name_plural = _("基本信息")
        ordering = ["region_id", "hospital_name"]

    def __str__(self):
        return self.hospital_name
