"""The case rules of DATA_DICTIONARY §7.2, §7.3 items 13 and 15–18, §7.4 and Decision 6,
one function per rule.

Every function is pure. A field rule reads one column declaration (``casesets.specs.Column``)
and one value; a case rule reads a mapping of field name → value (``int``, ``Decimal``,
``str`` codes, aware ``datetime``, ``date``, ``bool``, lists; ``None`` or ``""`` for blank)
and a ``CaseContext`` (the field labels, the report's data year and the 住院号 already
registered, which the caller looks up). Each returns ``None`` when the rule holds or cannot
be judged (a value it needs is blank) and otherwise a Chinese message that names the field
and says how to fix it.

The online forms run them through ``validate_case`` and the services run them again inside
the report lock; the Excel importer calls the same ``validate_case`` with ``entry=IMPORT``.
Whether a rule is an error or a warning is declared with the rule in ``casesets.specs``.
"""

from __future__ import annotations

from collections.abc import Mapping

from surveys.editions.base import ERROR, WARNING
from surveys.editions.validation import Result, Warning

from .base import (  # noqa: F401 — the kinds and helpers callers use as ``v.NAME``
    BOOLEAN,
    BY_HAND,
    CHOICE,
    CONTROL_CHARACTERS,
    DATE,
    DATETIME,
    DECIMAL,
    IMPORT,
    INTEGER,
    MULTI,
    SEQUENCE,
    TEXT,
    YEAR,
    CaseContext,
    format_value,
    is_blank,
    normalize_admission_no,
)
from .cases import (  # noqa: F401
    admission_no_imported_once,
    admission_no_not_in_other_attachment,
    admission_no_not_yet_entered,
    direct_mode_without_ivt,
    discharge_in_data_year,
    discharge_nihss_unless_died,
    dnt_plausible,
    dnt_within_target,
    dpt_within_target,
    evt_within_24_hours,
    ivt_within_time_window,
    onset_unknown_without_onset_time,
    other_drug_named_iff_other,
    report_year_matches,
    time_not_after_data_year,
    times_in_order,
    times_start_in_data_year,
)
from .fields import (  # noqa: F401
    COLUMN_CHECKS,
    FIELD_CHECKS,
    check_admission_no,
    check_choice,
    check_control_characters,
    check_length,
    check_range,
    check_required,
    check_type,
    checks_for,
)

# The kinds of column whose values repeat from case to case (codes, scores, yes/no, the
# year): ``validate_case`` may remember the field rules' verdict on each such value.
REPEATING_KINDS = frozenset({BOOLEAN, CHOICE, DECIMAL, INTEGER, YEAR})


def field_checks(spec) -> tuple:
    """``((column, is_sheet_only, checks, repeats), …)``: the columns ``validate_case``
    checks, each with the field rules (``FIELD_CHECKS`` then ``COLUMN_CHECKS``, in order)
    that can refuse a value of it, and whether its values repeat (``REPEATING_KINDS``).
    ``spec.field_checks`` keeps it, so it is worked out once per spec."""
    checks = (*FIELD_CHECKS, *COLUMN_CHECKS)
    return tuple(
        (
            column,
            not column.is_model_field,
            checks_for(column, checks),
            column.kind in REPEATING_KINDS and column.name != "admission_no",
        )
        for column in spec.columns
        if column.is_model_field or column.sheet_kind == YEAR
    )


def _field_message(column, value, checks) -> str | None:
    """The message of the first field rule in ``checks`` that refuses ``value``."""
    for check in checks:
        message = check(column, value)
        if message:
            return message
    return None


def validate_case(
    spec,
    values: Mapping,
    context: CaseContext,
    *,
    entry: str = BY_HAND,
    verdicts: dict | None = None,
) -> Result:
    """Every field rule of each column of ``spec`` (``casesets.specs.CaseSpec``), then every
    case rule for ``entry`` (by hand or import), over ``values``.

    Case rules read only the fields that passed their own field rules, so a message never
    compares a value the user still has to correct. The 年度 column is checked when
    ``values`` has it (the importer), never in the online forms.

    ``verdicts``: a dict kept across the cases of one run (the importer, thousands of rows),
    in which the field rules' verdict on a repeating value (a drug, a score) is kept the
    first time it is worked out. The field rules are pure functions of the column and the
    value (its type counts: ``True`` is no score), so the verdict is the same.
    """
    result = Result()
    errors = result.errors
    clean = {}
    for column, sheet_only, checks, repeats in spec.field_checks:
        name = column.name
        if sheet_only and name not in values:
            continue
        value = values.get(name)
        if name == "admission_no" and isinstance(value, str):
            value = normalize_admission_no(value)
        if repeats and verdicts is not None:
            key = (name, type(value), value)
            try:
                message = verdicts[key]
            except KeyError:
                message = verdicts[key] = _field_message(column, value, checks)
            except TypeError:  # an unhashable value (a list typed into a score)
                message = _field_message(column, value, checks)
        else:
            message = _field_message(column, value, checks)
        if message:
            result.add_error(name, message)
        else:
            clean[name] = value
    for rule in spec.rules_for(entry):
        if rule.field in errors:
            continue  # a field that failed its own check is judged by that message only
        message = rule.check(clean, context)
        if not message:
            continue
        if rule.level == ERROR:
            result.add_error(rule.field, message)
        elif rule.level == WARNING:
            result.warnings.append(Warning(rule.field, message, rule.id))
    return result
