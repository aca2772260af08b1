"""How a hospital's indicator compares with the counted hospitals of its year, nationally
and in its province (issue 23 items 1 and 4).

The group is the year's counted rows (``ReportIndicators.objects.counted()``, the one rule)
and is read with one query, whatever the number of hospitals, taking only the indicator's
entry out of each row's JSON. Small samples are not shown as numbers: a group of fewer
than ``MIN_HOSPITALS`` hospitals with a usable value, or a hospital value computed from
fewer than ``MIN_CASES`` cases, is ``INSUFFICIENT`` ("样本不足"). A count (例数) is its own
sample and is never suppressed for its size; a 总表 rate's sample is its denominator.

Medians and quartiles of the hospital values use the method of ``quality.compute``
(inclusive). A hospital's ``percentile`` is its mid-rank among the group's values in
ascending order (0–100; the indicator's ``direction`` says whether high is good).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

from .compute import quartiles
from .indicators import COUNT, get_indicator
from .models import ReportIndicators, province_code

MIN_HOSPITALS = 5
MIN_CASES = 5


class Insufficient:
    """The marker shown in place of a number from too small a sample."""

    label = _("样本不足")

    def __str__(self):
        return str(self.label)

    def __repr__(self):
        return "INSUFFICIENT"


INSUFFICIENT = Insufficient()


def hospital_value(code: str, entry: dict | None):
    """A hospital's value of indicator ``code`` from its stored ``entry``: the number,
    ``None`` when nothing could be computed, or ``INSUFFICIENT`` when fewer than
    ``MIN_CASES`` cases went into it."""
    if not entry or entry.get("value") is None:
        return None
    if get_indicator(code).kind != COUNT and (entry.get("n") or 0) < MIN_CASES:
        return INSUFFICIENT
    return entry["value"]


@dataclass(frozen=True)
class Group:
    """The distribution of one indicator over a group of hospitals (``scope``: "" for
    national, else a province code). ``values`` only when the group is large enough."""

    scope: str
    hospitals: int  # hospitals with a usable value
    median: float | Insufficient | None
    q1: float | Insufficient | None = None
    q3: float | Insufficient | None = None
    values: tuple = field(default=(), repr=False)

    @property
    def suppressed(self) -> bool:
        return self.median is INSUFFICIENT

    def percentile(self, value) -> float | Insufficient | None:
        """Mid-rank of ``value`` among the group's values (0–100)."""
        if value is None:
            return None
        if self.suppressed or isinstance(value, Insufficient):
            return INSUFFICIENT
        below = sum(1 for v in self.values if v < value)
        equal = sum(1 for v in self.values if v == value)
        return (below + equal / 2) * 100 / len(self.values)


def _group(scope: str, values: list) -> Group:
    if len(values) < MIN_HOSPITALS:
        return Group(scope, len(values), INSUFFICIENT, INSUFFICIENT, INSUFFICIENT)
    values = sorted(values)
    q1, median, q3 = quartiles(values)
    return Group(scope, len(values), median, q1, q3, tuple(values))


def counted_entries(data_year: int, code: str, *, province: str | None = None):
    """``[(institution_id, province_code, entry)]`` of the year's counted rows (one query;
    only the indicator's entry is read out of each row's JSON)."""
    rows = ReportIndicators.objects.counted().of_year(data_year)
    if province:
        rows = rows.in_province(province)
    return list(
        rows.annotate(entry=KeyTransform(code, "values"))
        .order_by()
        .values_list("institution_id", "province_code", "entry")
    )


def _usable(code: str, entries) -> list:
    values = (hospital_value(code, entry) for entry in entries)
    return [v for v in values if v is not None and not isinstance(v, Insufficient)]


def group(data_year: int, code: str, *, province: str | None = None) -> Group:
    """The counted hospitals' distribution of ``code`` in ``data_year``, nationally or in
    ``province`` (any code of it)."""
    entries = [entry for _i, _p, entry in counted_entries(data_year, code, province=province)]
    return _group(province_code(province) if province else "", _usable(code, entries))


@dataclass(frozen=True)
class Comparison:
    """One hospital's indicator against the nation and its province."""

    code: str
    value: float | Insufficient | None
    provisional: bool  # the hospital's own, not (yet) counted figures
    national: Group
    provincial: Group

    @property
    def national_percentile(self):
        return self.national.percentile(self.value)

    @property
    def provincial_percentile(self):
        return self.provincial.percentile(self.value)


def compare(own: ReportIndicators, code: str) -> Comparison:
    """``own`` (a hospital's row, counted or not) against the counted hospitals of its year:
    nationally and in its province, from one query."""
    entries = counted_entries(own.data_year, code)
    national = _usable(code, [entry for _i, _p, entry in entries])
    provincial = _usable(code, [entry for _i, p, entry in entries if p == own.province_code])
    return Comparison(
        code=code,
        value=hospital_value(code, own.values.get(code)),
        provisional=not own.counted,
        national=_group("", national),
        provincial=_group(own.province_code, provincial),
    )


def trend(institution_id: int, code: str) -> list[tuple[int, object, bool]]:
    """``[(data_year, value, counted)]`` of one institution's live reports, oldest first —
    bound legacy years included (their cases are case rows since 绑定); one query."""
    rows = (
        ReportIndicators.objects.filter(institution_id=institution_id, report__deleted_at=None)
        .annotate(entry=KeyTransform(code, "values"))
        .order_by("data_year")
        .values_list("data_year", "entry", "counted")
    )
    return [(year, hospital_value(code, entry), counted) for year, entry, counted in rows]
