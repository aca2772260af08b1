"""Rules over a whole case: ``(values, context) -> message | None``, one function per
rule — §7.2 across fields, §7.3 item 13 and Decision 6 (住院号 across cases), §7.3 items
15–18 and §7.4 (times)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.utils import timezone
from django.utils.translation import gettext as _

from ..intervals import DNT, DPT, ONT, OPT, interval_minutes
from ..models import ThrombolyticDrug
from .base import CaseContext, format_value, is_blank, normalize_admission_no

# §7.4 soft limits and §7.3 items 16–17 (minutes).
DNT_TARGET = 60
DNT_PLAUSIBLE = (5, 240)
DPT_TARGET = 90
OPT_LIMIT = 24 * 60
# ONT time windows by drug (§7.3 item 16): 4.5 h for 阿替普酶 and 替奈普酶, 6 h for 尿激酶.
IVT_WINDOWS = {"alteplase": 270, "tenecteplase": 270, "urokinase": 360}


# §7.2 rules across fields: (values, context) -> message | None -----------------------------


def report_year_matches(values: Mapping, context: CaseContext) -> str | None:
    """§7.2: a row's 年度 (Excel column B) is the report's data year. Accepts 2025,
    "2025" and "2025年"; the online forms have no 年度 field, so they skip this rule."""
    value = values.get("report_year")
    if is_blank(value) or context.data_year is None:
        return None
    text = str(value).strip().removesuffix("年").removesuffix(".0")
    if text == str(context.data_year):
        return None
    return _("%(label)s应为%(year)s年（本报告的数据年度），请修改。") % {
        "label": context.label("report_year"),
        "year": context.data_year,
    }


def discharge_nihss_unless_died(values: Mapping, context: CaseContext) -> str | None:
    """§7.2: 出院时NIHSS评分 is required, except for a patient who died (mRS = 6)."""
    if not is_blank(values.get("nihss_discharge")):
        return None
    mrs = values.get("mrs_discharge")
    if mrs is None or mrs == 6:
        return None
    return _("请填写%(nihss)s；只有患者死亡（%(mrs)s为6）时可以不填。") % {
        "nihss": context.label("nihss_discharge"),
        "mrs": context.label("mrs_discharge"),
    }


def other_drug_named_iff_other(values: Mapping, context: CaseContext) -> str | None:
    """§7.2 / Decision 4: 其他溶栓药 is required when 溶栓药 is 其他, and empty otherwise."""
    drug = values.get("thrombolytic_drug")
    other = (values.get("thrombolytic_drug_other") or "").strip()
    if is_blank(drug):
        return None
    names = {
        "drug": context.label("thrombolytic_drug"),
        "other": context.label("thrombolytic_drug_other"),
    }
    if drug == "other" and not other:
        return _("%(drug)s选择了“其他”，请在%(other)s中填写药名。") % names
    if drug != "other" and other:
        return _("%(drug)s不是“其他”时%(other)s应留空：请清空，或将%(drug)s改为“其他”。") % names
    return None


# §7.3 item 13 and Decision 6: 住院号 across cases ------------------------------------------


def admission_no_not_in_other_attachment(values: Mapping, context: CaseContext) -> str | None:
    """§7.3 item 13 (error): one 住院号 is not both an 附件2 and an 附件3 case of a report —
    单纯静脉溶栓 excludes bridging patients."""
    number = normalize_admission_no(values.get("admission_no"))
    if not number or number not in context.other_attachment:
        return None
    return _(
        "住院号“%(no)s”已登记在本报告的%(other)s中。同一患者不能同时是单纯静脉溶栓和血管内介入"
        "治疗病例：桥接患者只登记为血管内介入治疗个案。请核对住院号，或先删除另一处的登记。"
    ) % {"no": number, "other": context.other_title}


def admission_no_not_yet_entered(values: Mapping, context: CaseContext) -> str | None:
    """Decision 6 (warning, entry by hand): the report already has a case with this 住院号
    in this attachment. A duplicate may be entered after the user confirms it."""
    number = normalize_admission_no(values.get("admission_no"))
    if not number or number not in context.same_attachment:
        return None
    return _(
        "住院号“%(no)s”在本报告的%(title)s中已登记过。同一次住院只登记一次；如确为需要重复登记"
        "的病例（重复的可人工录入），请勾选确认后保存，否则请修改住院号。"
    ) % {"no": number, "title": context.attachment_title}


def admission_no_imported_once(values: Mapping, context: CaseContext) -> str | None:
    """Decision 6 (error, Excel import): a 住院号 already in the report, or earlier in the
    file, is refused."""
    number = normalize_admission_no(values.get("admission_no"))
    if not number or number not in context.same_attachment:
        return None
    return _(
        "住院号“%(no)s”已在本报告的%(title)s中或本文件的前面出现：同一个住院号只允许导入一次。"
        "如确需重复登记，请在网页上人工录入。"
    ) % {"no": number, "title": context.attachment_title}


# §7.3 items 15–18: case-level logic of the optional fields -------------------------------


def onset_unknown_without_onset_time(values: Mapping, context: CaseContext) -> str | None:
    """§7.3 item 15 (error): 发病时间不明确 and a 发病时间 contradict each other."""
    if values.get("onset_unknown") is not True or is_blank(values.get("onset_at")):
        return None
    return _("已勾选“%(unknown)s”，%(onset)s应留空：请清空发病时间，或取消勾选。") % {
        "unknown": context.label("onset_unknown"),
        "onset": context.label("onset_at"),
    }


def ivt_within_time_window(values: Mapping, context: CaseContext) -> str | None:
    """§7.3 item 16 (warning): ONT above 4.5 h (阿替普酶, 替奈普酶) or 6 h (尿激酶)."""
    limit = IVT_WINDOWS.get(values.get("thrombolytic_drug"))
    minutes = interval_minutes(ONT, values)
    if limit is None or minutes is None or minutes <= limit:
        return None
    return _(
        "发病至溶栓时间（ONT）为%(minutes)s分钟，超过%(drug)s常规时间窗（%(hours)s小时），属超时间窗"
        "溶栓。请核对%(onset)s和%(needle)s；如确无误（如经影像筛选的超时间窗溶栓），请确认。"
    ) % {
        "minutes": minutes,
        "drug": _drug_label(values.get("thrombolytic_drug")),
        "hours": f"{limit / 60:g}",
        "onset": context.label("onset_at"),
        "needle": context.label("needle_at"),
    }


def _drug_label(code) -> str:
    return str(ThrombolyticDrug(code).label)


def evt_within_24_hours(values: Mapping, context: CaseContext) -> str | None:
    """§7.3 item 17 (warning): OPT (发病至动脉穿刺) above 24 h."""
    minutes = interval_minutes(OPT, values)
    if minutes is None or minutes <= OPT_LIMIT:
        return None
    return _(
        "发病至动脉穿刺时间（OPT）为%(minutes)s分钟，超过24小时。请核对%(onset)s和%(puncture)s；"
        "如确无误，请确认。"
    ) % {
        "minutes": minutes,
        "onset": context.label("onset_at"),
        "puncture": context.label("puncture_at"),
    }


def direct_mode_without_ivt(values: Mapping, context: CaseContext) -> str | None:
    """§7.3 item 18: 单纯取栓 means no IV thrombolysis, so it cannot have a 本院静脉溶栓开始时间
    or 外院已静脉溶栓 = 是 (those patients are 桥接)."""
    if values.get("evt_mode") != "direct":
        return None
    if is_blank(values.get("needle_at")) and values.get("ivt_at_outside_hospital") is not True:
        return None
    return _(
        "%(mode)s为“单纯取栓”，但填写了%(needle)s或%(outside)s为“是”：静脉溶栓后再行介入治疗的"
        "患者属于“桥接”。请将%(mode)s改为“桥接”，或清空静脉溶栓的信息。"
    ) % {
        "mode": context.label("evt_mode"),
        "needle": context.label("needle_at"),
        "outside": context.label("ivt_at_outside_hospital"),
    }


# §7.4 time ordering (errors) -------------------------------------------------------------


def _comparable(value, context: CaseContext):
    """Times as local dates-and-times; a date (出院日期) as the end of that day."""
    if isinstance(value, datetime.datetime):
        return context.localtime(value) if timezone.is_aware(value) else value
    return datetime.datetime.combine(value, datetime.time.max)


def _local_date(value, context: CaseContext) -> datetime.date:
    """``_comparable(value).date()`` without the time zone look-up for a date or a naive
    time (the end of a day is on that day)."""
    if isinstance(value, datetime.datetime):
        return (context.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def times_in_order(
    values: Mapping, context: CaseContext, *, earlier: str, later: str, between=()
) -> str | None:
    """§7.4 (error): ``earlier`` does not come after ``later``.

    The specs declare each attachment's times in the order they happen (发病 → 到院 → 溶栓
    → 穿刺 → 再灌注 → 出院) and one such rule for every pair; a pair is judged only when
    no time ``between`` them is filled, so one wrong time gives one message.
    """
    first, second = values.get(earlier), values.get(later)
    if is_blank(first) or is_blank(second):
        return None
    for name in between:
        if not is_blank(values.get(name)):
            return None
    if isinstance(first, datetime.datetime) and isinstance(second, datetime.datetime):
        in_order = first <= second
    else:
        in_order = _local_date(first, context) <= _local_date(second, context)
    if in_order:
        return None
    return _(
        "%(later)s（%(second)s）早于%(earlier)s（%(first)s），时间顺序不对，请核对后修改。"
    ) % {
        "later": context.label(later),
        "second": format_value(second),
        "earlier": context.label(earlier),
        "first": format_value(first),
    }


def discharge_in_data_year(values: Mapping, context: CaseContext) -> str | None:
    """§7.4 (error): the 出院日期 places the case in its year, so it lies in the report's
    data year."""
    day = values.get("discharge_date")
    if is_blank(day) or context.data_year is None or day.year == context.data_year:
        return None
    return _(
        "%(label)s（%(day)s）不在本报告的数据年度（%(year)s年1月1日至12月31日）内：本年度报告只登记"
        "本年度出院的病例。请核对出院日期。"
    ) % {
        "label": context.label("discharge_date"),
        "day": format_value(day),
        "year": context.data_year,
    }


def time_not_after_data_year(values: Mapping, context: CaseContext, *, name: str) -> str | None:
    """§7.4 (error): no event of a case of year Y happens after 31 December of Y (the
    patient was discharged by then)."""
    value = values.get(name)
    if is_blank(value) or context.data_year is None:
        return None
    if _comparable(value, context).year <= context.data_year:
        return None
    return _(
        "%(label)s（%(value)s）晚于本报告数据年度（%(year)s年）的年末：本年度的病例应在%(year)s年"
        "12月31日前出院。请核对。"
    ) % {"label": context.label(name), "value": format_value(value), "year": context.data_year}


def times_start_in_data_year(values: Mapping, context: CaseContext, *, names=()) -> str | None:
    """§7.4 (warning): the earliest filled time lies before the data year — possible for a
    patient admitted in late December of the year before, more often a typing error."""
    if context.data_year is None:
        return None
    filled = [n for n in names if not is_blank(values.get(n))]
    if not filled:
        return None
    name = filled[0]
    if _comparable(values[name], context).year >= context.data_year:
        return None
    return _(
        "%(label)s（%(value)s）早于本报告的数据年度（%(year)s年）。如患者确为上一年入院、本年度"
        "出院，请确认；否则请修改。"
    ) % {
        "label": context.label(name),
        "value": format_value(values[name]),
        "year": context.data_year,
    }


# §7.4 warnings -----------------------------------------------------------------------------


def dnt_within_target(values: Mapping, context: CaseContext) -> str | None:
    """§7.4 (warning): DNT above the 60-minute quality target (up to the implausible 240)."""
    minutes = interval_minutes(DNT, values)
    if minutes is None or not DNT_TARGET < minutes <= DNT_PLAUSIBLE[1]:
        return None
    return _(
        "到院至溶栓时间（DNT）为%(minutes)s分钟，超过60分钟的质控目标。请核对%(arrival)s和"
        "%(needle)s；如确无误，请确认。"
    ) % {
        "minutes": minutes,
        "arrival": context.label("arrival_at"),
        "needle": context.label("needle_at"),
    }


def dnt_plausible(values: Mapping, context: CaseContext) -> str | None:
    """§7.4 (warning): DNT under 5 or over 240 minutes is most likely a typing error."""
    minutes = interval_minutes(DNT, values)
    low, high = DNT_PLAUSIBLE
    if minutes is None or minutes < 0 or low <= minutes <= high:
        return None
    return _(
        "到院至溶栓时间（DNT）为%(minutes)s分钟（少于5分钟或超过240分钟），可能填写有误。请核对"
        "%(arrival)s和%(needle)s；如确无误，请确认。"
    ) % {
        "minutes": minutes,
        "arrival": context.label("arrival_at"),
        "needle": context.label("needle_at"),
    }


def dpt_within_target(values: Mapping, context: CaseContext) -> str | None:
    """§7.4 (warning): DPT above the 90-minute target."""
    minutes = interval_minutes(DPT, values)
    if minutes is None or minutes <= DPT_TARGET:
        return None
    return _(
        "到院至动脉穿刺时间（DPT）为%(minutes)s分钟，超过90分钟的目标。请核对%(arrival)s和"
        "%(puncture)s；如确无误，请确认。"
    ) % {
        "minutes": minutes,
        "arrival": context.label("arrival_at"),
        "puncture": context.label("puncture_at"),
    }
