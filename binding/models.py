"""Legacy records of the old platform (绑定既往数据), the 绑定申请 auditors decide on, and the
log of every 绑定 and 解绑.

A ``LegacyRecord`` is one hospital's whole report of one data year as the old platform
exported it (DATA_DICTIONARY Decision 9): the hospital's identity fields as found, the
2018-edition 总表 and its 附件2/附件3 cases. Records are loaded by ``manage.py
import_legacy`` (or the admin's zip import) and never deleted. Binding one makes it the
institution's report of that year (``surveys.Report`` with status 既往数据, edition "2018");
unbinding soft-deletes that report and returns the record to the pool.

Binding is a claim (SPEC §3.9, ``binding.claims``): it is immediate only when the record's
hospital name and region match the institution's; otherwise, or when the institution unbound
the record before, it is a ``BindingApplication`` that an auditor approves or rejects.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history import register as register_history

from accounts.fields import BlindIndexField, EncryptedCharField
from institutions.models import Institution, Region
from institutions.region_names import printed_name
from surveys.models import Report


class LegacySubmitStatus(models.TextChoices):
    """提交状态 on the old platform (column AG of the export)."""

    SUBMITTED = "submitted", _("已提交")
    DRAFT = "draft", _("未提交")


class LegacyImport(models.Model):
    """One run of the importer (command or admin upload): what it read and what it said."""

    source_name = models.CharField(_("导入来源"), max_length=300)
    source_sha256 = models.CharField(_("来源文件SHA-256"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("为空表示由命令行（manage.py import_legacy）导入"),
    )
    created = models.PositiveIntegerField(_("新导入"), default=0)
    completed = models.PositiveIntegerField(
        _("补全"), default=0, help_text=_("此前缺少个案文件、本次用修复的文件补全个案的既往数据")
    )
    unchanged = models.PositiveIntegerField(_("已存在"), default=0)
    refused = models.PositiveIntegerField(_("拒绝"), default=0)
    report = models.TextField(_("导入报告"), blank=True)

    class Meta:
        verbose_name = _("既往数据导入记录")
        verbose_name_plural = _("既往数据导入记录")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.source_name}（{self.started_at:%Y-%m-%d %H:%M}）"


class LegacyRecordQuerySet(models.QuerySet):
    def unbound(self):
        return self.filter(bound_institution__isnull=True)

    def bound_to(self, institution_id):
        return self.filter(bound_institution_id=institution_id)


class LegacyRecord(models.Model):
    """One hospital's report of one data year from the old platform's export."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    data_year = models.PositiveSmallIntegerField(_("调查年度"))

    hospital_name = models.CharField(_("医院名称"), max_length=200)
    # The name as matched: NFKC, no spaces, lower case (附件2/附件3 are matched on it).
    name_key = models.CharField(_("医院名称（规范化）"), max_length=200, editable=False)
    province_name = models.CharField(_("省份"), max_length=50, blank=True)
    city_name = models.CharField(_("市"), max_length=50, blank=True)
    county_name = models.CharField(_("县（区）"), max_length=50, blank=True)
    region_text = models.CharField(
        _("行政区划"),
        max_length=160,
        blank=True,
        help_text=_("导出文件中的原文，如 北京市市辖区东城区"),
    )
    region_code = models.CharField(
        _("行政区划代码"), max_length=6, blank=True, help_text=_("文件中的代码或按名称查到的代码")
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("对应的行政区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("按代码或名称在区划表（含已撤销的区划）中查到的区划；查不到时为空"),
    )
    grade = models.CharField(_("医院等级"), max_length=30, blank=True)
    category = models.CharField(_("医院类别"), max_length=30, blank=True)
    director_name = models.CharField(_("医院负责人姓名"), max_length=60, blank=True)
    # Encrypted at rest like account mobiles (accounts.fields); found only by the whole
    # number, through its keyed hash (binding.search), never by fragments.
    director_phone = EncryptedCharField(_("联系电话"), max_length=40, blank=True)
    director_phone_hash = BlindIndexField(_("联系电话索引"), source="director_phone")
    director_email = models.CharField(_("电子邮箱"), max_length=254, blank=True)
    submit_status = models.CharField(
        _("提交状态"), max_length=10, choices=LegacySubmitStatus.choices
    )
    entered_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    # The 2018-edition 总表 keyed by item code (surveys.editions.edition_2018); blank is None.
    values = models.JSONField(_("总表数据"), default=dict, blank=True)
    # 附件3 / 附件2 rows, each a dict of case field → value (as casesets' models name them).
    thrombolysis_cases = models.JSONField(_("单纯静脉溶栓个案"), default=list, blank=True)
    intervention_cases = models.JSONField(_("血管内介入治疗个案"), default=list, blank=True)
    # The 附件2/附件3 files that could not be loaded, each {"attachment": "附件3", "file":
    # path in the export, "reason": why, "import_id": the run}; that attachment's cases are
    # missing until an import with the repaired file adds them and removes the entry.
    refused_files = models.JSONField(
        _("未导入的个案文件"),
        default=list,
        blank=True,
        help_text=_("无法读取的附件2/附件3文件及原因；修复文件后重新导入即补全其个案"),
    )

    # Lower-cased, NFKC text of name, region and person (never the phone): what the search
    # reads; and
    # its characters and character pairs, which the search's index holds (binding.search).
    search_text = models.TextField(_("检索文本"), editable=False, default="")
    search_grams = models.TextField(_("检索字组"), editable=False, default="")

    source_file = models.CharField(_("来源文件"), max_length=300)
    source_row = models.PositiveIntegerField(_("来源行号"))
    source_sha256 = models.CharField(_("来源文件SHA-256"), max_length=64)
    fingerprint = models.CharField(
        _("内容指纹"),
        max_length=64,
        help_text=_("全部导入内容的带密钥摘要（HMAC-SHA256）；再次导入相同内容时跳过"),
    )
    imported_by = models.ForeignKey(
        LegacyImport,
        verbose_name=_("导入批次"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    bound_institution = models.ForeignKey(
        Institution,
        verbose_name=_("绑定单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legacy_records",
    )
    bound_report = models.OneToOneField(
        Report,
        verbose_name=_("绑定生成的年度报告"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legacy_record",
    )
    bound_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("绑定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = LegacyRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("既往数据")
        verbose_name_plural = _("既往数据")
        ordering = ["-data_year", "name_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_year", "name_key"], name="legacy_record_one_per_hospital_year"
            ),
            models.CheckConstraint(
                condition=Q(bound_institution__isnull=True, bound_report__isnull=True)
                | Q(bound_institution__isnull=False, bound_report__isnull=False),
                name="legacy_record_bound_with_report",
            ),
            models.CheckConstraint(
                condition=Q(submit_status__in=LegacySubmitStatus.values),
                name="legacy_record_submit_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["bound_institution", "data_year"], name="legacy_bound_year_idx"),
            models.Index(fields=["-data_year", "name_key"], name="legacy_year_name_idx"),
            models.Index(fields=["director_phone_hash"], name="legacy_phone_hash_idx"),
        ]
        # On PostgreSQL, migration 0002 adds the search's GIN indexes (grams, name trigrams).

    def __str__(self):
        return f"{self.hospital_name} {self.data_year}年度"

    @property
    def is_bound(self):
        return self.bound_institution_id is not None

    @property
    def printed_region(self):
        """The 行政区划 as found, printed as the platform prints every region (北京市东城区 of
        a later export reads 北京市市辖区东城区, like the old platform's own)."""
        return printed_name(self.region_text)

    @property
    def refused_attachments(self) -> list[str]:
        """The attachments whose cases are missing ("附件2", "附件3")."""
        return [entry["attachment"] for entry in self.refused_files or ()]

    @property
    def case_counts(self):
        """(溶栓个案, 介入个案)."""
        return len(self.thrombolysis_cases or ()), len(self.intervention_cases or ())


class BindingApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class BindingApplication(models.Model):
    """绑定申请: an institution claims a legacy record whose identity does not match its own
    (or that it unbound before). The record's content stays hidden from the institution until
    an auditor approves; approval binds it through the same service as an immediate 绑定.
    Rows change only through ``binding.claims``."""

    # Module-level so that Meta.constraints can name it; ``BindingApplication.Status`` stays
    # the name the code uses.
    Status = BindingApplicationStatus

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(
        LegacyRecord,
        verbose_name=_("既往数据"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    note = models.TextField(
        _("申请说明"), max_length=500, help_text=_("申请人说明该数据为何属于本单位")
    )
    # Why an auditor must decide, as judged when the application was made.
    name_matched = models.BooleanField(_("医院名称相符"), default=False)
    region_matched = models.BooleanField(_("行政区划相符"), default=False)
    unbound_before = models.BooleanField(_("本单位曾解绑该数据"), default=False)

    status = models.CharField(
        _("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("为空表示因该数据已被其他单位绑定而自动驳回"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    report = models.ForeignKey(
        Report,
        verbose_name=_("批准后生成的年度报告"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("绑定申请")
        verbose_name_plural = _("绑定申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open application per record and institution, even under concurrent posts.
            models.UniqueConstraint(
                fields=["record", "institution"],
                condition=Q(status="pending"),
                name="binding_application_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="binding_application_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="binding_application_decided_at_set",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(report__isnull=False),
                name="binding_application_approval_has_report",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BindingApplicationStatus.values),
                name="binding_application_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="binding_app_queue_idx"),
            models.Index(fields=["institution", "status"], name="binding_app_institution_idx"),
        ]

    def __str__(self):
        return f"{self.record} · {self.institution}"

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING


class BindingAction(models.TextChoices):
    BIND = "bind", _("绑定")
    UNBIND = "unbind", _("解绑")


class BindingLog(models.Model):
    """Every 绑定 and 解绑: who, when, which record, which institution, which report."""

    action = models.CharField(_("操作"), max_length=10, choices=BindingAction.choices)
    record = models.ForeignKey(
        LegacyRecord, verbose_name=_("既往数据"), on_delete=models.PROTECT, related_name="logs"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    report = models.ForeignKey(
        Report, verbose_name=_("年度报告"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    application = models.ForeignKey(
        BindingApplication,
        verbose_name=_("绑定申请"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("经审核员批准的绑定"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("绑定日志")
        verbose_name_plural = _("绑定日志")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=BindingAction.values), name="binding_log_action_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.record} {self.at:%Y-%m-%d %H:%M}"


# The names and regions an institution has had (SPEC §3.9: a former name matches a legacy
# record). Institutions are named and renamed only by auditors (单位注册 approval, the admin),
# so their history is trusted; 基本信息, which hospital users edit, never decides a match.
# Kept here, with only the fields the match reads, because binding is what needs it.
register_history(
    Institution,
    app="binding",
    manager_name="name_history",
    excluded_fields=[
        "public_id",
        "grade",
        "category",
        "credit_code",
        "licence_number",
        "is_base_hospital",
        "is_advanced_stroke_center",
        "status",
        "created_at",
        "updated_at",
    ],
    verbose_name=_("医疗机构名称记录"),
    verbose_name_plural=_("医疗机构名称记录"),
)
