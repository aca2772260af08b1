import re
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.fields import EncryptedCharField
from accounts.validators import validate_mobile, validate_person_name
from institutions.models import (
    HospitalCategory,
    HospitalGrade,
    Institution,
    KeepsRegionName,
    Region,
)
from registry.scope import scope_q


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
    director_mobile = EncryptedCharField(
        _("医院负责人手机号"), max_length=11, validators=[validate_mobile]
    )
    director_email = models.EmailField(_("医院负责人电子邮箱"), max_length=254)
    contact_name = models.CharField(
        _("医院联系人姓名"), max_length=30, validators=[validate_person_name]
    )
    contact_mobile = EncryptedCharField(
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


class ReportStatus(models.TextChoices):
    """SPEC §3.8: 未提交 → 已提交 → 已退回 (editable again) / 已审核 (final)."""

    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("已提交")
    # 分级审核 (issue 22 item 2): in a year with two review levels, a province (or city)
    # auditor's 审核通过 leads here, and a national auditor's to 已审核.
    PROVINCIAL = "provincial", _("省级审核通过")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")
    # Bound from the old platform's export (绑定既往数据): read-only, outside the workflow;
    # ``Report.legacy_status`` keeps the old platform's 提交状态.
    LEGACY = "legacy", _("既往数据")


# The states in which the hospital may change the report (inside the reporting window).
EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)
# The states in which the report waits for an auditor.
IN_REVIEW_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.PROVINCIAL)


def report_visibility(user, via: str = "") -> models.Q:
    """Who sees which report — the one rule, for reports and everything reached through
    them (cases, Excel imports, 附件4 scans: ``via`` is the path to their report, e.g.
    ``"report__"``). An active auditor (staff) sees every report of the institutions in
    their 审核范围 (``registry.scope``), deleted ones too (the admin restores them); a
    hospital account its own institution's live reports; anyone else none."""
    if not user.is_authenticated or not user.is_active:
        return models.Q(pk__in=[])
    if user.is_staff:
        return scope_q(user, f"{via}institution__region")
    if user.institution_id is None:
        return models.Q(pk__in=[])
    return models.Q(
        **{f"{via}institution_id": user.institution_id, f"{via}deleted_at__isnull": True}
    )


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reports ``user`` may open (``report_visibility``)."""
        return self.filter(report_visibility(user))

    def alive(self):
        """Reports not deleted (a deleted report is kept and an auditor can restore it)."""
        return self.filter(deleted_at__isnull=True)

    def of_institution(self, institution_id):
        return self.alive().filter(institution_id=institution_id)

    def in_province(self, province_code):
        return self.filter(institution__region__code__startswith=province_code[:2])


class Report(models.Model):
    """One institution's annual report for one data year: the 总表 values of one edition
    (DATA_DICTIONARY Decision 2), 附件4, the cases (``casesets``) and the status."""

    # The report's id in every URL (issue 20 item 4): unguessable, so a URL names one report
    # without telling how many there are; the integer key stays internal.
    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        Institution, verbose_name=_("医疗机构"), on_delete=models.PROTECT, related_name="reports"
    )
    data_year = models.PositiveSmallIntegerField(_("数据年度"))
    edition = models.CharField(_("总表版本"), max_length=20)
    values = models.JSONField(_("总表数据"), default=dict, blank=True)
    confirmed_warnings = models.JSONField(_("已确认的提示"), default=list, blank=True)
    # Goes up by one at every change of the 总表; an 附件4 scan records the version it was
    # uploaded for and is stale once the 总表 moved on.
    survey_version = models.PositiveIntegerField(_("总表版本号"), default=0)
    survey_saved_at = models.DateTimeField(_("总表保存时间"), null=True, blank=True)
    survey_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("总表保存人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    status = models.CharField(
        _("当前状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(_("状态修改时间"))
    return_reason = models.TextField(_("退回原因"), max_length=500, blank=True)
    legacy_status = models.CharField(
        _("旧平台提交状态"),
        max_length=10,
        blank=True,
        help_text=_("绑定的既往数据在旧平台的提交状态（已提交/未提交）"),
    )
    # 基本信息 as it was at the last submission (field name → shown value).
    basic_info_snapshot = models.JSONField(_("提交时的基本信息"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
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

    history = HistoricalRecords(
        verbose_name=_("总表编辑记录"),
        verbose_name_plural=_("总表编辑记录"),
        excluded_fields=["public_id", "created_at", "created_by", "basic_info_snapshot"],
    )
    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-data_year", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "data_year"],
                condition=models.Q(deleted_at__isnull=True),
                name="report_one_per_institution_year",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["data_year", "status"], name="report_year_status_idx")]

    def __str__(self):
        return _("%(year)s年度医疗机构脑血管病诊疗情况") % {"year": self.data_year}

    @property
    def title(self):
        return str(self)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_legacy(self):
        return self.status == ReportStatus.LEGACY

    def get_status_display(self):
        """当前状态 as shown; a bound legacy report adds its old 提交状态, e.g.
        "既往数据（已提交）"."""
        label = self._get_FIELD_display(self._meta.get_field("status"))
        if self.is_legacy and self.legacy_status:
            return _("%(status)s（%(legacy)s）") % {"status": label, "legacy": self.legacy_status}
        return label


class TransitionAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    RETURN = "return", _("退回")
    APPROVE = "approve", _("审核通过")
    # Two review levels (issue 22 item 2): the province's 审核通过, then the nation's.
    PROVINCIAL = "provincial", _("省级审核通过")
    NATIONAL = "national", _("国家级审核通过")
    DELETE = "delete", _("删除")
    RESTORE = "restore", _("恢复")


class ReportTransition(models.Model):
    """Every state change of a report: who, when, from, to, and the reason of a 退回."""

    report = models.ForeignKey(
        Report, verbose_name=_("年度报告"), on_delete=models.PROTECT, related_name="transitions"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=ReportStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=ReportStatus.choices)
    action = models.CharField(_("操作"), max_length=10, choices=TransitionAction.choices)
    reason = models.TextField(_("说明"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(from_status__in=ReportStatus.values)
                & models.Q(to_status__in=ReportStatus.values)
                & models.Q(action__in=TransitionAction.values),
                name="report_transition_statuses_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    # 提交 keeps the warnings the hospital confirmed in ``reason``, one a line; earlier
    # submissions joined them with "；" after each message's closing "。".
    WARNING_SEPARATOR = "\n"
    _OLD_WARNING_SEPARATOR = re.compile(r"(?<=。)；")

    @property
    def confirmed_warnings(self) -> list[str]:
        """The warnings confirmed at this 提交, one message each ([] for other actions)."""
        if self.action != TransitionAction.SUBMIT or not self.reason.strip():
            return []
        if self.WARNING_SEPARATOR in self.reason:
            parts = self.reason.split(self.WARNING_SEPARATOR)
        else:
            parts = self._OLD_WARNING_SEPARATOR.split(self.reason)
        return [part.strip() for part in parts if part.strip()]


class ScanKind(models.TextChoices):
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    PDF = "pdf", "PDF"


class ReportScanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The scans of the reports ``user`` may open."""
        return self.filter(report_visibility(user, "report__"))

    def current(self):
        """The scan pages in use (a replaced upload is kept, out of sight)."""
        return self.filter(replaced_at__isnull=True)


class ReportScan(models.Model):
    """One file of 附件4 (扫描版): a page image or the one PDF. An upload replaces the whole
    set; the old files stay (``replaced_at``). ``survey_version`` ties the scan to the 总表
    it shows."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(
        Report, verbose_name=_("年度报告"), on_delete=models.PROTECT, related_name="scans"
    )
    file = models.FileField(_("文件"), upload_to="attachment4/%Y/%m/", max_length=200)
    kind = models.CharField(_("类型"), max_length=4, choices=ScanKind.choices)
    position = models.PositiveSmallIntegerField(_("页序"), default=1)
    pages = models.PositiveSmallIntegerField(_("页数"), default=1)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    survey_version = models.PositiveIntegerField(_("对应总表版本号"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaced_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)

    objects = ReportScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件4扫描件")
        verbose_name_plural = _("附件4扫描件")
        ordering = ["report_id", "position", "id"]

    def __str__(self):
        return _("附件4 第%(position)s份") % {"position": self.position}


class ReportingWindow(models.Model):
    """填报时间 of one data year, set by auditors. Without a row the default applies:
    1 February to 31 March (inclusive, Asia/Shanghai) of the following year."""

    data_year = models.PositiveSmallIntegerField(_("数据年度"), unique=True)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"), help_text=_("含当天，至北京时间24时"))
    review_levels = models.PositiveSmallIntegerField(
        _("审核级别"),
        choices=[
            (1, _("一级审核：审核员审核通过即为已审核")),
            (2, _("两级审核：省级审核员审核通过后，由国家级审核员终审")),
        ],
        default=1,
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

    class Meta:
        verbose_name = _("填报时间")
        verbose_name_plural = _("填报时间")
        ordering = ["-data_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="reporting_window_ordered",
                # The one statement of the rule: the admin's form shows this message.
                violation_error_message=_("截止日期不能早于开始日期，请重新选择。"),
            ),
            models.CheckConstraint(
                condition=models.Q(review_levels__in=(1, 2)), name="reporting_window_levels"
            ),
        ]

    def __str__(self):
        return _("%(year)s年度：%(start)s 至 %(end)s") % {
            "year": self.data_year,
            "start": self.opens_on,
            "end": self.closes_on,
        }


class WindowExtension(models.Model):
    """延期: one institution may create, edit and submit its report of ``data_year`` until
    ``until`` (inclusive), whatever the year's window says."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("医疗机构"),
        on_delete=models.PROTECT,
        related_name="window_extensions",
    )
    data_year = models.PositiveSmallIntegerField(_("数据年度"))
    until = models.DateField(_("延期至"), help_text=_("含当天，至北京时间24时"))
    reason = models.CharField(_("延期原因"), max_length=200, blank=True)
    granted_at = models.DateTimeField(_("设置时间"), auto_now=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")
        ordering = ["-data_year", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "data_year"], name="one_extension_per_institution_year"
            )
        ]

    def __str__(self):
        return _("%(institution)s %(year)s年度延期至%(until)s") % {
            "institution": self.institution,
            "year": self.data_year,
            "until": self.until,
        }


class ReminderStatus(models.TextChoices):
    # Claimed by a run and handed to the SMS backend; a row left here (the run was killed
    # mid-send) is not sent again: a reminder goes out at most once.
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    # The backend refused it; the next run tries again while the reminder still applies.
    FAILED = "failed", _("发送失败")


class Reminder(models.Model):
    """One reminder text to an institution's 单位管理员 (``manage.py send_reminders``): its
    report of ``data_year`` is not submitted and the window closes soon (``milestone``
    ``closing_14``, ``closing_3``), or it was returned (``returned:<transition id>``). The
    unique constraint is what makes the command idempotent: one row, one text, per
    institution, year, milestone and recipient, even with two runs at once."""

    CLOSING_PREFIX = "closing_"
    RETURNED_PREFIX = "returned:"

    institution = models.ForeignKey(
        Institution, verbose_name=_("医疗机构"), on_delete=models.PROTECT, related_name="+"
    )
    data_year = models.PositiveSmallIntegerField(_("数据年度"))
    # None while the institution has no report of the year yet (it is reminded to start one).
    report = models.ForeignKey(
        Report,
        verbose_name=_("年度报告"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reminders",
    )
    milestone = models.CharField(_("提醒节点"), max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mobile_masked = models.CharField(_("手机号"), max_length=11)
    deadline = models.DateField(_("填报截止日期"), help_text=_("发送时本单位的截止日期（含延期）"))
    text = models.TextField(_("短信内容"))
    status = models.CharField(
        _("发送状态"),
        max_length=10,
        choices=ReminderStatus.choices,
        default=ReminderStatus.SENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=1)
    error = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒短信")
        verbose_name_plural = _("提醒短信")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "data_year", "milestone", "recipient"],
                name="reminder_once_per_milestone",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["data_year", "milestone"], name="reminder_year_idx")]

    def __str__(self):
        return _("%(institution)s %(year)s年度 %(milestone)s") % {
            "institution": self.institution,
            "year": self.data_year,
            "milestone": self.get_milestone_display(),
        }

    def get_milestone_display(self):
        """截止前14天 / 退回提醒."""
        if self.milestone.startswith(self.CLOSING_PREFIX):
            days = self.milestone.removeprefix(self.CLOSING_PREFIX)
            return _("截止前%(days)s天") % {"days": days}
        if self.milestone.startswith(self.RETURNED_PREFIX):
            return _("退回提醒")
        return self.milestone
