"""The 2025 edition of 附件1 总表 (DATA_DICTIONARY Decision 1).

Groups A, B and C are the 2018 form exactly as found (columns K…AF, all required), plus the
optional items Decision 1 adds to B and C; groups D 资源 and F 手术 are the optional
proposals of §3.4. Optional items may stay blank, and blank is not 0.
"""

from django.utils.translation import gettext_lazy as _

from . import validation as v
from .base import ERROR, WARNING, YES_NO, Edition, Group, Item, Rule

A, B, C, D, F = "A", "B", "C", "D", "F"

CI = _("第一诊断脑梗死")
TIA = _("第一诊断短暂性脑缺血发作（TIA）")
ICH = _("第一诊断脑出血")
SAH = _("第一诊断蛛网膜下腔出血")
DISCHARGES = _("出院总例数")
WITH_HTN = _("合并高血压例数")
DEATHS = _("死亡例数")
NIHSS_IMPROVED = _("治疗前后NIHSS评分改善≥4分或功能缺失完全恢复的例数")
MRS_0_2 = _("出院mRS≤2分例数")

GROUP_A = Group(
    code=A,
    title=_("出院患者"),
    items=(
        Item("neuro_discharges_total", _("神经科出院患者总例数"), A, minimum=1,
             excel_column="K", help_text=_("本年度（1.1–12.31）神经科全部出院患者，须大于 0。")),
        Item("ci_discharges", DISCHARGES, A, heading=CI, excel_column="L"),
        Item("ci_with_htn", WITH_HTN, A, heading=CI, excel_column="M", le="ci_discharges"),
        Item("ci_deaths", DEATHS, A, heading=CI, excel_column="N", le="ci_discharges"),
        Item("tia_discharges", DISCHARGES, A, heading=TIA, excel_column="O"),
        Item("tia_with_htn", WITH_HTN, A, heading=TIA, excel_column="P", le="tia_discharges"),
        Item("ich_discharges", DISCHARGES, A, heading=ICH, excel_column="Q"),
        Item("ich_with_htn", WITH_HTN, A, heading=ICH, excel_column="R", le="ich_discharges"),
        Item("ich_deaths", DEATHS, A, heading=ICH, excel_column="S", le="ich_discharges"),
        Item("sah_discharges", DISCHARGES, A, heading=SAH, excel_column="T"),
        Item("sah_with_htn", WITH_HTN, A, heading=SAH, excel_column="U", le="sah_discharges"),
        Item("sah_deaths", DEATHS, A, heading=SAH, excel_column="V", le="sah_discharges"),
    ),
)  # fmt: skip

GROUP_B = Group(
    code=B,
    title=_("急性缺血性卒中单纯静脉溶栓"),
    short_title=_("单纯静脉溶栓"),
    items=(
        Item("ivt_total", _("总例数"), B, excel_column="W",
             help_text=_("只含未再行血管内介入治疗的患者；桥接患者计入血管内介入治疗。")),
        Item("ivt_nihss_improved", NIHSS_IMPROVED, B, excel_column="X", le="ivt_total"),
        Item("ivt_mrs_0_2", MRS_0_2, B, excel_column="Y", le="ivt_total"),
        Item("ivt_alteplase", _("用阿替普酶例数"), B, excel_column="Z", le="ivt_total"),
        Item("ivt_urokinase", _("用尿激酶例数"), B, excel_column="AA", le="ivt_total"),
        Item("ivt_tenecteplase", _("用替奈普酶例数"), B, required=False, le="ivt_total"),
        Item("ivt_prourokinase", _("用重组人尿激酶原例数"), B, required=False, le="ivt_total"),
        Item("ivt_other_drug", _("用其他溶栓药例数"), B, required=False, le="ivt_total"),
        Item("ivt_dnt_median_min", _("DNT中位数"), B, unit=_("分钟"), maximum=600,
             required=False, help_text=_("入院至开始溶栓时间的中位数，0–600 分钟。")),
        Item("ivt_dnt_le60", _("DNT≤60分钟例数"), B, required=False, le="ivt_total"),
        Item("ivt_sich", _("溶栓后症状性颅内出血例数"), B, required=False, le="ivt_total"),
    ),
)  # fmt: skip

GROUP_C = Group(
    code=C,
    title=_("急性缺血性卒中早期血管内介入治疗"),
    short_title=_("血管内介入治疗"),
    items=(
        Item("evt_total", _("总例数"), C, excel_column="AB"),
        Item("evt_direct", _("单纯取栓例数"), C, excel_column="AC", le="evt_total"),
        Item("evt_bridging", _("桥接例数"), C, excel_column="AD", le="evt_total",
             help_text=_("先静脉溶栓、再行血管内介入治疗的患者。")),
        Item("evt_nihss_improved", NIHSS_IMPROVED, C, excel_column="AE", le="evt_total"),
        Item("evt_mrs_0_2", MRS_0_2, C, excel_column="AF", le="evt_total"),
        Item("evt_dpt_median_min", _("DPT（入院至股动脉穿刺）中位数"), C, unit=_("分钟"),
             maximum=1440, required=False, help_text=_("0–1440 分钟。")),
        Item("evt_mtici_2b3", _("再灌注成功（mTICI≥2b）例数"), C, required=False,
             le="evt_total"),
        Item("evt_sich", _("术后症状性颅内出血例数"), C, required=False, le="evt_total"),
        Item("evt_deaths", _("住院死亡例数"), C, required=False, le="evt_total"),
    ),
)  # fmt: skip

BEDS = _("张")
UNITS = _("台")


def _optional(code, label, group, **kwargs):
    return Item(code, label, group, required=False, **kwargs)


def _yes_no(code, label):
    return Item(code, label, D, unit="", required=False, kind=YES_NO)


GROUP_D = Group(
    code=D,
    title=_("资源"),
    optional=True,
    items=(
        _optional("beds_total", _("实际开放床位数"), D, unit=BEDS),
        _optional("beds_neurology", _("神经内科床位数"), D, unit=BEDS, le="beds_total"),
        _optional("beds_neurosurgery", _("神经外科床位数"), D, unit=BEDS, le="beds_total"),
        _optional("beds_stroke_unit", _("卒中单元床位数"), D, unit=BEDS, le="beds_neurology"),
        _optional("beds_nicu", _("神经重症（NICU）床位数"), D, unit=BEDS),
        _optional("dsa_units", _("DSA台数"), D, unit=UNITS),
        _yes_no("dsa_24h", _("DSA是否24h可用")),
        _yes_no("ct_24h", _("CT 24h可用")),
        _yes_no("cta_available", _("可行CTA")),
        _yes_no("ctp_available", _("可行CTP")),
        _yes_no("mri_available", _("可行MRI")),
    ),
)

CEA = _("颈动脉内膜剥脱术（CEA）")
CAS = _("颈动脉支架置入术（CAS）")
ANEURYSM = _("颅内动脉瘤手术")
ICH_SURGERY = _("脑出血手术（开颅血肿清除 / 微创穿刺）")
DC = _("去骨瓣减压术")
EVD = _("脑室外引流")
TOTAL = _("例数")
COMPLICATIONS = _("并发症例数")


def _procedure(code, label, heading, le=None):
    return Item(code, label, F, required=False, heading=heading, le=le)


GROUP_F = Group(
    code=F,
    title=_("手术"),
    optional=True,
    items=(
        _procedure("cea_total", TOTAL, CEA),
        _procedure("cea_complications", COMPLICATIONS, CEA, le="cea_total"),
        _procedure("cea_deaths", DEATHS, CEA, le="cea_total"),
        _procedure("cas_total", TOTAL, CAS),
        _procedure("cas_complications", COMPLICATIONS, CAS, le="cas_total"),
        _procedure("cas_deaths", DEATHS, CAS, le="cas_total"),
        _procedure("aneurysm_clipping", _("颅内动脉瘤夹闭术例数"), ANEURYSM),
        _procedure("aneurysm_coiling", _("颅内动脉瘤介入栓塞术例数"), ANEURYSM),
        _procedure("aneurysm_complications", _("动脉瘤手术并发症例数"), ANEURYSM),
        _procedure("aneurysm_deaths", _("动脉瘤手术住院死亡例数"), ANEURYSM),
        _procedure("ich_surgery_total", TOTAL, ICH_SURGERY),
        _procedure("ich_surgery_complications", COMPLICATIONS, ICH_SURGERY,
                   le="ich_surgery_total"),
        _procedure("ich_surgery_deaths", DEATHS, ICH_SURGERY, le="ich_surgery_total"),
        _procedure("decompressive_craniectomy", TOTAL, DC),
        _procedure("dc_deaths", DEATHS, DC, le="decompressive_craniectomy"),
        _procedure("evd_total", TOTAL, EVD),
        _procedure("evd_deaths", DEATHS, EVD, le="evd_total"),
    ),
)  # fmt: skip

RULES = (
    Rule("discharges_within_neuro_total", WARNING,
         ("neuro_discharges_total", *v.DISCHARGE_CODES), v.discharges_within_neuro_total,
         "§7.3-2"),
    Rule("ivt_drugs_within_total", ERROR, ("ivt_total", *v.IVT_DRUG_CODES),
         v.ivt_drugs_within_total, "§7.3-3"),
    Rule("ivt_drugs_account_for_total", WARNING, ("ivt_total", *v.IVT_DRUG_CODES),
         v.ivt_drugs_account_for_total, "§7.3-3"),
    Rule("evt_modes_not_above_total", ERROR, ("evt_total", "evt_direct", "evt_bridging"),
         v.evt_modes_not_above_total, "§7.3-4"),
    Rule("evt_modes_account_for_total", WARNING, ("evt_total", "evt_direct", "evt_bridging"),
         v.evt_modes_account_for_total, "§7.3-4"),
    Rule("reperfusion_within_infarction", WARNING, ("ci_discharges", "ivt_total", "evt_total"),
         v.reperfusion_within_infarction, "§7.3-6"),
    Rule("ivt_rate_plausible", WARNING, ("ivt_total", "ci_discharges"),
         v.ivt_rate_plausible, "§7.3-7"),
    Rule("evt_rate_plausible", WARNING, ("evt_total", "ci_discharges"),
         v.evt_rate_plausible, "§7.3-7"),
    Rule("aneurysm_complications_within_procedures", ERROR,
         ("aneurysm_complications", "aneurysm_clipping", "aneurysm_coiling"),
         v.aneurysm_complications_within_procedures, "§3.4"),
    Rule("aneurysm_deaths_within_procedures", ERROR,
         ("aneurysm_deaths", "aneurysm_clipping", "aneurysm_coiling"),
         v.aneurysm_deaths_within_procedures, "§3.4"),
    Rule("ich_surgery_within_ich_discharges", WARNING, ("ich_surgery_total", "ich_discharges"),
         v.ich_surgery_within_ich_discharges, "§3.4"),
)  # fmt: skip

EDITION = Edition(
    id="2025",
    title=_("医疗机构脑血管病诊疗情况调查表"),
    year_label=_("年度（1.1-12.31）"),
    groups=(GROUP_A, GROUP_B, GROUP_C, GROUP_D, GROUP_F),
    rules=RULES,
)
