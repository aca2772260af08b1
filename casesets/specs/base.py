"""The shape of a case attachment, as plain data: columns, rules, the attachment.

A ``Column`` places one field in the attachment: Excel column letter, the header as in the
2018 template (``reference/templates-2018``), core (the 2018 columns) or optional (Decision 3),
width and the 2018 data-validation texts. Its label, kind, required flag, value list, range
and help text are read from the model field of the same name, so a field is described in
one place. ``序号`` and ``年度`` are columns of the sheet only (a case belongs to its report,
whose data year it has).

A ``CaseRule`` ties one function of ``casesets.validators`` to its level (error or warning,
as DATA_DICTIONARY marks it), the field it is shown next to and where it is written down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Literal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.editions.base import ERROR, WARNING

from .. import validators as v
from ..models import Case

BY_HAND, IMPORT = v.BY_HAND, v.IMPORT

# Model fields that are no column of an attachment.
BOOKKEEPING = {
    "id",
    "report",
    "confirmed_warnings",
    "created_by",
    "updated_by",
    "deleted_at",
    "deleted_by",
}

# The 2018 data-validation messages (§7.10).
DV_LIST = _("请在下拉选项中选择，不要手动输入！")
DV_LIST_PROMPT = _("请在下拉选项中选择！")
DV_NIHSS = _("请输入0-42范围内的整数！")
DV_MRS = _("请输入0-6范围内的整数！")

NIHSS_IF_ALIVE = _("出院时mRS评分为6（死亡）时可不填")

# The header block of both attachments: labels in A:B of rows 2–4, values merged from C.
HOSPITAL_LABELS = (_("医院全称"), _("医院负责人"), _("负责人联系电话（手机号）"))

_KINDS = (
    (models.JSONField, v.MULTI),
    (models.BooleanField, v.BOOLEAN),
    (models.DateTimeField, v.DATETIME),
    (models.DateField, v.DATE),
    (models.DecimalField, v.DECIMAL),
    (models.IntegerField, v.INTEGER),
    (models.CharField, v.TEXT),
)


@dataclass(frozen=True)
class Column:
    """One column of an attachment. Without ``sheet_kind`` it is a field of the model."""

    name: str
    letter: str
    header: str = ""  # the 2018 header; blank for the optional fields (the label is used)
    core: bool = False
    width: float | None = None
    unit: str = ""
    dv_error: str = ""
    dv_prompt: str = ""
    # When a field is required only sometimes, the condition (for templates and help).
    condition: str = ""
    # The value list of a multiple choice (stored as a JSON list of codes).
    choices_from: type[models.TextChoices] | None = None
    sheet_kind: Literal["sequence", "year"] | None = None
    model: type[Case] | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def is_model_field(self) -> bool:
        return self.sheet_kind is None

    @cached_property
    def model_field(self) -> models.Field:
        return self.model._meta.get_field(self.name)

    # The properties below read only the declaration and the model field, which do not
    # change: cached, as the importer reads them for every cell of thousands of rows.
    @cached_property
    def label(self) -> str:
        if not self.is_model_field:
            return self.header
        return self.model_field.verbose_name

    @property
    def excel_header(self) -> str:
        return self.header or self.label

    @cached_property
    def kind(self) -> str:
        if not self.is_model_field:
            return self.sheet_kind
        model_field = self.model_field
        if model_field.choices:
            return v.CHOICE
        for field_class, kind in _KINDS:
            if isinstance(model_field, field_class):
                return kind
        raise TypeError(f"{self.name}: no column kind for {type(model_field).__name__}")

    @cached_property
    def required(self) -> bool:
        if not self.is_model_field:
            return self.sheet_kind == v.YEAR
        return self.kind != v.BOOLEAN and not self.model_field.blank

    @property
    def choices(self) -> list[tuple[str, str]]:
        if self.choices_from is not None:
            return list(self.choices_from.choices)
        if self.is_model_field and self.model_field.choices:
            return list(self.model_field.choices)
        return []

    @cached_property
    def choice_codes(self) -> frozenset[str]:
        """The codes of ``choices`` (what a coded field may store)."""
        return frozenset(code for code, _label in self.choices)

    def _limit(self, validator_class):
        if not self.is_model_field:
            return None
        for validator in self.model_field.validators:
            if isinstance(validator, validator_class):
                return validator.limit_value
        return None

    @cached_property
    def minimum(self):
        return self._limit(MinValueValidator)

    @cached_property
    def maximum(self):
        return self._limit(MaxValueValidator)

    @cached_property
    def max_length(self) -> int | None:
        return self.model_field.max_length if self.is_model_field else None

    @property
    def help_text(self) -> str:
        return self.model_field.help_text if self.is_model_field else ""


@dataclass(frozen=True)
class CaseRule:
    """A rule over a case: ``check(values, context)`` from ``casesets.validators``.

    ``field`` is where a form shows the message (``None``: above the form). ``entry``
    limits the rule to entry by hand or to the Excel import (Decision 6).
    """

    id: str
    level: Literal["error", "warning"]
    check: Callable
    field: str | None = None
    source: str = ""
    entry: Literal["by_hand", "import"] | None = None


def time_order_rules(times: tuple[str, ...]) -> tuple[CaseRule, ...]:
    """§7.4: one ordering rule for every pair of ``times`` (given in the order they
    happen); a pair is judged only when nothing between them is filled."""
    rules = []
    for i, earlier in enumerate(times):
        for j in range(i + 1, len(times)):
            later = times[j]
            check = partial(
                v.times_in_order, earlier=earlier, later=later, between=times[i + 1 : j]
            )
            rules.append(CaseRule(f"order_{earlier}_{later}", ERROR, check, later, "§7.4"))
    return tuple(rules)


def year_rules(times: tuple[str, ...]) -> tuple[CaseRule, ...]:
    """§7.4: the discharge in the data year, no event after it, and a warning for an
    event before it."""
    moments = tuple(name for name in times if name != "discharge_date")
    return (
        CaseRule("discharge_in_year", ERROR, v.discharge_in_data_year, "discharge_date", "§7.4"),
        *(
            CaseRule(f"after_year_{name}", ERROR,
                     partial(v.time_not_after_data_year, name=name), name, "§7.4")
            for name in moments
        ),
        CaseRule("before_year", WARNING, partial(v.times_start_in_data_year, names=moments),
                 None, "§7.4"),
    )  # fmt: skip


# Rules every attachment has.
COMMON_RULES = (
    CaseRule("report_year", ERROR, v.report_year_matches, "report_year", "§7.2"),
    CaseRule("nihss_discharge_unless_died", ERROR, v.discharge_nihss_unless_died,
             "nihss_discharge", "§7.2"),
    CaseRule("admission_no_in_other_attachment", ERROR, v.admission_no_not_in_other_attachment,
             "admission_no", "§7.3-13"),
    CaseRule("admission_no_duplicate", WARNING, v.admission_no_not_yet_entered, "admission_no",
             "Decision 6", entry=BY_HAND),
    CaseRule("admission_no_imported_once", ERROR, v.admission_no_imported_once, "admission_no",
             "Decision 6", entry=IMPORT),
)  # fmt: skip

DNT_RULES = (
    CaseRule("dnt_target", WARNING, v.dnt_within_target, "needle_at", "§7.4"),
    CaseRule("dnt_plausible", WARNING, v.dnt_plausible, "needle_at", "§7.4"),
)


@dataclass(frozen=True)
class CaseSpec:
    """One attachment: its sheet, its columns in order, its rules."""

    kind: str  # "thrombolysis" / "intervention" (URLs, registry)
    attachment: int  # 3 / 2
    model: type[Case]
    title: str  # the sheet title
    tab_title: str  # the report-detail tab
    case_title: str  # "单纯静脉溶栓个案", as messages name the attachment
    sheet_name: str
    columns: tuple[Column, ...]
    times: tuple[str, ...]  # §7.4 order of the times (and 出院日期)
    rules: tuple[CaseRule, ...]
    list_columns: tuple[str, ...]  # SPEC §3.7 table, before 操作
    filter_fields: tuple[str, ...] = ()  # coded fields the tab filters on (besides 住院号)
    hospital_labels: tuple[str, ...] = HOSPITAL_LABELS
    header_row: int = 5
    first_data_row: int = 6

    def __post_init__(self):
        bound = tuple(dataclasses.replace(c, model=self.model) for c in self.columns)
        object.__setattr__(self, "columns", bound)
        names = [c.name for c in bound]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.kind}: a column is declared twice")
        declared = {c.name for c in bound if c.is_model_field}
        missing = set(self.input_field_names()) - declared
        if missing:
            raise ValueError(f"{self.kind}: model fields without a column: {sorted(missing)}")
        for rule in self.rules:
            if rule.field is not None and rule.field not in names:
                raise ValueError(f"{self.kind}: rule {rule.id} names unknown {rule.field}")

    def input_field_names(self) -> list[str]:
        """The model's fields a user fills in (derived intervals are not editable)."""
        return [
            f.name
            for f in self.model._meta.concrete_fields
            if f.editable and f.name not in BOOKKEEPING
        ]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def input_columns(self) -> tuple[Column, ...]:
        """The model's columns: core first, then the optional ones, in declared order."""
        fields = [c for c in self.columns if c.is_model_field]
        return tuple([c for c in fields if c.core] + [c for c in fields if not c.core])

    @property
    def core_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.input_columns if c.core)

    @property
    def optional_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.input_columns if not c.core)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.input_columns)

    @property
    def intervals(self):
        """The derived intervals (DNT, ODT …) this attachment stores."""
        return self.model.INTERVALS

    @cached_property
    def labels(self) -> dict[str, str]:
        return {c.name: c.label for c in self.columns}

    def rules_for(self, entry: str = BY_HAND) -> tuple[CaseRule, ...]:
        rules = self._rules_by_entry.get(entry)
        if rules is None:
            rules = tuple(r for r in self.rules if r.entry in (None, entry))
        return rules

    @cached_property
    def _rules_by_entry(self) -> dict[str, tuple[CaseRule, ...]]:
        return {
            entry: tuple(r for r in self.rules if r.entry in (None, entry))
            for entry in (BY_HAND, IMPORT)
        }

    @cached_property
    def field_checks(self) -> tuple:
        """Which field rules of ``casesets.validators`` apply to which column, worked
        out once (``validators.field_checks``)."""
        return v.field_checks(self)

    def warning_ids(self, entry: str = BY_HAND) -> list[str]:
        return [r.id for r in self.rules_for(entry) if r.level == WARNING]

    def values_of(self, case) -> dict:
        """A case's input values as the rules read them."""
        return {name: getattr(case, name) for name in self.input_names}

    @property
    def other(self) -> CaseSpec:
        """The other attachment of the report (§7.3 item 13)."""
        from . import OTHER_KIND, SPECS  # the registry imports the attachments

        return SPECS[OTHER_KIND[self.kind]]

    def context(self, *, data_year=None, same_attachment=(), other_attachment=()):
        return v.CaseContext(
            labels=self.labels,
            data_year=data_year,
            attachment_title=str(self.case_title),
            other_title=str(self.other.case_title),
            same_attachment=same_attachment,
            other_attachment=other_attachment,
        )
