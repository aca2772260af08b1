"""附件3 急性缺血性卒中单纯静脉溶栓病例登记表 (DATA_DICTIONARY §4, Decision 3): the 2018
columns in their order, then the optional clinical fields; the rules."""

from django.utils.translation import gettext_lazy as _

from surveys.editions.base import ERROR, WARNING

from .. import validators as v
from ..models import ThrombolysisCase
from .base import (
    COMMON_RULES,
    DNT_RULES,
    DV_LIST,
    DV_LIST_PROMPT,
    DV_MRS,
    DV_NIHSS,
    NIHSS_IF_ALIVE,
    CaseRule,
    CaseSpec,
    Column,
    time_order_rules,
    year_rules,
)

IVT_TIMES = ("onset_at", "arrival_at", "needle_at", "discharge_date")
POINTS = _("分")

ATTACHMENT3 = CaseSpec(
    kind="thrombolysis",
    attachment=3,
    model=ThrombolysisCase,
    title=_("附件3：急性缺血性卒中单纯静脉溶栓病例登记表"),
    tab_title=_("单纯静脉溶栓个案登记"),
    case_title=_("单纯静脉溶栓个案"),
    sheet_name="Sheet3",
    columns=(
        Column("seq_no", "A", _("序号"), sheet_kind="sequence"),
        Column("report_year", "B", _("年度"), sheet_kind="year", width=11.375,
               dv_error=DV_LIST, dv_prompt=DV_LIST_PROMPT),
        Column("admission_no", "C", _("住院号"), core=True, width=15.625),
        Column("nihss_pre", "D", _("治疗前NIHSS评分"), core=True, width=21.625, unit=POINTS,
               dv_error=DV_NIHSS),
        # 2018 had no range check on E (a gap, §7.10): the NIHSS one is added.
        Column("nihss_discharge", "E", _("出院时NIHSS评分"), core=True, width=22.5,
               unit=POINTS, dv_error=DV_NIHSS, condition=NIHSS_IF_ALIVE),
        Column("mrs_discharge", "F", _("出院时mRS评分"), core=True, unit=POINTS,
               dv_error=DV_MRS),
        Column("thrombolytic_drug", "G", _("溶栓用药（阿替普酶/尿激酶）"), core=True,
               width=21.875, dv_error=DV_LIST, dv_prompt=DV_LIST_PROMPT),
        Column("thrombolytic_drug_other", "H", _("其他溶栓用药(溶栓用药选择其他时填写）"),
               core=True, width=24.125, condition=_("溶栓药选择“其他”时必填，否则留空")),
        # Decision 3: the optional clinical fields, after the 2018 columns.
        Column("onset_at", "I", width=18),
        Column("onset_unknown", "J", width=14),
        Column("arrival_at", "K", width=18),
        Column("needle_at", "L", width=18),
        Column("weight_kg", "M", unit="kg"),
        Column("drug_total_dose", "N", unit=_("mg或万IU"), width=14),
        Column("sich", "O", width=16, dv_error=DV_LIST),
        Column("discharge_date", "P", width=12),
        Column("mrs_90d", "Q", unit=POINTS, width=12, dv_error=DV_MRS),
    ),
    times=IVT_TIMES,
    rules=(
        *COMMON_RULES,
        CaseRule("other_drug_named", ERROR, v.other_drug_named_iff_other,
                 "thrombolytic_drug_other", "§7.2"),
        CaseRule("onset_unknown", ERROR, v.onset_unknown_without_onset_time, "onset_at",
                 "§7.3-15"),
        *time_order_rules(IVT_TIMES),
        *year_rules(IVT_TIMES),
        *DNT_RULES,
        CaseRule("ivt_time_window", WARNING, v.ivt_within_time_window, "needle_at", "§7.3-16"),
    ),
    list_columns=("admission_no", "nihss_pre", "nihss_discharge", "thrombolytic_drug",
                  "thrombolytic_drug_other", "mrs_discharge"),
    filter_fields=("thrombolytic_drug",),
)  # fmt: skip
