"""Cases that pass every rule: tests change one value and see one rule speak."""

import datetime
import zoneinfo

from casesets.models import InterventionCase, ThrombolysisCase
from casesets.specs import ATTACHMENT2, ATTACHMENT3
from casesets.validators import validate_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = 2025


def at(month, day, hour=0, minute=0, year=YEAR):
    """A Beijing time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


IVT_CORE = {
    "admission_no": "ZY2025-001",
    "nihss_pre": 10,
    "nihss_discharge": 4,
    "mrs_discharge": 2,
    "thrombolytic_drug": "alteplase",
    "thrombolytic_drug_other": "",
}
# Onset 08:00, door 09:00, needle 09:40: ODT 60, DNT 40, ONT 100 minutes.
IVT_OPTIONAL = {
    "onset_at": at(3, 1, 8, 0),
    "onset_unknown": False,
    "arrival_at": at(3, 1, 9, 0),
    "needle_at": at(3, 1, 9, 40),
    "weight_kg": 60,
    "drug_total_dose": 54,
    "sich": "no",
    "discharge_date": datetime.date(YEAR, 3, 10),
    "mrs_90d": 1,
}

EVT_CORE = {
    "admission_no": "ZY2025-101",
    "evt_mode": "bridging",
    "nihss_pre": 16,
    "nihss_discharge": 8,
    "mrs_discharge": 3,
}
# Onset 07:00, door 08:00, needle 08:30, puncture 09:10, reperfusion 09:50:
# ODT 60, DNT 30, DPT 70, OPT 130 minutes.
EVT_OPTIONAL = {
    "onset_at": at(4, 2, 7, 0),
    "arrival_at": at(4, 2, 8, 0),
    "ivt_at_outside_hospital": False,
    "needle_at": at(4, 2, 8, 30),
    "puncture_at": at(4, 2, 9, 10),
    "reperfusion_at": at(4, 2, 9, 50),
    "occlusion_sites": ["mca_m1"],
    "evt_techniques": ["stent_retriever"],
    "mtici": "2b",
    "sich": "no",
    "discharge_date": datetime.date(YEAR, 4, 15),
    "mrs_90d": 2,
}


def ivt_values(**changes):
    return {**IVT_CORE, **IVT_OPTIONAL, **changes}


def evt_values(**changes):
    return {**EVT_CORE, **EVT_OPTIONAL, **changes}


def ivt_core(**changes):
    """Only the 2018 fields; every optional field blank."""
    return {**IVT_CORE, **changes}


def evt_core(**changes):
    return {**EVT_CORE, **changes}


def make_ivt(report, **fields):
    return ThrombolysisCase.objects.create(report=report, **{**IVT_CORE, **fields})


def make_evt(report, **fields):
    return InterventionCase.objects.create(report=report, **{**EVT_CORE, **fields})


def check(spec, values, *, entry="by_hand", same=(), other=(), data_year=YEAR):
    """The rules of ``spec`` over ``values``: (errors by field, warnings by rule id)."""
    context = spec.context(data_year=data_year, same_attachment=same, other_attachment=other)
    result = validate_case(spec, values, context, entry=entry)
    return result.errors, {w.rule_id: w.message for w in result.warnings}


def check_ivt(values, **kwargs):
    return check(ATTACHMENT3, values, **kwargs)


def check_evt(values, **kwargs):
    return check(ATTACHMENT2, values, **kwargs)
