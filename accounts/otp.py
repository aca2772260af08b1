"""TOTP devices of auditors (django-otp), for the demo and the setup_totp command."""

from accounts.models import AuditorTOTPDevice


def replace_totp_device(user):
    """A new confirmed TOTP device for ``user``, in place of any earlier one (a lost phone)."""
    AuditorTOTPDevice.objects.filter(user=user).delete()
    return AuditorTOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
