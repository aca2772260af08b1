"""The 2018 edition of 附件1 总表: the form the old platform collected (data years 2010,
2015, 2017 and 2018), in which the reports bound from legacy data (绑定既往数据) are kept.

Groups A, B and C are exactly the 2018 columns K…AF. They are not typed again: they are
the 2025 edition's items that carry an ``excel_column`` (the 2025 edition is the 2018 form
plus optional items), so a label or range is declared once. The rules are the 2025 rules
that read only 2018 items.
"""

import dataclasses

from django.utils.translation import gettext_lazy as _

from .base import Edition, Group
from .edition_2025 import EDITION as EDITION_2025


def _as_2018(group: Group) -> Group:
    """A 2025 group reduced to its 2018 columns."""
    return dataclasses.replace(
        group, items=tuple(item for item in group.items if item.excel_column)
    )


GROUPS = tuple(_as_2018(EDITION_2025.group(code)) for code in ("A", "B", "C"))
CODES = frozenset(item.code for group in GROUPS for item in group.items)

# 2025 rules over 2018 items only. ``ivt_drugs_within_total`` keeps the 溶栓药 items the 2018
# form had (阿替普酶, 尿激酶); ``ivt_drugs_account_for_total`` is left out: with only two of
# the drugs on the form, their sum may rightly be below 总例数.
RULE_IDS = (
    "discharges_within_neuro_total",
    "ivt_drugs_within_total",
    "evt_modes_not_above_total",
    "evt_modes_account_for_total",
    "reperfusion_within_infarction",
    "ivt_rate_plausible",
    "evt_rate_plausible",
)
RULES = tuple(
    dataclasses.replace(rule, codes=tuple(code for code in rule.codes if code in CODES))
    for rule in (EDITION_2025.rule(rule_id) for rule_id in RULE_IDS)
)

EDITION = Edition(
    id="2018",
    title=_("医疗机构卒中现状调查表（2018年版）"),
    year_label=_("年度（1.1-12.31）"),
    groups=GROUPS,
    rules=RULES,
)
