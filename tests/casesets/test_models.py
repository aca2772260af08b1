"""Case models: derived intervals, soft deletion, the specs read from the fields."""

import datetime

import pytest
from django.db import IntegrityError

from casesets.models import InterventionCase, ThrombolysisCase
from casesets.specs import ATTACHMENT2, ATTACHMENT3, SPECS, spec_for

from .helpers import EVT_OPTIONAL, IVT_OPTIONAL, at, make_evt, make_ivt

pytestmark = pytest.mark.django_db


def test_thrombolysis_intervals_are_derived_on_save(report):
    case = make_ivt(report, **IVT_OPTIONAL)
    case.refresh_from_db()
    assert (case.odt_minutes, case.dnt_minutes, case.ont_minutes) == (60, 40, 100)


def test_intervention_intervals_are_derived_on_save(report):
    case = make_evt(report, **EVT_OPTIONAL)
    case.refresh_from_db()
    assert (case.odt_minutes, case.dnt_minutes, case.dpt_minutes, case.opt_minutes) == (
        60,
        30,
        70,
        130,
    )


def test_an_interval_without_both_times_is_blank(report):
    case = make_ivt(report, arrival_at=at(3, 1, 9, 0))
    assert (case.odt_minutes, case.dnt_minutes, case.ont_minutes) == (None, None, None)


def test_intervals_follow_every_change_of_a_time(report):
    case = make_ivt(report, **IVT_OPTIONAL)
    case.needle_at = at(3, 1, 10, 30)
    case.save(update_fields=["needle_at"])
    case.refresh_from_db()
    assert (case.dnt_minutes, case.ont_minutes) == (90, 150)


def test_intervals_are_never_typed():
    for spec in SPECS.values():
        for interval in spec.intervals:
            assert interval.name not in spec.input_names
            assert not spec.model._meta.get_field(interval.name).editable


def test_the_admission_number_is_stored_trimmed(report):
    assert make_ivt(report, admission_no="  ZY9 ").admission_no == "ZY9"


def test_alive_leaves_out_deleted_cases(report):
    kept = make_ivt(report)
    make_ivt(report, admission_no="ZY2", deleted_at=datetime.datetime.now(datetime.UTC))
    assert list(ThrombolysisCase.objects.alive()) == [kept]
    assert ThrombolysisCase.objects.deleted().count() == 1


def test_the_same_admission_number_twice_is_allowed_in_the_database(report):
    make_evt(report)
    make_evt(report)  # Decision 6: a confirmed duplicate by hand
    assert InterventionCase.objects.filter(admission_no="ZY2025-101").count() == 2


def test_the_database_refuses_a_score_out_of_range(report):
    with pytest.raises(IntegrityError):
        make_ivt(report, nihss_pre=43)


def test_the_database_refuses_a_drug_outside_the_list(report):
    with pytest.raises(IntegrityError):
        make_ivt(report, thrombolytic_drug="streptokinase")


def test_each_case_model_has_its_spec():
    assert spec_for(ThrombolysisCase) is ATTACHMENT3
    assert spec_for(InterventionCase(evt_mode="direct")) is ATTACHMENT2
    assert ATTACHMENT3.other is ATTACHMENT2 and ATTACHMENT2.other is ATTACHMENT3
