"""The hospital's 质控报告 (issue 23 item 2): for a chosen year, each indicator of the
hospital beside its province and the nation, and every year the hospital has as a trend.

Only the hospital's own reports are read (``Report.objects.visible_to``); the comparison
groups are the counted rows of the years (``benchmarks``: the median, quartiles and number
of hospitals, never a hospital's name, and ``样本不足`` below ``MIN_HOSPITALS`` hospitals or
``MIN_CASES`` cases). The page and the .xlsx are drawn from the same ``QualityReport``.

Two queries, whatever the number of hospitals, cases, years and indicators: the hospital's
rows, and the counted rows of its years with only each indicator's ``value`` and ``n`` read
out of the JSON. Groups, percentiles and suppression are ``benchmarks``' own functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

from surveys.models import Report, ReportStatus

from . import charts
from .benchmarks import INSUFFICIENT, Group, Insufficient, _group, _usable, hospital_value
from .indicators import (
    EVT_INDICATORS,
    INDICATORS,
    IVT_INDICATORS,
    NEUTRAL,
    PERCENT,
    SURVEY_INDICATORS,
    Indicator,
)
from .models import PROVISIONAL_LABEL, ReportIndicators

# The parts of the report: (key, title, indicators); one table and one .xlsx sheet each.
SECTIONS = (
    ("ivt", _("静脉溶栓（附件3）"), IVT_INDICATORS),
    ("evt", _("血管内介入治疗（附件2）"), EVT_INDICATORS),
    ("survey", _("总表（附件1）"), SURVEY_INDICATORS),
)
MISSING = "—"


def display(value, unit: str = "") -> str:
    """A value as the page and the .xlsx write it: 样本不足, — (nothing computed), 12.5% (one
    decimal for percentages), 45 分钟 → "45" (the unit is in the column head)."""
    if value is None:
        return MISSING
    if isinstance(value, Insufficient):
        return str(value)
    if unit == PERCENT:
        return f"{value:.1f}"
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def spread(group: Group, unit: str) -> str:
    """中位数（Q1–Q3） of a comparison group, or 样本不足 / — ."""
    if group.hospitals == 0:
        return MISSING
    if group.suppressed:
        return str(INSUFFICIENT)
    return f"{display(group.median, unit)}（{display(group.q1, unit)}–{display(group.q3, unit)}）"


def percentile_text(percentile) -> str:
    if percentile is None:
        return MISSING
    if isinstance(percentile, Insufficient):
        return str(percentile)
    return f"{percentile:.0f}"


@dataclass(frozen=True)
class YearPoint:
    """One year of the hospital's trend of an indicator."""

    year: int
    value: object  # number, INSUFFICIENT or None
    n: int | None
    legacy: bool  # a bound 既往数据 report
    counted: bool  # counts in the benchmarks (else the hospital's unapproved figures)
    national: Group
    unit: str

    @property
    def value_text(self) -> str:
        return display(self.value, self.unit)

    @property
    def national_text(self) -> str:
        """全国中位数（医院数）."""
        if self.national.hospitals == 0:
            return MISSING
        median = display(self.national.median, self.unit)
        return f"{median}（{self.national.hospitals}）"

    @property
    def source_label(self) -> str:
        if self.legacy:
            return str(_("既往数据"))
        return str(_("已审核")) if self.counted else str(_("未审核"))


@dataclass
class Line:
    """One indicator of the chosen year: the hospital's value and n, its province and the
    nation, and the years of its trend."""

    indicator: Indicator
    value: object
    n: int | None
    own_q1: object
    own_q3: object
    provincial: Group
    national: Group
    trend: list[YearPoint] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def value_text(self) -> str:
        text = display(self.value, self.unit)
        if self.own_q1 is not None and not isinstance(self.value, Insufficient | None):
            text += f"（{display(self.own_q1, self.unit)}–{display(self.own_q3, self.unit)}）"
        return text

    @property
    def n_text(self) -> str:
        return MISSING if self.n is None else str(self.n)

    @property
    def provincial_text(self) -> str:
        return spread(self.provincial, self.unit)

    @property
    def national_text(self) -> str:
        return spread(self.national, self.unit)

    @property
    def provincial_percentile(self):
        return self.provincial.percentile(self.value)

    @property
    def national_percentile(self):
        return self.national.percentile(self.value)

    @property
    def provincial_percentile_text(self) -> str:
        return percentile_text(self.provincial_percentile)

    @property
    def national_percentile_text(self) -> str:
        return percentile_text(self.national_percentile)

    @property
    def direction_label(self) -> str:
        return charts.DIRECTIONS.get(self.indicator.direction, "")

    @property
    def target_text(self) -> str:
        target = self.indicator.target
        if target is None:
            return MISSING
        unit = self.unit if self.unit == PERCENT else f" {self.unit}"
        return f"{target.op}{display(target.value, self.unit)}{unit}"

    def distribution_chart(self):
        """The nation's hospitals with 本院 marked (a count has no better side: no chart)."""
        indicator = self.indicator
        if indicator.direction == NEUTRAL:
            return ""
        group = self.national
        values = group.values if not group.suppressed else [None] * group.hospitals
        you = charts.SUPPRESSED if isinstance(self.value, Insufficient) else self.value
        return charts.distribution(
            values,
            you=you,
            label=f"{indicator.name}：全国{group.hospitals}家医院的分布",
            unit=indicator.unit,
            direction=indicator.direction,
            target=indicator.target.value if indicator.target else None,
            chart_id=f"dist-{indicator.code}",
        )

    def trend_chart(self):
        indicator = self.indicator
        insufficient = any(isinstance(point.value, Insufficient) for point in self.trend)
        return charts.trend(
            [(point.year, _number_or_none(point.value)) for point in self.trend],
            label=f"{indicator.name}：本院历年",
            unit=indicator.unit,
            target=indicator.target.value if indicator.target else None,
            legacy=[point.year for point in self.trend if point.legacy],
            comparison=[
                (point.year, _number_or_none(point.national.median)) for point in self.trend
            ],
            comparison_label="全国中位数",
            direction=None if indicator.direction == NEUTRAL else indicator.direction,
            missing_text=str(INSUFFICIENT) if insufficient else charts.NO_DATA,
            chart_id=f"trend-{indicator.code}",
        )


def _number_or_none(value):
    return None if value is None or isinstance(value, Insufficient) else value


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line]


@dataclass
class QualityReport:
    """What the page and the .xlsx show for one hospital and year (``year`` None: the
    hospital has no computed report yet)."""

    institution: object
    year: int | None
    years: list[int]
    row: ReportIndicators | None
    sections: list[Section]

    @property
    def provisional(self) -> bool:
        return self.row is not None and self.row.is_provisional

    @property
    def provisional_label(self):
        return PROVISIONAL_LABEL

    @property
    def legacy(self) -> bool:
        return self.row is not None and self.row.report_status == ReportStatus.LEGACY


class YearNotFound(Exception):
    """The year asked for is not one of the hospital's."""


def own_rows(user) -> list[ReportIndicators]:
    """The computed rows of the live reports ``user`` may see, oldest year first (for a
    hospital user: its institution's; one per year by the one-report-per-year rule)."""
    reports = Report.objects.visible_to(user).alive()
    return list(
        ReportIndicators.objects.filter(report__in=reports)
        .filter(institution_id=user.institution_id)
        .order_by("data_year")
    )


def _value_columns():
    columns = {}
    for index, indicator in enumerate(INDICATORS):
        entry = KeyTransform(indicator.code, "values")
        columns[f"value_{index}"] = KeyTransform("value", entry)
        columns[f"n_{index}"] = KeyTransform("n", entry)
    return columns


def counted_values(years) -> list[tuple[int, str, list[dict]]]:
    """``[(data_year, province_code, [{"value", "n"} per indicator])]`` of the counted rows
    of ``years`` — one query; no institution is read."""
    columns = _value_columns()
    rows = (
        ReportIndicators.objects.counted()
        .filter(data_year__in=list(years))
        .order_by()
        .annotate(**columns)
        .values_list("data_year", "province_code", *columns)
    )
    result = []
    for data_year, province, *values in rows:
        entries = [
            {"value": values[2 * index], "n": values[2 * index + 1]}
            for index in range(len(INDICATORS))
        ]
        result.append((data_year, province, entries))
    return result


def build(user, year=None) -> QualityReport:
    """The 质控报告 of ``user``'s institution for ``year`` (default: its latest). Raises
    ``YearNotFound`` when the institution has no report of that year."""
    rows = own_rows(user)
    years = [row.data_year for row in rows]
    institution = user.institution
    if not rows:
        if year is not None:
            raise YearNotFound(year)
        return QualityReport(institution, None, [], None, [])
    if year is None:
        year = years[-1]
    by_year = {row.data_year: row for row in rows}
    if year not in by_year:
        raise YearNotFound(year)
    row = by_year[year]

    entries_of_year = {y: [] for y in years}
    provincial_entries = []
    for data_year, province, entries in counted_values(years):
        entries_of_year[data_year].append(entries)
        if data_year == year and province == row.province_code:
            provincial_entries.append(entries)
    sections = []
    for key, title, indicators in SECTIONS:
        lines = []
        for indicator in indicators:
            index = INDICATORS.index(indicator)
            code = indicator.code
            national_by_year = {
                y: _group("", _usable(code, [e[index] for e in entries_of_year[y]])) for y in years
            }
            provincial = _group(
                row.province_code, _usable(code, [e[index] for e in provincial_entries])
            )
            entry = row.values.get(code) or {}
            trend = [
                YearPoint(
                    year=r.data_year,
                    value=hospital_value(code, r.values.get(code)),
                    n=(r.values.get(code) or {}).get("n"),
                    legacy=r.report_status == ReportStatus.LEGACY,
                    counted=r.counted,
                    national=national_by_year[r.data_year],
                    unit=indicator.unit,
                )
                for r in rows
            ]
            value = hospital_value(code, entry)
            lines.append(
                Line(
                    indicator=indicator,
                    value=value,
                    n=entry.get("n"),
                    own_q1=entry.get("q1"),
                    own_q3=entry.get("q3"),
                    provincial=provincial,
                    national=national_by_year[year],
                    trend=trend,
                )
            )
        sections.append(Section(key, str(title), lines))
    return QualityReport(institution, year, years, row, sections)
