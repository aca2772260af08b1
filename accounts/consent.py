"""单独同意 for processing the 身份证号码 (PIPL Art. 28–29; security checklist 8.4).

The notice is shown beside its own unticked checkbox at 用户注册; the account keeps the
version it agreed to and when. A new wording gets a new version, so each account's record
still names the text it saw.
"""

from django.utils.translation import gettext_lazy as _

ID_NUMBER_CONSENT_VERSION = "2026-12-v1"

ID_NUMBER_NOTICE = _(
    "身份证号码属于敏感个人信息。平台仅将其用于核实注册人身份、防止重复注册和找回账号，"
    "加密存储，页面和导出中只显示部分号码，不向第三方提供；账号注销后按规定期限删除。"
    "不同意则无法注册账号。"
)

ID_NUMBER_CONSENT_LABEL = _("我已阅读以下说明，单独同意平台处理我的身份证号")
