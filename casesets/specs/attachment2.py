"""附件2 急性缺血性卒中早期动脉内介入治疗病例登记表 (DATA_DICTIONARY §5, Decision 3): the
2018 columns in their order, then the optional clinical fields; the rules."""

from django.utils.translation import gettext_lazy as _

from surveys.editions.base import ERROR, WARNING

from .. import validators as v
from ..models import EvtTechnique, InterventionCase, OcclusionSite
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

EVT_TIMES = (
    "onset_at",
    "arrival_at",
    "needle_at",
    "puncture_at",
    "reperfusion_at",
    "discharge_date",
)
POINTS = _("分")

ATTACHMENT2 = CaseSpec(
    kind="intervention",
    attachment=2,
    model=InterventionCase,
    title=_("附件2：急性缺血性卒中早期动脉内介入治疗病例登记表"),
    tab_title=_("血管内介入治疗个案登记"),
    case_title=_("血管内介入治疗个案"),
    sheet_name="Sheet2",
    columns=(
        Column("seq_no", "A", _("序号"), sheet_kind="sequence", width=20.5),
        # 2018 showed only the prompt on B; the list's error message is added.
        Column("report_year", "B", _("年度"), sheet_kind="year", width=11.5,
               dv_error=DV_LIST, dv_prompt=DV_LIST_PROMPT),
        Column("admission_no", "C", _("住院号"), core=True, width=11.875),
        # 2018 had no list on D (a gap, §7.10): the 治疗方式 list is added.
        Column("evt_mode", "D", _("治疗方式"), core=True, width=12.875, dv_error=DV_LIST,
               dv_prompt=DV_LIST_PROMPT),
        Column("nihss_pre", "E", _("治疗前NIHSS评分"), core=True, width=21.375, unit=POINTS,
               dv_error=DV_NIHSS),
        Column("nihss_discharge", "F", _("出院时NIHSS评分"), core=True, width=24.625,
               unit=POINTS, dv_error=DV_NIHSS, condition=NIHSS_IF_ALIVE),
        Column("mrs_discharge", "G", _("出院时mRS评分"), core=True, width=35.5, unit=POINTS,
               dv_error=DV_MRS),
        # Decision 3: the optional clinical fields, after the 2018 columns.
        Column("onset_at", "H", width=18),
        Column("arrival_at", "I", width=18),
        Column("ivt_at_outside_hospital", "J", width=14, dv_error=DV_LIST),
        Column("needle_at", "K", width=20),
        Column("puncture_at", "L", width=18),
        Column("reperfusion_at", "M", width=18),
        Column("occlusion_sites", "N", width=24, choices_from=OcclusionSite),
        Column("evt_techniques", "O", width=24, choices_from=EvtTechnique),
        Column("mtici", "P", width=12, dv_error=DV_LIST),
        Column("sich", "Q", width=16, dv_error=DV_LIST),
        Column("discharge_date", "R", width=12),
        Column("mrs_90d", "S", unit=POINTS, width=12, dv_error=DV_MRS),
    ),
    times=EVT_TIMES,
    rules=(
        *COMMON_RULES,
        CaseRule("direct_mode_without_ivt", ERROR, v.direct_mode_without_ivt, "evt_mode",
                 "§7.3-18"),
        *time_order_rules(EVT_TIMES),
        *year_rules(EVT_TIMES),
        *DNT_RULES,
        CaseRule("dpt_target", WARNING, v.dpt_within_target, "puncture_at", "§7.4"),
        CaseRule("evt_within_24h", WARNING, v.evt_within_24_hours, "puncture_at", "§7.3-17"),
    ),
    list_columns=("admission_no", "evt_mode", "nihss_pre", "nihss_discharge", "mrs_discharge"),
)  # fmt: skip
