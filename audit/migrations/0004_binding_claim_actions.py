"""Issue 19 item 1: the audit log names every step of 绑定既往数据 — 搜索, 申请, 批准, 驳回
(besides 绑定 and 解绑). Only the field's choices change; nothing in the table does."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_refuse_truncate"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "登录"),
                    ("login_failed", "登录失败"),
                    ("lockout", "登录锁定"),
                    ("logout", "退出登录"),
                    ("second_factor_failed", "二次验证失败"),
                    ("sms_sent", "发送短信验证码"),
                    ("sms_code_failed", "短信验证码错误"),
                    ("password_change", "修改密码"),
                    ("mobile_change", "更换手机号"),
                    ("permission_denied", "拒绝访问"),
                    ("verification_approve", "通过个人身份认证"),
                    ("verification_reject", "驳回个人身份认证"),
                    ("application_approve", "通过单位注册申请"),
                    ("application_reject", "驳回单位注册申请"),
                    ("activation_code_resend", "重新发送激活码"),
                    ("upload", "上传文件"),
                    ("import", "导入数据"),
                    ("export", "导出数据"),
                    ("report_submit", "提交报告"),
                    ("report_return", "退回报告"),
                    ("report_approve", "审核通过报告"),
                    ("report_delete", "删除报告"),
                    ("report_restore", "恢复报告"),
                    ("case_change", "修改个案"),
                    ("bind", "绑定既往数据"),
                    ("unbind", "解绑既往数据"),
                    ("binding_search", "搜索既往数据"),
                    ("binding_apply", "申请绑定既往数据"),
                    ("binding_approve", "批准绑定申请"),
                    ("binding_reject", "驳回绑定申请"),
                    ("admin_change", "后台修改"),
                ],
                db_index=True,
                max_length=40,
                verbose_name="操作",
            ),
        ),
    ]
