"""The shape of a 总表 edition: items, groups and cross-field rules, as plain data.

An edition is declared once (see ``edition_2025``); the online form, the validation and,
later, the Excel template, the importer and the exports are all built from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

Value = int | bool | None
Values = Mapping[str, Value]

INTEGER = "integer"
YES_NO = "yes_no"

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Item:
    """One 总表 item: a count (or, in the proposed 资源 group, a 是/否 answer).

    ``heading`` is the upper line of the 2018 two-level header (e.g. 第一诊断脑梗死) and
    ``label`` the lower one (e.g. 死亡例数). ``le`` names the item this one must not exceed
    (a 0…X range such as 死亡例数 ≤ 出院总例数).
    """

    code: str
    label: str
    group: str
    unit: str = "例"
    minimum: int = 0
    maximum: int | None = None
    required: bool = True
    help_text: str = ""
    excel_column: str | None = None
    le: str | None = None
    heading: str = ""
    kind: Literal["integer", "yes_no"] = INTEGER

    @property
    def is_integer(self) -> bool:
        return self.kind == INTEGER


@dataclass(frozen=True)
class Group:
    code: str
    title: str
    items: tuple[Item, ...]
    optional: bool = False
    # Names the group's items in messages when they have no heading of their own
    # (e.g. "单纯静脉溶栓 总例数").
    short_title: str = ""


@dataclass(frozen=True)
class Rule:
    """A cross-field rule.

    ``check(values, edition)`` returns ``None`` when the rule holds (or cannot be judged
    because an item it needs is blank) and otherwise a Chinese message naming the fields
    and how to fix them. ``codes`` lists the items concerned; an error is shown next to the
    first of them.
    """

    id: str
    level: Literal["error", "warning"]
    codes: tuple[str, ...]
    check: Callable[[Values, Edition], str | None]
    source: str = ""  # where the rule is written down, e.g. "§7.3-2"


@dataclass(frozen=True)
class Edition:
    id: str
    title: str
    year_label: str
    groups: tuple[Group, ...]
    rules: tuple[Rule, ...] = field(default=())

    def __post_init__(self):
        codes = [item.code for item in self.items]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"Edition {self.id}: items declared twice: {duplicates}")
        known = set(codes)
        for item in self.items:
            if item.le is not None and item.le not in known:
                raise ValueError(f"Edition {self.id}: {item.code}.le names unknown {item.le}")
        for rule in self.rules:
            unknown = set(rule.codes) - known
            if unknown:
                raise ValueError(f"Edition {self.id}: rule {rule.id} names unknown {unknown}")

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.groups for item in group.items)

    @cached_property
    def _items_by_code(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    @property
    def required_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.required)

    @property
    def optional_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if not item.required)

    def item(self, code: str) -> Item:
        return self._items_by_code[code]

    def group(self, code: str) -> Group:
        for group in self.groups:
            if group.code == code:
                return group
        raise KeyError(code)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def display(self, item: Item, value: Value) -> str:
        """A stored value as every page prints it: 是/否 for a yes/no item, the number
        otherwise, '' when blank (each page says blank its own way: 未填, an empty cell)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return str(value)

    def grouped(self, values: Values) -> list[tuple[Group, list[tuple[Item, Value]]]]:
        """The values in the edition's order, by group: ``[(group, [(item, value), ...])]``
        (blank items included, as ``None``)."""
        return [(g, [(item, values.get(item.code)) for item in g.items]) for g in self.groups]

    def heading_of(self, code: str) -> str:
        """The words that place an item: its own heading, or its group's short title."""
        item = self.item(code)
        return item.heading or self.group(item.group).short_title

    @cached_property
    def _names(self) -> dict[tuple[str, str], str]:
        return {}

    def name_of(self, code: str) -> str:
        """The full name of an item as messages show it, e.g. "第一诊断脑梗死 死亡例数";
        worded once per language (the rules' messages name items by the hundred: issue 21)."""
        key = (get_language(), code)
        name = self._names.get(key)
        if name is None:
            heading = self.heading_of(code)
            label = self.item(code).label
            name = self._names[key] = f"{heading} {label}" if heading else str(label)
        return name
