"""Alibaba Cloud SMS (阿里云短信服务): the dysmsapi ``SendSms`` action over HTTPS.

The RPC-style API with signature version 1.0: every parameter, sorted and percent-encoded,
is signed with HMAC-SHA1 keyed by the AccessKey secret followed by "&". The request is a
POST with a form body, so the mobile never appears in a URL that a proxy might log.

Only the standard library is used (urllib), so production needs no SDK. A template provider
sends template variables, not free text: the approved template carries the wording and
``SmsMessage.params`` fills in its variables. A message with a ``code`` param goes out with
the verification-code template (SMS_ALIYUN_TEMPLATE_CODE, ``${code}``); a message with a
``deadline`` param is a deadline reminder (``surveys.reminders``) and goes out with the reminder
template (SMS_ALIYUN_REMINDER_TEMPLATE_CODE); any other message is a notice and goes out with the
notice template (SMS_ALIYUN_NOTICE_TEMPLATE_CODE, ``${result}``). A message whose template is not
configured is refused rather than sent with the wrong one.
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.validators import mask_mobile

from .base import BaseSmsBackend, SmsSendError

logger = logging.getLogger(__name__)

API_VERSION = "2017-05-25"


def percent_encode(value):
    """RFC 3986 encoding as the signature requires: only A–Z a–z 0–9 - _ . ~ stay as they
    are; a space is %20, not +."""
    return urllib.parse.quote(str(value), safe="~")


def sign(params, secret, *, method="POST"):
    """The ``Signature`` of ``params`` (which must not contain it yet)."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class SmsBackend(BaseSmsBackend):
    """Sends each message with one ``SendSms`` call; raises ``SmsSendError`` (unless
    ``fail_silently``) when the provider refuses it or cannot be reached in time."""

    def __init__(
        self,
        *args,
        access_key_id=None,
        access_key_secret=None,
        sign_name=None,
        template_code=None,
        notice_template_code=None,
        reminder_template_code=None,
        endpoint=None,
        timeout=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.access_key_id = access_key_id or settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = access_key_secret or settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = sign_name or settings.SMS_ALIYUN_SIGN_NAME
        self.template_code = template_code or settings.SMS_ALIYUN_TEMPLATE_CODE
        self.notice_template_code = notice_template_code or settings.SMS_ALIYUN_NOTICE_TEMPLATE_CODE
        self.reminder_template_code = (
            reminder_template_code or settings.SMS_ALIYUN_REMINDER_TEMPLATE_CODE
        )
        self.endpoint = endpoint or settings.SMS_ALIYUN_ENDPOINT
        self.timeout = timeout or settings.SMS_ALIYUN_TIMEOUT

    def send_messages(self, messages):
        sent = 0
        for message in messages:
            try:
                self._send(message)
            except SmsSendError:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent

    def template_for(self, message):
        """The approved template that matches the message's params."""
        if "code" in message.params:
            return self.template_code
        if "deadline" in message.params:
            if not self.reminder_template_code:
                raise SmsSendError(
                    _("未配置提醒短信模板（SMS_ALIYUN_REMINDER_TEMPLATE_CODE），提醒短信未发送。")
                )
            return self.reminder_template_code
        if not self.notice_template_code:
            raise SmsSendError(
                _("未配置通知短信模板（SMS_ALIYUN_NOTICE_TEMPLATE_CODE），通知短信未发送。")
            )
        return self.notice_template_code

    def request_params(self, message):
        """Every parameter of the ``SendSms`` request, ``Signature`` included."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.mobile,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_for(message),
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        params["Signature"] = sign(params, self.access_key_secret)
        return params

    def _send(self, message):
        masked = mask_mobile(message.mobile)
        body = urllib.parse.urlencode(
            self.request_params(message), quote_via=urllib.parse.quote
        ).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
            },
        )
        try:
            # The URL is the operator's SMS_ALIYUN_ENDPOINT setting, never user input.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            # Signature and parameter errors come back as 4xx with the usual JSON body.
            raw = exc.read()
        except OSError as exc:  # URLError: refused, unreachable, DNS; or a read timeout
            if isinstance(exc, TimeoutError) or isinstance(
                getattr(exc, "reason", None), TimeoutError
            ):
                logger.warning("Aliyun SendSms to %s timed out after %ss", masked, self.timeout)
                raise SmsSendError(_("短信服务响应超时，请稍后重试。")) from exc
            logger.warning("Aliyun SendSms to %s could not connect: %s", masked, exc)
            raise SmsSendError(_("无法连接短信服务，请稍后重试。")) from exc

        try:
            result = json.loads(raw)
            code = str(result.get("Code", ""))
        except (ValueError, AttributeError):
            logger.warning("Aliyun SendSms to %s: unreadable response", masked)
            raise SmsSendError(_("短信服务返回了无法识别的结果，请稍后重试。")) from None
        if code != "OK":
            logger.warning(
                "Aliyun SendSms to %s refused: %s %s (RequestId %s)",
                masked,
                code,
                _scrub(result.get("Message", ""), message),
                result.get("RequestId", ""),
            )
            raise SmsSendError(
                _("短信发送失败（%(code)s），请稍后重试。") % {"code": code or _("未知错误")}
            )
        logger.info("Aliyun SendSms to %s OK (BizId %s)", masked, result.get("BizId", ""))


def _scrub(text, message):
    """The provider's text with the mobile masked and the template values hidden."""
    text = str(text).replace(message.mobile, mask_mobile(message.mobile))
    for value in message.params.values():
        if str(value):
            text = text.replace(str(value), "******")
    return text
