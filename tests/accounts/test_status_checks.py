"""Issue 20 item 5: the database refuses a state outside its choices, whatever writes it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import IdentityVerification, SmsCode, User


@pytest.mark.parametrize("field", ["role", "origin", "verification_status"])
def test_an_account_state_outside_the_choices_is_refused_by_the_database(alice, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(**{field: "bogus"})


def test_a_verification_status_outside_the_choices_is_refused_by_the_database(newcomer):
    verification = IdentityVerification.objects.create(
        user=newcomer,
        institution=newcomer.institution,
        licence_number="PDY00001X11010117A1001",
        licence_photo="verifications/licence.png",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityVerification.objects.filter(pk=verification.pk).update(status="bogus")


def test_an_sms_purpose_outside_the_choices_is_refused_by_the_database(db):
    now = timezone.now()
    code = SmsCode.objects.create(
        mobile="13800138000",
        purpose=SmsCode.Purpose.LOGIN,
        code_hash="0" * 64,
        created_at=now,
        expires_at=now,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsCode.objects.filter(pk=code.pk).update(purpose="bogus")
