"""What an audit event can say: the action and its outcome (no model import, so any module
may import these at load time)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # 登录与账号 (checklist 9.1)
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("登录锁定")
    LOGOUT = "logout", _("退出登录")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("二次验证失败")
    SMS_SENT = "sms_sent", _("发送短信验证码")
    SMS_CODE_FAILED = "sms_code_failed", _("短信验证码错误")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    MOBILE_CHANGE = "mobile_change", _("更换手机号")
    PERMISSION_DENIED = "permission_denied", _("拒绝访问")
    # 审核
    VERIFICATION_APPROVE = "verification_approve", _("通过个人身份认证")
    VERIFICATION_REJECT = "verification_reject", _("驳回个人身份认证")
    APPLICATION_APPROVE = "application_approve", _("通过单位注册申请")
    APPLICATION_REJECT = "application_reject", _("驳回单位注册申请")
    ACTIVATION_CODE_RESEND = "activation_code_resend", _("重新发送激活码")
    # 数据
    UPLOAD = "upload", _("上传文件")
    IMPORT = "import", _("导入数据")
    EXPORT = "export", _("导出数据")
    REPORT_SUBMIT = "report_submit", _("提交报告")
    REPORT_RETURN = "report_return", _("退回报告")
    REPORT_APPROVE = "report_approve", _("审核通过报告")
    REPORT_DELETE = "report_delete", _("删除报告")
    REPORT_RESTORE = "report_restore", _("恢复报告")
    CASE_CHANGE = "case_change", _("修改个案")
    BIND = "bind", _("绑定既往数据")
    UNBIND = "unbind", _("解绑既往数据")
    BINDING_SEARCH = "binding_search", _("搜索既往数据")
    BINDING_APPLY = "binding_apply", _("申请绑定既往数据")
    BINDING_APPROVE = "binding_approve", _("批准绑定申请")
    BINDING_REJECT = "binding_reject", _("驳回绑定申请")
    ADMIN_CHANGE = "admin_change", _("后台修改")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")
