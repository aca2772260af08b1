"""Values of a 总表 that passes every rule: tests change one thing and see one rule speak."""

from surveys.editions import CURRENT_EDITION

EDITION = CURRENT_EDITION

REQUIRED_VALUES = {
    "neuro_discharges_total": 1000,
    "ci_discharges": 400,
    "ci_with_htn": 250,
    "ci_deaths": 10,
    "tia_discharges": 100,
    "tia_with_htn": 50,
    "ich_discharges": 150,
    "ich_with_htn": 100,
    "ich_deaths": 15,
    "sah_discharges": 50,
    "sah_with_htn": 20,
    "sah_deaths": 5,
    "ivt_total": 40,
    "ivt_nihss_improved": 20,
    "ivt_mrs_0_2": 25,
    "ivt_alteplase": 30,
    "ivt_urokinase": 10,
    "evt_total": 10,
    "evt_direct": 6,
    "evt_bridging": 4,
    "evt_nihss_improved": 5,
    "evt_mrs_0_2": 4,
}

OPTIONAL_VALUES = {
    "ivt_tenecteplase": 0,
    "ivt_prourokinase": 0,
    "ivt_other_drug": 0,
    "ivt_dnt_median_min": 48,
    "ivt_dnt_le60": 28,
    "ivt_sich": 1,
    "evt_dpt_median_min": 95,
    "evt_mtici_2b3": 8,
    "evt_sich": 1,
    "evt_deaths": 1,
    "beds_total": 1200,
    "beds_neurology": 120,
    "beds_neurosurgery": 80,
    "beds_stroke_unit": 20,
    "beds_nicu": 12,
    "dsa_units": 2,
    "dsa_24h": True,
    "ct_24h": True,
    "cta_available": True,
    "ctp_available": False,
    "mri_available": True,
    "cea_total": 12,
    "cea_complications": 1,
    "cea_deaths": 0,
    "cas_total": 20,
    "cas_complications": 1,
    "cas_deaths": 0,
    "aneurysm_clipping": 15,
    "aneurysm_coiling": 25,
    "aneurysm_complications": 3,
    "aneurysm_deaths": 2,
    "ich_surgery_total": 30,
    "ich_surgery_complications": 4,
    "ich_surgery_deaths": 3,
    "decompressive_craniectomy": 8,
    "dc_deaths": 2,
    "evd_total": 10,
    "evd_deaths": 1,
}


def required_only(**changes):
    """The required items filled consistently, every optional item blank."""
    values = {code: None for code in EDITION.codes}
    values.update(REQUIRED_VALUES)
    values.update(changes)
    return values


def all_filled(**changes):
    values = required_only()
    values.update(OPTIONAL_VALUES)
    values.update(changes)
    return values
