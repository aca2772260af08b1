"""Issue 20 item 5: the database refuses a state outside its choices, whatever writes it."""

import pytest
from django.db import IntegrityError, transaction

from binding.models import BindingApplication, BindingLog, LegacyRecord
from binding.services import bind_legacy_record

from .helpers import make_record


def test_a_legacy_submit_status_outside_the_choices_is_refused_by_the_database(db):
    record = make_record()
    with pytest.raises(IntegrityError), transaction.atomic():
        LegacyRecord.objects.filter(pk=record.pk).update(submit_status="bogus")


def test_an_application_status_outside_the_choices_is_refused_by_the_database(alice):
    application = BindingApplication.objects.create(
        record=make_record(), institution=alice.institution, requested_by=alice, note="曾用名"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BindingApplication.objects.filter(pk=application.pk).update(status="bogus")


def test_a_binding_log_action_outside_the_choices_is_refused_by_the_database(alice):
    bind_legacy_record(make_record("甲医院"), alice.institution, alice)
    log = BindingLog.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        BindingLog.objects.filter(pk=log.pk).update(action="bogus")
