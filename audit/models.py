from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import Action, Outcome


class AuditEvent(models.Model):
    """One security event: who, from where, did what to which object, and how it ended.

    Append-only: on PostgreSQL a trigger (migration 0002) refuses every UPDATE and DELETE of
    this table, whatever the caller; the admin is read-only. The user and institution are
    references without a database constraint, so that deleting an account or an institution
    never has to touch (and cannot be blocked by) its audit trail; ``username`` keeps the name
    the account had. Nothing personal goes into ``object_id`` or ``detail``: ids, counts,
    file digests and codes only (checklist 9.3).
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=40, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS, db_index=True
    )
    path = models.CharField(_("请求路径"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["institution", "at"], name="audit_institution_at")]

    def __str__(self):
        who = self.username or _("匿名")
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M:%S")
        return f"{when} {who} {self.get_action_display()}（{self.get_outcome_display()}）"
