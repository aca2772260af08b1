"""Pages that exist only in development (DEBUG)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from ..sms.backends.filebased import read_outbox


@never_cache
def sms_outbox(request):
    """开发短信箱: with DEBUG on, the latest messages the file backend wrote, so that every
    SMS flow (registration comes before login, hence no login here) can be tried without a
    phone. Full mobiles and codes are shown: the page does not exist outside DEBUG."""
    if not settings.DEBUG:
        raise Http404
    file_backend = "accounts.sms.backends.filebased.SmsBackend"
    return render(
        request,
        "accounts/sms_outbox.html",
        {
            "sms_messages": read_outbox(settings.SMS_FILE_PATH, limit=50),
            "file_backend_active": settings.SMS_BACKEND == file_backend,
            "sms_backend": settings.SMS_BACKEND,
        },
    )
