"""TOTP devices of auditors (django-otp), for the demo and the setup_totp command."""

from django_otp.plugins.otp_totp.models import TOTPDevice


def replace_totp_device(user):
    """A new confirmed TOTP device for ``user``, in place of any earlier one (a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
