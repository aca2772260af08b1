"""获取短信验证码: the endpoint behind every "send me a code" button."""

from captcha.helpers import captcha_image_url
from captcha.models import CaptchaStore
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.ratelimit import rate_limited

from ..forms.sms import SendCodeForm
from ..sms.codes import SmsCodeError, send_code
from ..throttling import client_ip
from ..validators import mask_mobile


@require_POST
@rate_limited("sms", json=True)
def send_sms_code(request):
    """Send a code after the image captcha is solved; answer JSON with a fresh captcha.

    The answer is the same whether or not an account uses the mobile: the code only
    reaches whoever holds it.
    """
    form = SendCodeForm(request.POST, user=request.user)
    ok, message = False, ""
    if form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            send_code(mobile=mobile, purpose=form.cleaned_data["purpose"], ip=client_ip(request))
        except SmsCodeError as error:
            message = error.message
        else:
            ok = True
            message = _("验证码已发送至 %(mobile)s，%(minutes)s分钟内有效。") % {
                "mobile": mask_mobile(mobile),
                "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
            }
    else:
        message = next(iter(form.errors.values()))[0]
    key = CaptchaStore.pick()
    return JsonResponse(
        {
            "ok": ok,
            "message": message,
            "wait": settings.SMS_RESEND_SECONDS if ok else 0,
            "captcha": {"key": key, "image_url": captcha_image_url(key)},
        },
        status=200 if ok else 400,
    )
