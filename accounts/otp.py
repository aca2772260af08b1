"""TOTP devices of auditors (django-otp): enrolment at 动态口令, the demo and setup_totp."""

from django.db import transaction

from accounts.models import AuditorTOTPDevice


def replace_totp_device(user):
    """A new confirmed TOTP device for ``user``, in place of any earlier one (a lost phone)."""
    AuditorTOTPDevice.objects.filter(user=user).delete()
    return AuditorTOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def confirm_enrolment(device):
    """The auditor proved the new authenticator with a code: it becomes their device, and any
    other draft of theirs is dropped."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        AuditorTOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
