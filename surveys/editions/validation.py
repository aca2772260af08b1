"""The 总表 rules of DATA_DICTIONARY §7.1 and §7.3 items 1–7, one function per rule.

Every function is pure: it reads a mapping of item code → value (``int``, ``bool`` for the
是/否 items, ``None`` for blank) and returns a Chinese message or ``None``. The online form
runs them through ``validate_values``; the Excel importer and the submission check call the
same functions, so a rule is written once.

A cross-field rule only judges what is filled: a blank item is "not reported", never 0, and
its own required-field error says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .base import ERROR, WARNING, Edition, Item, Values

# Thresholds of §7.3 item 7: proposals (Hubei 2020–21 platform: IVT 10.4 %, EVT 2.0 %).
IVT_RATE_LIMIT = 0.40
EVT_RATE_LIMIT = 0.25


@dataclass(frozen=True)
class Warning:  # shadows the builtin inside this module only; import it by name
    code: str | None
    message: str
    rule_id: str


@dataclass
class Result:
    errors: dict[str | None, list[str]] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """No errors (warnings still need the user's confirmation)."""
        return not self.errors

    def add_error(self, code: str | None, message: str) -> None:
        self.errors.setdefault(code, []).append(message)


def _filled(values: Values, *codes: str) -> bool:
    return all(values.get(code) is not None for code in codes)


def _sum(values: Values, codes) -> int:
    return sum(values.get(code) or 0 for code in codes)


def _names(edition: Edition, codes) -> str:
    """ "血管内介入治疗 单纯取栓例数、桥接例数": a heading shared by all is said once."""
    headings = {edition.heading_of(code) for code in codes}
    if len(headings) == 1 and "" not in headings:
        labels = "、".join(str(edition.item(code).label) for code in codes)
        return f"{headings.pop()} {labels}"
    return "、".join(edition.name_of(code) for code in codes)


def _total_name(edition: Edition, total: str, parts) -> str:
    """The total's name, without the heading when the parts already said it."""
    if {edition.heading_of(code) for code in parts} == {edition.heading_of(total)}:
        return str(edition.item(total).label)
    return edition.name_of(total)


# §7.1 field rules ------------------------------------------------------------------------


def check_required(edition: Edition, item: Item, value) -> str | None:
    """§7.1: a required item may not be blank (blank is not 0)."""
    if value is None and item.required:
        if item.is_integer:
            return _("请填写%(name)s；没有发生请填写 0。") % {"name": edition.name_of(item.code)}
        return _("请选择%(name)s。") % {"name": edition.name_of(item.code)}
    return None


def check_type(edition: Edition, item: Item, value) -> str | None:
    """§7.1: a count is a whole number (no decimals, no text); a 是/否 item is 是 or 否."""
    if value is None:
        return None
    if item.is_integer and (isinstance(value, bool) or not isinstance(value, int)):
        return _("%(name)s：请填写整数（不能有小数或文字）。") % {
            "name": edition.name_of(item.code)
        }
    if not item.is_integer and not isinstance(value, bool):
        return _("%(name)s：请选择“是”或“否”。") % {"name": edition.name_of(item.code)}
    return None


def check_minimum(edition: Edition, item: Item, value) -> str | None:
    """§7.1: counts ≥ 0; 神经科出院患者总例数 ≥ 1 (the 2018 DV messages)."""
    if not item.is_integer or not isinstance(value, int) or value >= item.minimum:
        return None
    name = edition.name_of(item.code)
    if item.minimum > 0:
        if item.minimum == 1:
            return _("%(name)s：请填写大于0的整数！") % {"name": name}
        return _("%(name)s：请填写不小于%(min)s的整数！") % {"name": name, "min": item.minimum}
    return _("%(name)s：请填写≥0的整数！") % {"name": name}


def check_maximum(edition: Edition, item: Item, value) -> str | None:
    """§3.2/§3.3 ranges: e.g. DNT中位数 0–600 分钟, DPT中位数 0–1440 分钟."""
    if item.maximum is None or not isinstance(value, int) or value <= item.maximum:
        return None
    return _("%(name)s不能大于%(max)s%(unit)s，请核对。") % {
        "name": edition.name_of(item.code),
        "max": item.maximum,
        "unit": item.unit,
    }


def check_not_above_total(edition: Edition, item: Item, values: Values) -> str | None:
    """§7.1 / §7.3 items 1, 3 and 5: a sub-count never exceeds its total (``item.le``)."""
    if item.le is None or not _filled(values, item.code, item.le):
        return None
    value, total = values[item.code], values[item.le]
    if not isinstance(value, int) or not isinstance(total, int) or value <= total:
        return None
    heading = edition.heading_of(item.code)
    if heading and heading == edition.heading_of(item.le):
        # "第一诊断脑梗死 死亡例数（120）不能大于出院总例数（100）。"
        total_name = edition.item(item.le).label
    else:
        total_name = edition.name_of(item.le)
    return _("%(name)s（%(value)s）不能大于%(total)s（%(limit)s），请核对后修改。") % {
        "name": edition.name_of(item.code),
        "value": value,
        "total": total_name,
        "limit": total,
    }


FIELD_CHECKS = (check_required, check_type, check_minimum, check_maximum)


# §7.3 cross-field rules inside the 总表 -----------------------------------------------------
# Signature of every rule: (values, edition) -> message | None. The first code of the rule
# in the edition's declaration is the field the message is shown next to.

DISCHARGE_CODES = ("ci_discharges", "tia_discharges", "ich_discharges", "sah_discharges")
IVT_DRUG_CODES = (
    "ivt_alteplase",
    "ivt_urokinase",
    "ivt_tenecteplase",
    "ivt_prourokinase",
    "ivt_other_drug",
)


def discharges_within_neuro_total(values: Values, edition: Edition) -> str | None:
    """§7.3 item 2 (warning): the four 第一诊断 discharges ≤ 神经科出院患者总例数."""
    if not _filled(values, "neuro_discharges_total", *DISCHARGE_CODES):
        return None
    total = _sum(values, DISCHARGE_CODES)
    if total <= values["neuro_discharges_total"]:
        return None
    return _(
        "%(parts)s之和（%(sum)s）大于%(total)s（%(limit)s）。神经外科收治的脑出血、蛛网膜下腔出血"
        "患者可能不计入神经科，如确实如此请确认；否则请核对后修改。"
    ) % {
        "parts": _names(edition, DISCHARGE_CODES),
        "sum": total,
        "total": edition.name_of("neuro_discharges_total"),
        "limit": values["neuro_discharges_total"],
    }


def ivt_drugs_within_total(values: Values, edition: Edition) -> str | None:
    """§7.3 item 3 (error): the 溶栓药 counts together ≤ 单纯静脉溶栓 总例数."""
    if not _filled(values, "ivt_total"):
        return None
    filled = [code for code in IVT_DRUG_CODES if values.get(code) is not None]
    total = _sum(values, filled)
    if not filled or total <= values["ivt_total"]:
        return None
    return _("%(parts)s之和（%(sum)s）不能大于%(total)s（%(limit)s）：一位患者只计一种溶栓药。") % {
        "parts": _names(edition, filled),
        "sum": total,
        "total": _total_name(edition, "ivt_total", filled),
        "limit": values["ivt_total"],
    }


def ivt_drugs_account_for_total(values: Values, edition: Edition) -> str | None:
    """§7.3 item 3 (warning): with every 溶栓药 item filled, they should add up to 总例数."""
    if not _filled(values, "ivt_total", *IVT_DRUG_CODES):
        return None
    total = _sum(values, IVT_DRUG_CODES)
    if total >= values["ivt_total"]:
        return None
    return _(
        "%(parts)s之和（%(sum)s）小于%(total)s（%(limit)s）：每位单纯静脉溶栓患者都应计入一种"
        "溶栓药。请核对；如确有未记录用药的病例，请确认。"
    ) % {
        "parts": _names(edition, IVT_DRUG_CODES),
        "sum": total,
        "total": _total_name(edition, "ivt_total", IVT_DRUG_CODES),
        "limit": values["ivt_total"],
    }


def evt_modes_not_above_total(values: Values, edition: Edition) -> str | None:
    """§7.3 item 4 (error): 单纯取栓例数 + 桥接例数 > 总例数 is impossible."""
    if not _filled(values, "evt_total", "evt_direct", "evt_bridging"):
        return None
    total = values["evt_direct"] + values["evt_bridging"]
    if total <= values["evt_total"]:
        return None
    return _("%(parts)s之和（%(sum)s）不能大于%(total)s（%(limit)s），请核对后修改。") % {
        "parts": _names(edition, ("evt_direct", "evt_bridging")),
        "sum": total,
        "total": _total_name(edition, "evt_total", ("evt_direct", "evt_bridging")),
        "limit": values["evt_total"],
    }


def evt_modes_account_for_total(values: Values, edition: Edition) -> str | None:
    """§7.3 item 4 (warning): 单纯取栓 and 桥接 are exhaustive, so their sum should be 总例数."""
    if not _filled(values, "evt_total", "evt_direct", "evt_bridging"):
        return None
    total = values["evt_direct"] + values["evt_bridging"]
    if total >= values["evt_total"]:
        return None
    return _(
        "%(parts)s之和（%(sum)s）小于%(total)s（%(limit)s）：每例血管内介入治疗应属于单纯取栓或"
        "桥接之一。请核对；如确无误，请确认。"
    ) % {
        "parts": _names(edition, ("evt_direct", "evt_bridging")),
        "sum": total,
        "total": _total_name(edition, "evt_total", ("evt_direct", "evt_bridging")),
        "limit": values["evt_total"],
    }


def reperfusion_within_infarction(values: Values, edition: Edition) -> str | None:
    """§7.3 item 6 (warning): 溶栓 + 介入 cases ≤ 第一诊断脑梗死 出院总例数."""
    if not _filled(values, "ivt_total", "evt_total", "ci_discharges"):
        return None
    total = values["ivt_total"] + values["evt_total"]
    if total <= values["ci_discharges"]:
        return None
    return _(
        "%(parts)s之和（%(sum)s）大于%(ci)s（%(limit)s）：再灌注治疗的患者应计入脑梗死出院患者。"
        "请核对；如确无误，请确认。"
    ) % {
        "parts": _names(edition, ("ivt_total", "evt_total")),
        "sum": total,
        "ci": edition.name_of("ci_discharges"),
        "limit": values["ci_discharges"],
    }


def _rate_warning(values: Values, edition: Edition, code: str, limit: float) -> str | None:
    if not _filled(values, code, "ci_discharges") or values["ci_discharges"] <= 0:
        return None
    rate = values[code] / values["ci_discharges"]
    if rate <= limit:
        return None
    return _(
        "%(name)s（%(value)s）占%(ci)s（%(ci_value)s）的 %(rate).1f%%，高于常见水平 %(limit).0f%%。"
        "请核对；如确无误，请确认。"
    ) % {
        "name": edition.name_of(code),
        "value": values[code],
        "ci": edition.name_of("ci_discharges"),
        "ci_value": values["ci_discharges"],
        "rate": rate * 100,
        "limit": limit * 100,
    }


def ivt_rate_plausible(values: Values, edition: Edition) -> str | None:
    """§7.3 item 7 (warning): 静脉溶栓率 = ivt_total / ci_discharges above 40 %."""
    return _rate_warning(values, edition, "ivt_total", IVT_RATE_LIMIT)


def evt_rate_plausible(values: Values, edition: Edition) -> str | None:
    """§7.3 item 7 (warning): 血管内介入治疗率 = evt_total / ci_discharges above 25 %."""
    return _rate_warning(values, edition, "evt_total", EVT_RATE_LIMIT)


# §3.4 ranges of the proposed 手术 group that involve more than one item.


def _within_aneurysm_procedures(values: Values, edition: Edition, code: str) -> str | None:
    procedures = ("aneurysm_clipping", "aneurysm_coiling")
    if not _filled(values, code, *procedures):
        return None
    total = _sum(values, procedures)
    if values[code] <= total:
        return None
    return _("%(name)s（%(value)s）不能大于%(procedures)s之和（%(sum)s），请核对后修改。") % {
        "name": edition.name_of(code),
        "value": values[code],
        "procedures": "、".join(_total_name(edition, p, (code,)) for p in procedures),
        "sum": total,
    }


def aneurysm_complications_within_procedures(values: Values, edition: Edition) -> str | None:
    """§3.4 (error): 动脉瘤手术并发症例数 ≤ 夹闭术 + 介入栓塞术例数."""
    return _within_aneurysm_procedures(values, edition, "aneurysm_complications")


def aneurysm_deaths_within_procedures(values: Values, edition: Edition) -> str | None:
    """§3.4 (error): 动脉瘤手术住院死亡例数 ≤ 夹闭术 + 介入栓塞术例数."""
    return _within_aneurysm_procedures(values, edition, "aneurysm_deaths")


def ich_surgery_within_ich_discharges(values: Values, edition: Edition) -> str | None:
    """§3.4 (warning): 脑出血手术例数 ≤ 第一诊断脑出血 出院总例数."""
    if not _filled(values, "ich_surgery_total", "ich_discharges"):
        return None
    if values["ich_surgery_total"] <= values["ich_discharges"]:
        return None
    return _("%(name)s（%(value)s）大于%(ich)s（%(limit)s）。请核对；如确无误，请确认。") % {
        "name": edition.name_of("ich_surgery_total"),
        "value": values["ich_surgery_total"],
        "ich": edition.name_of("ich_discharges"),
        "limit": values["ich_discharges"],
    }


# Running an edition's rules ---------------------------------------------------------------


def validate_values(edition: Edition, values: Mapping[str, object]) -> Result:
    """Every field rule of each item, then every cross-field rule of the edition.

    Cross-field rules run only over items that passed their own field rules, so a message
    never compares a number the user still has to correct.
    """
    result = Result()
    for code in sorted(set(values) - set(edition.codes)):
        result.add_error(None, _("“%(code)s”不是本版总表的项目。") % {"code": code})
    for item in edition.items:
        value = values.get(item.code)
        for check in FIELD_CHECKS:
            message = check(edition, item, value)
            if message:
                result.add_error(item.code, message)
                break
    clean = {code: values.get(code) for code in edition.codes if code not in result.errors}
    for item in edition.items:
        message = check_not_above_total(edition, item, clean)
        if message:
            result.add_error(item.code, message)
    clean = {code: value for code, value in clean.items() if code not in result.errors}
    for rule in edition.rules:
        message = rule.check(clean, edition)
        if not message:
            continue
        code = rule.codes[0] if rule.codes else None
        if rule.level == ERROR:
            result.add_error(code, message)
        elif rule.level == WARNING:
            result.warnings.append(Warning(code, message, rule.id))
    return result
