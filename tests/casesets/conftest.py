"""An editable 2025 report of institution A (alice's), inside an open reporting window."""

import datetime

import pytest
from django.utils import timezone

from surveys.models import Report, ReportingWindow

DATA_YEAR = 2025


@pytest.fixture
def open_window(db):
    today = timezone.localdate()
    return ReportingWindow.objects.create(
        data_year=DATA_YEAR,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
    )


def make_report(institution, **fields):
    return Report.objects.create(
        institution=institution,
        data_year=fields.pop("data_year", DATA_YEAR),
        edition="2025",
        status_changed_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def report(alice, open_window):
    return make_report(alice.institution, created_by=alice)


@pytest.fixture
def report_b(bob, open_window):
    return make_report(bob.institution, created_by=bob)
