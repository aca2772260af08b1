"""The 审核员 group: what an auditor may do in 审核后台 without being a superuser.

Auditors are staff accounts in this group (SECURITY.md: one personal account per auditor,
not superuser); a superuser exists only to set the platform up and to manage staff
(``accounts.admin.UserAdmin`` keeps privileges and staff accounts to superusers). The group's
permissions are declared here once and put in place after every ``migrate``
(``sync_auditor_group``, connected to ``post_migrate``), so a new model or action needs one
edit here.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

GROUP_NAME = "审核员"

# "app_label.model": the actions an auditor needs on it.
PERMISSIONS = {
    # 个人身份认证 and accounts (停用/启用 a hospital account; staff accounts are superusers')
    "accounts.user": ("view", "change"),
    "accounts.identityverification": ("view", "change"),
    "accounts.auditortotpdevice": ("view",),
    # 单位注册 queue, 医疗机构 (停用), 行政区划
    "institutions.institution": ("view", "add", "change"),
    "institutions.institutionapplication": ("view", "change"),
    "institutions.region": ("view",),
    # 年度报告 review (审核通过/退回, 导出总表), 基本信息, 填报时间
    "surveys.report": ("view", "change"),
    "surveys.basicinfo": ("view",),
    "surveys.reportingwindow": ("view", "add", "change"),
    "surveys.windowextension": ("view", "add", "change", "delete"),
    # 提醒短信 (manage.py send_reminders): who was reminded, read only
    "surveys.reminder": ("view",),
    # cases and imports: read only
    "casesets.thrombolysiscase": ("view",),
    "casesets.interventioncase": ("view",),
    "casesets.importbatch": ("view",),
    # legacy data (导入既往数据 adds records)
    "binding.legacyrecord": ("view", "add"),
    "binding.legacyimport": ("view",),
    "binding.bindinglog": ("view",),
    # 绑定申请 queue: 批准 / 驳回 (change)
    "binding.bindingapplication": ("view", "change"),
    # 数据概览 (quality.admin): the stored indicators, read only
    "quality.reportindicators": ("view",),
    # 审计日志 (append-only) and 登录失败与锁定 (unlocking is deleting the attempt)
    "audit.auditevent": ("view",),
    "axes.accessattempt": ("view", "delete"),
    "axes.accessfailurelog": ("view",),
    "axes.accesslog": ("view",),
}


def auditor_permissions():
    """The Permission rows the declaration names (those whose models exist)."""
    wanted = Q(pk__in=[])
    for label, actions in PERMISSIONS.items():
        app_label, model = label.split(".")
        wanted |= Q(
            content_type__app_label=app_label,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return Permission.objects.filter(wanted)


def sync_auditor_group(**kwargs):
    """Create the 审核员 group and give it exactly the declared permissions. Runs after each
    app's post_migrate; the last run, when every app's permissions exist, completes it."""
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(auditor_permissions())
