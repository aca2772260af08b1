"""附件3 单纯静脉溶栓 and 附件2 血管内介入治疗 cases of an annual report.

The core fields are DATA_DICTIONARY §4.1 / §5.1, the optional clinical fields those of
Decision 3. DNT, ODT, ONT, DPT and OPT are derived from the times on every save and never
typed. A case is deleted softly (an auditor can restore it) and every change is kept in its
history with the user who made it.

The attachment layouts (Excel columns, 2018 headers, core/optional groups) are declared in
``casesets.specs``, which reads the labels, value lists and ranges from these fields.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from surveys.models import report_visibility

from .intervals import DNT, DPT, ODT, ONT, OPT, interval_minutes

NIHSS_MAX = 42
MRS_MAX = 6
ADMISSION_NO_MAX_LENGTH = 32


def nihss_validators():
    return [MinValueValidator(0), MaxValueValidator(NIHSS_MAX)]


def mrs_validators():
    return [MinValueValidator(0), MaxValueValidator(MRS_MAX)]


class ThrombolyticDrug(models.TextChoices):
    """溶栓药 (Decision 4, §6.4). 其他 → 其他溶栓药 names the drug."""

    ALTEPLASE = "alteplase", _("阿替普酶")
    TENECTEPLASE = "tenecteplase", _("替奈普酶")
    UROKINASE = "urokinase", _("尿激酶")
    PROUROKINASE = "prourokinase", _("重组人尿激酶原")
    RETEPLASE = "reteplase", _("瑞替普酶")
    OTHER = "other", _("其他")


class TreatmentMode(models.TextChoices):
    """治疗方式 of 附件2 (Decision 4, §6.5a), mirroring 总表 单纯取栓例数 / 桥接例数."""

    DIRECT = "direct", _("单纯取栓")
    BRIDGING = "bridging", _("桥接")


class Sich(models.TextChoices):
    """症状性颅内出血 (§6.9)."""

    YES = "yes", _("是")
    NO = "no", _("否")
    NOT_REVIEWED = "not_reviewed", _("未复查")


class OcclusionSite(models.TextChoices):
    """闭塞部位（责任血管）(§6.6); several may apply."""

    CCA = "cca", _("颈总动脉")
    ICA_EXTRACRANIAL = "ica_extracranial", _("颈内动脉颅外段")
    ICA_INTRACRANIAL = "ica_intracranial", _("颈内动脉颅内段（含T/L型）")
    M1 = "mca_m1", _("大脑中动脉M1段")
    M2 = "mca_m2", _("大脑中动脉M2段")
    A1 = "aca_a1", _("大脑前动脉A1段")
    VA = "va", _("椎动脉（颅内段）")
    BA = "ba", _("基底动脉")
    P1 = "pca_p1", _("大脑后动脉P1段")
    TANDEM = "tandem", _("串联病变")
    OTHER = "other", _("其他")


class EvtTechnique(models.TextChoices):
    """血管内治疗技术 (§6.5b); several may apply."""

    STENT_RETRIEVER = "stent_retriever", _("支架取栓")
    ASPIRATION = "aspiration", _("抽吸取栓（中间导管抽吸/ADAPT）")
    COMBINED = "combined", _("支架取栓+抽吸联合")
    INTRA_ARTERIAL_LYSIS = "ia_lysis", _("动脉溶栓")
    BALLOON = "balloon", _("球囊扩张成形")
    STENTING = "stenting", _("支架置入成形")
    MECHANICAL_DISRUPTION = "disruption", _("机械碎栓")
    ANGIOGRAPHY_ONLY = "angiography_only", _("仅造影评估")
    OTHER = "other", _("其他")


class Mtici(models.TextChoices):
    """再灌注结局 mTICI (§6.7); 2b, 2c and 3 are successful reperfusion."""

    GRADE_0 = "0", "0"
    GRADE_1 = "1", "1"
    GRADE_2A = "2a", "2a"
    GRADE_2B = "2b", "2b"
    GRADE_2C = "2c", "2c"
    GRADE_3 = "3", "3"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The cases of the reports ``user`` may open (one rule: ``report_visibility``)."""
        return self.filter(report_visibility(user, "report__"))

    def alive(self):
        """Cases not deleted (a deleted case is kept and an auditor can restore it)."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def of_report(self, report):
        """The live cases of one report (the tabs' list starts here)."""
        return self.alive().filter(report_id=report.pk)

    def in_province(self, province_code):
        """Cases of institutions in one province (the admin's 省份 filter)."""
        return self.filter(report__institution__region__code__startswith=province_code[:2])

    def matching(self, admission_no: str = ""):
        """住院号 containing ``admission_no`` (the tabs' partial-match filter)."""
        admission_no = (admission_no or "").strip()
        return self.filter(admission_no__icontains=admission_no) if admission_no else self


class Case(models.Model):
    """What both attachments share: 住院号, the NIHSS and mRS scores, the common optional
    clinical fields, the derived ODT, authorship and soft deletion."""

    # The case's id in URLs (issue 20 item 4), as ``Report.public_id``.
    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    admission_no = models.CharField(
        _("住院号"),
        max_length=ADMISSION_NO_MAX_LENGTH,
        help_text=_("字母、数字及 - _ /，最多32位；同一次住院只登记一次。"),
    )
    nihss_pre = models.PositiveSmallIntegerField(
        _("治疗前NIHSS评分"), validators=nihss_validators(), help_text=_("0–42 分")
    )
    nihss_discharge = models.PositiveSmallIntegerField(
        _("出院时NIHSS评分"),
        null=True,
        blank=True,
        validators=nihss_validators(),
        help_text=_("0–42 分；患者死亡（出院时mRS评分为6）时可不填"),
    )
    mrs_discharge = models.PositiveSmallIntegerField(
        _("出院时mRS评分"), validators=mrs_validators(), help_text=_("0–6 分，6 为死亡")
    )

    onset_at = models.DateTimeField(_("发病时间"), null=True, blank=True)
    arrival_at = models.DateTimeField(_("到院时间"), null=True, blank=True)
    sich = models.CharField(_("症状性颅内出血"), max_length=12, choices=Sich.choices, blank=True)
    discharge_date = models.DateField(
        _("出院日期"), null=True, blank=True, help_text=_("应在本报告的数据年度内")
    )
    mrs_90d = models.PositiveSmallIntegerField(
        _("90天mRS评分"), null=True, blank=True, validators=mrs_validators(), help_text=_("0–6 分")
    )

    odt_minutes = models.IntegerField(ODT.label, null=True, blank=True, editable=False)

    # Ids of the warnings the user confirmed when saving (e.g. a duplicate 住院号).
    confirmed_warnings = models.JSONField(_("已确认的提示"), default=list, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CaseQuerySet.as_manager()

    # The intervals this kind of case derives (see ``compute_intervals``).
    INTERVALS = (ODT,)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return _("住院号 %(no)s") % {"no": self.admission_no}

    def save(self, *args, **kwargs):
        self.admission_no = (self.admission_no or "").strip()
        self.compute_intervals()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *(i.name for i in self.INTERVALS)}
        super().save(*args, **kwargs)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    def compute_intervals(self):
        """Set the derived minutes from the times (``save`` calls it; call it yourself
        before ``bulk_create``)."""
        values = {name: getattr(self, name) for name in self.time_fields()}
        for interval in self.INTERVALS:
            setattr(self, interval.name, interval_minutes(interval, values))

    @classmethod
    def time_fields(cls):
        names = {i.start for i in cls.INTERVALS} | {i.end for i in cls.INTERVALS}
        return sorted(names)


# Derived and bookkeeping columns the change history does not repeat (history_user and
# history_date already say who and when).
HISTORY_EXCLUDED = ["public_id", "created_at", "created_by", "updated_at", "updated_by"]


class ThrombolysisCase(Case):
    """附件3 急性缺血性卒中单纯静脉溶栓病例: IV thrombolysis without endovascular treatment
    (a 桥接 patient is an 附件2 case)."""

    report = models.ForeignKey(
        "surveys.Report",
        verbose_name=_("年度报告"),
        on_delete=models.PROTECT,
        related_name="thrombolysis_cases",
        # Served by the indexes below, which all lead with the report.
        db_index=False,
    )
    thrombolytic_drug = models.CharField(
        _("溶栓药"), max_length=20, choices=ThrombolyticDrug.choices
    )
    thrombolytic_drug_other = models.CharField(
        _("其他溶栓药"),
        max_length=50,
        blank=True,
        help_text=_("溶栓药选择“其他”时填写药名，否则留空"),
    )

    onset_unknown = models.BooleanField(
        _("发病时间不明确"), default=False, help_text=_("勾选时不填发病时间")
    )
    needle_at = models.DateTimeField(_("溶栓开始时间"), null=True, blank=True)
    weight_kg = models.DecimalField(
        _("体重"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(250)],
        help_text=_("20–250 kg"),
    )
    drug_total_dose = models.DecimalField(
        _("溶栓药总剂量"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
        help_text=_("尿激酶以万IU计，其他溶栓药以mg计"),
    )

    dnt_minutes = models.IntegerField(DNT.label, null=True, blank=True, editable=False)
    ont_minutes = models.IntegerField(ONT.label, null=True, blank=True, editable=False)

    history = HistoricalRecords(
        verbose_name=_("溶栓个案编辑记录"),
        verbose_name_plural=_("溶栓个案编辑记录"),
        excluded_fields=[*HISTORY_EXCLUDED, "odt_minutes", "dnt_minutes", "ont_minutes"],
    )

    INTERVALS = (ODT, DNT, ONT)

    class Meta(Case.Meta):
        verbose_name = _("单纯静脉溶栓个案")
        verbose_name_plural = _("单纯静脉溶栓个案")
        indexes = [
            # A report's live cases in their order, with the 住院号 the list filters on
            # (issue 21): a hospital page counts and pages its own report's rows from this
            # index alone (an index-only scan), never one over every hospital's cases.
            models.Index(
                fields=["report", "id"],
                include=["admission_no"],
                condition=Q(deleted_at__isnull=True),
                name="ivt_report_id_idx",
            ),
            models.Index(fields=["report", "admission_no"], name="ivt_report_admission_idx"),
            models.Index(fields=["report", "thrombolytic_drug"], name="ivt_report_drug_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(nihss_pre__lte=NIHSS_MAX)
                & (Q(nihss_discharge__isnull=True) | Q(nihss_discharge__lte=NIHSS_MAX))
                & Q(mrs_discharge__lte=MRS_MAX)
                & (Q(mrs_90d__isnull=True) | Q(mrs_90d__lte=MRS_MAX)),
                name="ivt_scores_in_range",
            ),
            models.CheckConstraint(
                condition=Q(thrombolytic_drug__in=ThrombolyticDrug.values),
                name="ivt_drug_in_list",
            ),
        ]


class InterventionCase(Case):
    """附件2 急性缺血性卒中早期血管内介入治疗病例: 单纯取栓 or 桥接."""

    report = models.ForeignKey(
        "surveys.Report",
        verbose_name=_("年度报告"),
        on_delete=models.PROTECT,
        related_name="intervention_cases",
        # Served by the indexes below, which all lead with the report.
        db_index=False,
    )
    evt_mode = models.CharField(_("治疗方式"), max_length=10, choices=TreatmentMode.choices)

    ivt_at_outside_hospital = models.BooleanField(
        _("外院已静脉溶栓"), null=True, blank=True, help_text=_("是则治疗方式应为桥接")
    )
    needle_at = models.DateTimeField(
        _("本院静脉溶栓开始时间"), null=True, blank=True, help_text=_("桥接且在本院溶栓时填写")
    )
    puncture_at = models.DateTimeField(_("动脉穿刺时间"), null=True, blank=True)
    reperfusion_at = models.DateTimeField(_("再灌注时间"), null=True, blank=True)
    occlusion_sites = models.JSONField(_("闭塞部位"), default=list, blank=True)
    evt_techniques = models.JSONField(_("血管内治疗技术"), default=list, blank=True)
    mtici = models.CharField(
        _("再灌注结局（mTICI）"), max_length=2, choices=Mtici.choices, blank=True
    )

    dnt_minutes = models.IntegerField(DNT.label, null=True, blank=True, editable=False)
    dpt_minutes = models.IntegerField(DPT.label, null=True, blank=True, editable=False)
    opt_minutes = models.IntegerField(OPT.label, null=True, blank=True, editable=False)

    history = HistoricalRecords(
        verbose_name=_("介入个案编辑记录"),
        verbose_name_plural=_("介入个案编辑记录"),
        excluded_fields=[
            *HISTORY_EXCLUDED,
            "odt_minutes",
            "dnt_minutes",
            "dpt_minutes",
            "opt_minutes",
        ],
    )

    INTERVALS = (ODT, DNT, DPT, OPT)

    class Meta(Case.Meta):
        verbose_name = _("血管内介入治疗个案")
        verbose_name_plural = _("血管内介入治疗个案")
        indexes = [
            # A report's live cases in their order, with the 住院号 the list filters on
            # (issue 21): a hospital page counts and pages its own report's rows from this
            # index alone (an index-only scan), never one over every hospital's cases.
            models.Index(
                fields=["report", "id"],
                include=["admission_no"],
                condition=Q(deleted_at__isnull=True),
                name="evt_report_id_idx",
            ),
            models.Index(fields=["report", "admission_no"], name="evt_report_admission_idx"),
            models.Index(fields=["report", "evt_mode"], name="evt_report_mode_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(nihss_pre__lte=NIHSS_MAX)
                & (Q(nihss_discharge__isnull=True) | Q(nihss_discharge__lte=NIHSS_MAX))
                & Q(mrs_discharge__lte=MRS_MAX)
                & (Q(mrs_90d__isnull=True) | Q(mrs_90d__lte=MRS_MAX)),
                name="evt_scores_in_range",
            ),
            models.CheckConstraint(
                condition=Q(evt_mode__in=TreatmentMode.values), name="evt_mode_in_list"
            ),
        ]


# Excel import (excel_templates.services) ----------------------------------------------------


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    REFUSED = "refused", _("有错误，未导入")
    IMPORTED = "imported", _("已导入")


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The uploads of the reports ``user`` may open (``report_visibility``)."""
        return self.filter(report_visibility(user, "report__"))


def import_upload_to(batch, filename):
    # Never the client's file name: year, institution and a random part.
    report = batch.report
    return f"imports/{report.data_year}/{report.institution_id}/{uuid.uuid4().hex}.xlsx"


class ImportBatch(models.Model):
    """One upload of 附件1/2/3 (the audit record of an Excel import, in place of a history
    row per case): who uploaded it and when, the file as uploaded (kept, with its SHA-256),
    how many rows it had and how it ended. The file stays between 开始上传 (preview) and
    确认导入, bound to the report, never to the browser session."""

    report = models.ForeignKey(
        "surveys.Report",
        verbose_name=_("年度报告"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    ATTACHMENTS = [(1, _("附件1 总表")), (2, _("附件2 介入个案")), (3, _("附件3 溶栓个案"))]

    attachment = models.PositiveSmallIntegerField(_("附件"), choices=ATTACHMENTS)
    file = models.FileField(_("上传的文件"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    template_version = models.CharField(_("模板版本"), max_length=40, blank=True)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("Excel导入记录")
        verbose_name_plural = _("Excel导入记录")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="importbatch_status_valid"
            ),
        ]

    def __str__(self):
        return _("%(year)s年度 附件%(n)s 导入（%(status)s）") % {
            "year": self.report.data_year,
            "n": self.attachment,
            "status": self.get_status_display(),
        }
