"""The 质控 indicators, declared once as data (issue 23 item 1): what each one counts, its
exclusions, unit, direction, target and the published source it follows. ``compute`` reads
these declarations and nothing else, so every number the platform shows comes from here.

Cases are 附件3 单纯静脉溶栓 and 附件2 血管内介入治疗 rows (``casesets.models``); the
总表-derived rates read the 总表 items of the report's own edition and are left out where
the edition has no such items.

Exclusions follow DATA_DICTIONARY §7.3–7.4: an interval is not taken when the case's
times are flagged by the attachment's own rule (``casesets.specs``: ``dnt_plausible`` for
DNT, ``evt_within_24h`` for OPT — the rule itself is called, not copied), nor when it is
negative (the §7.4 ordering rules refuse that on entry; the guard keeps an old row out).
发病时间不明确 takes a case out of the onset-based intervals (ONT). 院内发病 (§4.2, which
would take a case out of DNT) is not recorded by the case models, so no case is excluded
for it.

Completeness: for every indicator ``eligible`` counts the cases it is about and ``filled``
those whose inputs (``inputs``) are filled — shown beside the value, because a median of
5 filled cases out of 300 is not a DNT.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from casesets.models import MRS_MAX, Mtici, Sich, TreatmentMode
from casesets.specs import ATTACHMENT2, ATTACHMENT3, CaseSpec
from casesets.validators import is_blank

# Where an indicator's numbers come from.
THROMBOLYSIS = ATTACHMENT3.kind  # 附件3 cases
INTERVENTION = ATTACHMENT2.kind  # 附件2 cases
SURVEY = "survey"  # 附件1 总表 items

# What kind of number it is.
COUNT = "count"  # cases
MEDIAN = "median"  # median of the cases' values, with Q1 and Q3
PROPORTION = "proportion"  # numerator cases / denominator cases, in %
RATE = "rate"  # 总表 items / a 总表 item, in %

# Which way is better.
LOWER = "lower"
HIGHER = "higher"
NEUTRAL = "neutral"

CASES = "例"
MINUTES = "分钟"
PERCENT = "%"

# Sources (cited beside each indicator below).
SRC_EXPERT_2021 = (
    "国家神经系统疾病医疗质量控制中心、中国卒中学会《急性缺血性卒中再灌注治疗医疗质量评价与改进"
    "专家建议》（中国卒中杂志，2021年第16卷第7期）"
)
SRC_NHC_GOAL_2021 = "国家卫生健康委2021年国家医疗质量安全改进目标“提升急性脑梗死再灌注治疗率”"
SRC_IVT_NORM = (
    "国家卫生健康委脑卒中防治工程委员会《中国急性缺血性脑卒中静脉溶栓指导规范》表1："
    "到院至应用静脉溶栓药物≤60 min"
)
SRC_CSCA = (
    "中国卒中中心联盟（CSCA）医疗质量指标（DNT≤60 min比例）；AHA/ASA Target: Stroke的"
    "≤45 min分级目标"
)
SRC_FORM_2018 = "《医疗机构脑卒中诊疗情况调查表》2018版 附件1 总表（DATA_DICTIONARY §3.2–3.3）"
SRC_DD_OUTCOME = "DATA_DICTIONARY §7.3 第10–11条（出院mRS≤2；NIHSS改善≥4分或出院NIHSS为0）"
SRC_DD_INTERVALS = "DATA_DICTIONARY §7.4（DNT、ONT、DPT、OPT 的定义与核对规则）"
SRC_DD_SICH = "DATA_DICTIONARY §6.9（症状性颅内出血：是/否/未复查）"


Row = Mapping[str, object]


@dataclass(frozen=True)
class Target:
    """A guideline's target: ``value`` with ``op`` "≤" or "≥" (``note`` says what it
    applies to when the guideline sets it per case rather than for the summary)."""

    op: str
    value: float
    note: str = ""

    def met(self, value) -> bool | None:
        if value is None:
            return None
        return value <= self.value if self.op == "≤" else value >= self.value


@dataclass(frozen=True)
class Exclusion:
    """A reason a case with filled inputs is still left out (``applies(row)``)."""

    label: str
    applies: Callable[[Row], bool]
    source: str = ""


@dataclass(frozen=True)
class Indicator:
    """One indicator.

    ``source_kind``: THROMBOLYSIS / INTERVENTION (cases) or SURVEY (总表 items).
    ``kind``: COUNT, MEDIAN (``value_of(row)`` in minutes), PROPORTION (``numerator(row)``
    over the cases in the computation) or RATE (the sum of the 总表 items
    ``survey_numerator`` over ``survey_denominator``).
    ``population(row)``: the cases the indicator is about (None: all the report's cases).
    ``inputs``: the fields whose filling is reported as completeness; ``filled(row)``
    overrides "all inputs filled" where a blank is a valid answer.
    ``reads``: every column the functions read (the compute query selects exactly these).
    """

    code: str
    name: str
    source_kind: str
    kind: str
    unit: str
    direction: str
    source: str
    definition: str
    inputs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    population: Callable[[Row], bool] | None = None
    filled: Callable[[Row], bool] | None = None
    exclusions: tuple[Exclusion, ...] = ()
    value_of: Callable[[Row], float | None] | None = None
    numerator: Callable[[Row], bool] | None = None
    survey_numerator: tuple[str, ...] = ()
    survey_denominator: str = ""
    target: Target | None = None

    def is_filled(self, row: Row) -> bool:
        if self.filled is not None:
            return self.filled(row)
        for name in self.inputs:
            if is_blank(row[name]):
                return False
        return True

    @property
    def selection(self) -> tuple:
        """What decides which cases go into the computation: indicators with the same
        selection take the same cases."""
        return (self.source_kind, self.population, self.filled, self.inputs, self.exclusions)

    @property
    def survey_items(self) -> tuple[str, ...]:
        return (*self.survey_numerator, self.survey_denominator)


# Exclusions ---------------------------------------------------------------------------------


def flagged_by(spec: CaseSpec, rule_id: str, label: str) -> Exclusion:
    """Left out when the attachment's own rule ``rule_id`` (a §7.3/§7.4 warning) flags the
    case: the rule is looked up in the spec and called on the row, as the forms and the
    importer call it."""
    found = {}

    def applies(row: Row) -> bool:
        if not found:  # looked up at first use: the spec's labels need the apps ready
            found["rule"] = next(r for r in spec.rules if r.id == rule_id)
            found["context"] = spec.context()
        return found["rule"].check(row, found["context"]) is not None

    return Exclusion(label, applies, source=f"casesets.specs {spec.kind}: {rule_id}")


def negative(interval: str) -> Exclusion:
    return Exclusion(
        "时间顺序错误（间隔为负）", lambda row: row[interval] < 0, source="DATA_DICTIONARY §7.4"
    )


def minutes(interval: str) -> Callable[[Row], float | None]:
    return lambda row: row[interval]


def onset_known(row: Row) -> bool:
    return not row["onset_unknown"]


def mrs_0_2(row: Row) -> bool:
    return row["mrs_discharge"] <= 2


def died(row: Row) -> bool:
    return row["mrs_discharge"] == MRS_MAX


def mrs90_0_2(row: Row) -> bool:
    return row["mrs_90d"] <= 2


def nihss_improved(row: Row) -> bool:
    """§7.3 item 11: NIHSS down by ≥ 4, or 0 at discharge; a death is not improved."""
    if died(row) or row["nihss_discharge"] is None:
        return False
    return row["nihss_pre"] - row["nihss_discharge"] >= 4 or row["nihss_discharge"] == 0


def nihss_known(row: Row) -> bool:
    # 出院时NIHSS may be blank only for a death (§7.2), which counts as not improved.
    return row["nihss_pre"] is not None and (row["nihss_discharge"] is not None or died(row))


SICH_NOT_REVIEWED = Exclusion(
    "未复查影像（无法判断是否出血）", lambda row: row["sich"] == Sich.NOT_REVIEWED, SRC_DD_SICH
)
SCORES = ("nihss_pre", "nihss_discharge", "mrs_discharge")


# 附件3 单纯静脉溶栓 ---------------------------------------------------------------------------

# The three DNT indicators take the same cases (``compute`` works them out once).
DNT_INPUTS = ("arrival_at", "needle_at")
DNT_READS = (*DNT_INPUTS, "dnt_minutes")
DNT_EXCLUSIONS = (
    flagged_by(ATTACHMENT3, "dnt_plausible", "DNT少于5或超过240分钟"),
    negative("dnt_minutes"),
)

# The outcome indicators both attachments share (their codes carry the attachment's prefix).


def discharge_outcomes(prefix: str, kind: str, *, death_source: str) -> tuple:
    """出院 mRS 0–2 and 院内死亡 of one attachment's cases."""
    return (
        Indicator(
            f"{prefix}_mrs_0_2", "出院mRS 0–2分比例", kind, PROPORTION, PERCENT, HIGHER,
            source=f"{SRC_FORM_2018}（出院mRS≤2分例数）；{SRC_DD_OUTCOME}",
            definition="出院时mRS评分≤2的病例数 / 全部病例数。",
            inputs=("mrs_discharge",), reads=("mrs_discharge",), numerator=mrs_0_2,
        ),
        Indicator(
            f"{prefix}_death", "院内死亡率", kind, PROPORTION, PERCENT, LOWER,
            source=death_source,
            definition="出院时mRS评分为6（死亡）的病例数 / 全部病例数。",
            inputs=("mrs_discharge",), reads=("mrs_discharge",), numerator=died,
        ),
    )  # fmt: skip


def recovery_outcomes(prefix: str, kind: str, *, mrs90_source: str) -> tuple:
    """NIHSS 改善 and 90天 mRS 0–2 of one attachment's cases."""
    return (
        Indicator(
            f"{prefix}_nihss_improved", "NIHSS改善≥4分或出院NIHSS为0的比例", kind, PROPORTION,
            PERCENT, HIGHER,
            source=f"{SRC_FORM_2018}（治疗前后NIHSS评分改善≥4分或功能缺失完全恢复的例数）；"
                   f"{SRC_DD_OUTCOME}",
            definition="治疗前NIHSS−出院时NIHSS≥4或出院时NIHSS为0的病例数 / 全部病例数；"
                       "死亡病例计为未改善。",
            inputs=("nihss_pre", "nihss_discharge"), reads=SCORES, filled=nihss_known,
            numerator=nihss_improved,
        ),
        Indicator(
            f"{prefix}_mrs90_0_2", "90天mRS 0–2分比例", kind, PROPORTION, PERCENT, HIGHER,
            source=mrs90_source,
            definition="90天mRS≤2的病例数 / 填写了90天mRS的病例数。",
            inputs=("mrs_90d",), reads=("mrs_90d",), numerator=mrs90_0_2,
        ),
    )  # fmt: skip


IVT_INDICATORS = (
    Indicator(
        "ivt_cases", "单纯静脉溶栓例数", THROMBOLYSIS, COUNT, CASES, NEUTRAL,
        source=SRC_FORM_2018, definition="本报告附件3的有效病例数（已删除的病例不计）。",
    ),
    Indicator(
        "ivt_dnt_median", "DNT中位数（到院至溶栓）", THROMBOLYSIS, MEDIAN, MINUTES, LOWER,
        source=f"{SRC_EXPERT_2021}；{SRC_IVT_NORM}；{SRC_DD_INTERVALS}",
        definition="溶栓开始时间−到院时间（分钟）的中位数及四分位数间距；"
                   "DNT少于5或超过240分钟（系统提示可能有误）及为负者不计。",
        inputs=DNT_INPUTS, reads=DNT_READS, exclusions=DNT_EXCLUSIONS,
        value_of=minutes("dnt_minutes"),
        target=Target("≤", 60, "指南目标为每例到院至溶栓≤60分钟，此处作中位数的参考线"),
    ),
    Indicator(
        "ivt_dnt_le60", "DNT≤60分钟比例", THROMBOLYSIS, PROPORTION, PERCENT, HIGHER,
        source=f"{SRC_EXPERT_2021}；{SRC_CSCA}；{SRC_IVT_NORM}",
        definition="DNT≤60分钟的病例数 / 有可用DNT的病例数（排除同DNT中位数）。",
        inputs=DNT_INPUTS, reads=DNT_READS, exclusions=DNT_EXCLUSIONS,
        numerator=lambda row: row["dnt_minutes"] <= 60,
    ),
    Indicator(
        "ivt_dnt_le45", "DNT≤45分钟比例", THROMBOLYSIS, PROPORTION, PERCENT, HIGHER,
        source=SRC_CSCA,
        definition="DNT≤45分钟的病例数 / 有可用DNT的病例数（排除同DNT中位数）。",
        inputs=DNT_INPUTS, reads=DNT_READS, exclusions=DNT_EXCLUSIONS,
        numerator=lambda row: row["dnt_minutes"] <= 45,
    ),
    Indicator(
        "ivt_ont_median", "ONT中位数（发病至溶栓）", THROMBOLYSIS, MEDIAN, MINUTES, LOWER,
        source=f"{SRC_EXPERT_2021}；{SRC_DD_INTERVALS}",
        definition="溶栓开始时间−发病时间（分钟）的中位数及四分位数间距；"
                   "发病时间不明确的病例不在其内，间隔为负者不计。",
        inputs=("onset_at", "needle_at"),
        reads=("onset_at", "onset_unknown", "needle_at", "ont_minutes"),
        population=onset_known, exclusions=(negative("ont_minutes"),),
        value_of=minutes("ont_minutes"),
    ),
    Indicator(
        "ivt_sich", "溶栓后症状性颅内出血发生率", THROMBOLYSIS, PROPORTION, PERCENT, LOWER,
        source=f"{SRC_EXPERT_2021}；{SRC_DD_SICH}",
        definition="症状性颅内出血为“是”的病例数 / 填写“是”或“否”的病例数（“未复查”不计）。",
        inputs=("sich",), reads=("sich",), exclusions=(SICH_NOT_REVIEWED,),
        numerator=lambda row: row["sich"] == Sich.YES,
    ),
    *discharge_outcomes(
        "ivt", THROMBOLYSIS,
        death_source=f"{SRC_EXPERT_2021}；DATA_DICTIONARY §6.11（mRS 6 = 死亡）",
    ),
    *recovery_outcomes(
        "ivt", THROMBOLYSIS, mrs90_source=f"{SRC_EXPERT_2021}；DATA_DICTIONARY §4.2（90天mRS）"
    ),
)  # fmt: skip


# 附件2 血管内介入治疗 -------------------------------------------------------------------------

EVT_INDICATORS = (
    Indicator(
        "evt_cases", "血管内介入治疗例数", INTERVENTION, COUNT, CASES, NEUTRAL,
        source=SRC_FORM_2018, definition="本报告附件2的有效病例数（已删除的病例不计）。",
    ),
    Indicator(
        "evt_dpt_median", "DPT中位数（到院至动脉穿刺）", INTERVENTION, MEDIAN, MINUTES, LOWER,
        source=f"{SRC_EXPERT_2021}；{SRC_DD_INTERVALS}",
        definition="动脉穿刺时间−到院时间（分钟）的中位数及四分位数间距；间隔为负者不计。",
        inputs=("arrival_at", "puncture_at"),
        reads=("arrival_at", "puncture_at", "dpt_minutes"),
        exclusions=(negative("dpt_minutes"),), value_of=minutes("dpt_minutes"),
        target=Target("≤", 90, "DATA_DICTIONARY §7.4 每例DPT≤90分钟的目标，此处作中位数的参考线"),
    ),
    Indicator(
        "evt_opt_median", "OPT中位数（发病至动脉穿刺）", INTERVENTION, MEDIAN, MINUTES, LOWER,
        source=f"{SRC_EXPERT_2021}；{SRC_DD_INTERVALS}",
        definition="动脉穿刺时间−发病时间（分钟）的中位数及四分位数间距；超过24小时（系统提示"
                   "核对）及为负者不计。",
        inputs=("onset_at", "puncture_at"), reads=("onset_at", "puncture_at", "opt_minutes"),
        exclusions=(flagged_by(ATTACHMENT2, "evt_within_24h", "发病至穿刺超过24小时"),
                    negative("opt_minutes")),
        value_of=minutes("opt_minutes"),
    ),
    *discharge_outcomes(
        "evt", INTERVENTION,
        death_source=f"{SRC_EXPERT_2021}；2025版总表“住院死亡例数”；DATA_DICTIONARY §6.11",
    ),
    Indicator(
        "evt_bridging", "桥接治疗占比", INTERVENTION, PROPORTION, PERCENT, NEUTRAL,
        source=f"{SRC_FORM_2018}（桥接例数）",
        definition="治疗方式为“桥接”的病例数 / 全部病例数。",
        inputs=("evt_mode",), reads=("evt_mode",),
        numerator=lambda row: row["evt_mode"] == TreatmentMode.BRIDGING,
    ),
    Indicator(
        "evt_mtici_2b3", "再灌注成功率（mTICI≥2b）", INTERVENTION, PROPORTION, PERCENT, HIGHER,
        source=f"{SRC_EXPERT_2021}；DATA_DICTIONARY §6.7",
        definition="mTICI为2b、2c或3的病例数 / 填写了mTICI的病例数。",
        inputs=("mtici",), reads=("mtici",),
        numerator=lambda row: row["mtici"] in (Mtici.GRADE_2B, Mtici.GRADE_2C, Mtici.GRADE_3),
    ),
    Indicator(
        "evt_sich", "术后症状性颅内出血发生率", INTERVENTION, PROPORTION, PERCENT, LOWER,
        source=f"{SRC_EXPERT_2021}；{SRC_DD_SICH}",
        definition="症状性颅内出血为“是”的病例数 / 填写“是”或“否”的病例数（“未复查”不计）。",
        inputs=("sich",), reads=("sich",), exclusions=(SICH_NOT_REVIEWED,),
        numerator=lambda row: row["sich"] == Sich.YES,
    ),
    *recovery_outcomes(
        "evt", INTERVENTION, mrs90_source=f"{SRC_EXPERT_2021}；DATA_DICTIONARY §5.2（90天mRS）"
    ),
)  # fmt: skip


# 附件1 总表 (where the report's edition has the items) -------------------------------------

SURVEY_INDICATORS = (
    Indicator(
        "survey_reperfusion_rate", "急性脑梗死再灌注治疗率（总表）", SURVEY, RATE, PERCENT,
        HIGHER,
        source=f"{SRC_NHC_GOAL_2021}；{SRC_EXPERT_2021}；{SRC_FORM_2018}",
        definition="（单纯静脉溶栓总例数＋血管内介入治疗总例数）/ 第一诊断脑梗死出院总例数。"
                   "两类病例互不重复（DATA_DICTIONARY §7.3 第13条）；分母为全部脑梗死出院患者，"
                   "不限于时间窗内到院者，故低于按适应证人群计算的再灌注率。",
        survey_numerator=("ivt_total", "evt_total"), survey_denominator="ci_discharges",
    ),
    Indicator(
        "survey_ivt_rate", "单纯静脉溶栓占脑梗死出院比例（总表）", SURVEY, RATE, PERCENT,
        HIGHER,
        source=f"{SRC_NHC_GOAL_2021}；{SRC_FORM_2018}",
        definition="单纯静脉溶栓总例数 / 第一诊断脑梗死出院总例数（桥接患者计入血管内介入治疗）。",
        survey_numerator=("ivt_total",), survey_denominator="ci_discharges",
    ),
    Indicator(
        "survey_evt_rate", "血管内介入治疗占脑梗死出院比例（总表）", SURVEY, RATE, PERCENT,
        HIGHER,
        source=f"{SRC_NHC_GOAL_2021}；{SRC_FORM_2018}",
        definition="血管内介入治疗总例数 / 第一诊断脑梗死出院总例数。",
        survey_numerator=("evt_total",), survey_denominator="ci_discharges",
    ),
    Indicator(
        "survey_ci_death_rate", "脑梗死住院死亡率（总表）", SURVEY, RATE, PERCENT, LOWER,
        source=f"{SRC_FORM_2018}（第一诊断脑梗死死亡例数）",
        definition="第一诊断脑梗死死亡例数 / 第一诊断脑梗死出院总例数。",
        survey_numerator=("ci_deaths",), survey_denominator="ci_discharges",
    ),
)  # fmt: skip


INDICATORS: tuple[Indicator, ...] = (*IVT_INDICATORS, *EVT_INDICATORS, *SURVEY_INDICATORS)
BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
if len(BY_CODE) != len(INDICATORS):
    raise ValueError("an indicator code is declared twice")

# The case model each case-based source kind reads.
CASE_SOURCES = {THROMBOLYSIS: ATTACHMENT3.model, INTERVENTION: ATTACHMENT2.model}


def get_indicator(code: str) -> Indicator:
    return BY_CODE[code]


def columns_for(source_kind: str) -> tuple[str, ...]:
    """The case columns the indicators of ``source_kind`` read, each once, in a stable
    order (the compute query selects exactly these)."""
    names: dict[str, None] = {}
    for indicator in INDICATORS:
        if indicator.source_kind == source_kind:
            names.update(dict.fromkeys(indicator.reads))
    return tuple(names)
