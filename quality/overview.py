"""数据概览: the auditors' table of a data year by region (issue 23 item 3).

A page is one region (the node: 全国, a province, a prefecture-level city) and its rows are
the node's children — provinces, cities, or hospitals. Each row: institutions registered,
with a live report of the year, 已提交 (awaiting review, 省级审核通过 included), 已审核,
已退回, late, 溶栓 and 介入 cases, and for one chosen indicator the median of the counted
hospitals' values (``benchmarks``: fewer than ``MIN_HOSPITALS`` is 样本不足; on a hospital
row, the hospital's own value) with the completeness of its inputs.

The 审核范围 decides everything: the rows are read through ``registry.scope.scope_q`` (and
reports through ``Report.objects.visible_to``), and a node outside the auditor's scope is
``OutOfScope`` (the admin answers 404). A province auditor's first page is their province.

Queries are a fixed number whatever the number of hospitals and cases: the year's window,
one GROUP BY on institutions (registered, late), one on reports (the states), one read of
the ReportIndicators rows (one row per hospital, only three entries of its JSON), the
regions' names and the years on offer. Medians are taken in Python over that one read
(at most a few thousand values), the same way as the hospitals' benchmarks, so SQLite in
development and PostgreSQL give the same numbers.

"Late": an active institution whose deadline (the year's 截止日期, or its 延期 if later) has
passed and that has no report submitted (已提交, 省级审核通过, 已审核 or 既往数据) — a draft, a
returned report or none at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from institutions.models import HospitalGrade, Institution, InstitutionStatus, Region
from registry.scope import region_prefix, scope_q
from surveys import reports
from surveys.models import IN_REVIEW_STATUSES, Report, ReportStatus, WindowExtension

from .benchmarks import Insufficient, _group, _usable, hospital_value
from .indicators import BY_CODE, get_indicator
from .models import ReportIndicators

DEFAULT_INDICATOR = "ivt_dnt_median"
PROVINCES, CITIES, HOSPITALS = "province", "city", "hospital"
LEVEL_NAMES = {PROVINCES: _("省份"), CITIES: _("地市"), HOSPITALS: _("医疗机构")}
SUBMITTED = (*IN_REVIEW_STATUSES, ReportStatus.APPROVED, ReportStatus.LEGACY)

# The columns a page may be sorted by (``?o=name`` ascending, ``?o=-name`` descending):
# key → the header.
COLUMNS = {
    "name": _("名称"),
    "registered": _("注册机构"),
    "reports": _("有报告"),
    "submitted": _("已提交"),
    "approved": _("已审核"),
    "returned": _("已退回"),
    "late": _("逾期未提交"),
    "ivt_cases": _("溶栓例数"),
    "evt_cases": _("介入例数"),
    "hospitals": _("计入医院数"),
    "median": _("中位数"),
    "completeness": _("录入完整率"),
}


class OutOfScope(Exception):
    """The region asked for is not a region code, or lies outside the auditor's scope."""


def prefix_of(code: str) -> str:
    """The code prefix of a region node: 110000 → "11", 440100 → "4401", 440106 →
    "440106", "" (全国) → ""."""
    if not code:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _node_code(prefix: str) -> str:
    return prefix.ljust(6, "0") if prefix else ""


@dataclass(frozen=True)
class Filters:
    """What the page shows: the year, the node (a region code, "" for 全国), the hospitals
    (医院等级, 高级卒中中心: "1" yes, "0" no, "" all), the indicator and the order."""

    year: int
    region: str = ""
    grade: str = ""
    advanced: str = ""
    indicator: str = DEFAULT_INDICATOR
    order: str = ""

    def query(self, **changes) -> dict:
        """The query string's parameters of these filters (with ``changes``), without empty
        values."""
        values = {
            "year": self.year,
            "region": self.region,
            "grade": self.grade,
            "advanced": self.advanced,
            "indicator": self.indicator,
            "o": self.order,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


def node_for(user, code: str) -> str:
    """The node an auditor may open: ``code``, or their scope's own node when it is empty;
    ``OutOfScope`` for a node outside the scope (or not a region code)."""
    scope = region_prefix(user)
    if scope is None:
        raise OutOfScope
    if not code:
        return _node_code(scope)
    if len(code) != 6 or not code.isdigit() or not prefix_of(code).startswith(scope):
        raise OutOfScope
    return code


@dataclass
class Row:
    key: str  # a province or city code, or an institution's id
    name: str
    drill: str | None = None  # the region code one level down, for a region row
    report_id: int | None = None  # for a hospital row with a report
    grade: str = ""
    advanced: bool = False
    registered: int = 0
    reports: int = 0
    draft: int = 0
    submitted: int = 0
    approved: int = 0
    returned: int = 0
    late: int = 0
    ivt_cases: int = 0
    evt_cases: int = 0
    hospitals: int = 0  # counted hospitals with a usable value of the indicator
    median: float | Insufficient | None = None
    counted: bool = False  # a hospital row: its report counts in the benchmarks
    cases: int | None = None  # a hospital row: the cases behind its value
    filled: int = 0
    eligible: int = 0
    values: list = field(default_factory=list, repr=False)

    @property
    def completeness(self) -> float | None:
        return self.filled * 100 / self.eligible if self.eligible else None


@dataclass
class Overview:
    filters: Filters
    level: str  # what the rows are: PROVINCES, CITIES or HOSPITALS
    trail: list  # [(code, name)] from the scope's node down to this node
    rows: list
    total: Row
    years: list
    late_possible: bool  # the deadline has passed (otherwise nobody is late yet)

    @property
    def indicator(self):
        return get_indicator(self.filters.indicator)

    @property
    def level_name(self):
        return LEVEL_NAMES[self.level]


def _level(prefix: str) -> str:
    return {0: PROVINCES, 2: CITIES}.get(len(prefix), HOSPITALS)


def _institution_filters(filters: Filters, prefix: str, path: str = "") -> Q:
    q = Q()
    if prefix:
        q &= Q(**{f"{path}region__code__startswith": prefix})
    if filters.grade:
        q &= Q(**{f"{path}grade": filters.grade})
    if filters.advanced:
        q &= Q(**{f"{path}is_advanced_stroke_center": filters.advanced == "1"})
    return q


def _key(level: str, path: str = ""):
    if level == HOSPITALS:
        return F(f"{path}id" if not path else f"{path[:-2]}_id")
    return Left(f"{path}region_id", 2 if level == PROVINCES else 4)


def _late_count(filters: Filters, past_deadline: bool):
    """Count of the group's active institutions with no submitted report after their
    deadline (a 延期 that has not run out keeps an institution from being late)."""
    if not past_deadline:
        return Value(0)
    submitted = Report.objects.filter(
        institution=OuterRef("pk"),
        data_year=filters.year,
        deleted_at=None,
        status__in=SUBMITTED,
    )
    extended = WindowExtension.objects.filter(
        institution=OuterRef("pk"), data_year=filters.year, until__gte=reports.today()
    )
    return Count(
        "id",
        filter=Q(status=InstitutionStatus.ACTIVE) & ~Exists(submitted) & ~Exists(extended),
    )


def _status_counts():
    def count(*statuses):
        return Count("id", filter=Q(status__in=statuses))

    return {
        "reports": Count("id"),
        "draft": count(ReportStatus.DRAFT),
        "submitted": count(*IN_REVIEW_STATUSES),
        "approved": count(ReportStatus.APPROVED),
        "returned": count(ReportStatus.RETURNED),
    }


# The prefecture-level codes of a 直辖市, which the 行政区划 table may not hold as nodes
# (北京市's districts hang from 110000, yet their codes are 1101xx).
MUNICIPAL_PARTS = {"01": "市辖区", "02": "县"}


def _names(codes) -> dict[str, str]:
    """Region names by code, in one query; a city code the table lacks is named after its
    province (北京市市辖区), else shown as the code."""
    codes = set(codes)
    wanted = codes | {code[:2] + "0000" for code in codes}
    names = {}
    for code, name, full_name in Region.objects.filter(code__in=wanted).values_list(
        "code", "name", "full_name"
    ):
        names[code] = full_name if name in MUNICIPAL_PARTS.values() else name
    for code in codes - names.keys():
        province = names.get(code[:2] + "0000")
        part = MUNICIPAL_PARTS.get(code[2:4]) if code.endswith("00") else None
        names[code] = f"{province}{part}" if province and part else code
    return names


def _sort_value(row: Row, column: str):
    value = row.completeness if column == "completeness" else getattr(row, column)
    if isinstance(value, Insufficient) or value is None:
        return None
    return value


def sort_rows(rows: list, order: str) -> list:
    """``rows`` in the order ``order`` asks for (a key of ``COLUMNS``, "-" for descending);
    rows without a number (样本不足, none) last either way. An unknown column keeps the
    code order."""
    column = order.removeprefix("-")
    if column not in COLUMNS:
        return rows
    descending = order.startswith("-")
    known = [row for row in rows if _sort_value(row, column) is not None]
    unknown = [row for row in rows if _sort_value(row, column) is None]
    known.sort(key=lambda row: _sort_value(row, column), reverse=descending)
    return known + unknown


def build(user, filters: Filters) -> Overview:
    """The 数据概览 page of ``filters`` for ``user`` (``OutOfScope`` for a node outside
    their 审核范围)."""
    node = node_for(user, filters.region)
    prefix = prefix_of(node)
    level = _level(prefix)
    code = filters.indicator if filters.indicator in BY_CODE else DEFAULT_INDICATOR
    filters = replace(filters, region=node, indicator=code)
    _opens, closes = reports.window_for(filters.year)
    past_deadline = reports.today() > closes

    institutions = Institution.objects.filter(
        scope_q(user, "region"), _institution_filters(filters, prefix)
    ).order_by()
    if level == HOSPITALS:
        grouped = institutions.annotate(
            key=F("id"), late=_late_count(filters, past_deadline)
        ).values("key", "name", "grade", "is_advanced_stroke_center", "late")
    else:
        grouped = (
            institutions.annotate(key=_key(level))
            .values("key")
            .annotate(registered=Count("id"), late=_late_count(filters, past_deadline))
        )
    rows: dict[str, Row] = {}
    for item in grouped:
        key = str(item["key"])
        row = rows[key] = Row(key=key, name="", late=item["late"])
        if level == HOSPITALS:
            row.name, row.registered = item["name"], 1
            row.grade, row.advanced = item["grade"], item["is_advanced_stroke_center"]
        else:
            row.registered = item["registered"]
            row.drill = key.ljust(6, "0")

    report_rows = (
        Report.objects.visible_to(user)
        .filter(
            _institution_filters(filters, prefix, "institution__"),
            data_year=filters.year,
            deleted_at=None,
        )
        .order_by()
        .annotate(key=_key(level, "institution__"))
        .values("key")
        .annotate(report_id=Max("id"), **_status_counts())
    )
    for item in report_rows:
        row = rows.get(str(item["key"]))
        if row is None:  # cannot happen: the same institutions
            continue
        for name in ("reports", "draft", "submitted", "approved", "returned"):
            setattr(row, name, item[name])
        row.report_id = item["report_id"] if level == HOSPITALS else None

    entries = (
        ReportIndicators.objects.filter(
            scope_q(user, "institution__region"),
            _institution_filters(filters, prefix, "institution__"),
            data_year=filters.year,
            report__deleted_at=None,
        )
        .order_by()
        .annotate(
            key=_key(level, "institution__"),
            entry=KeyTransform(code, "values"),
            ivt=KeyTransform("ivt_cases", "values"),
            evt=KeyTransform("evt_cases", "values"),
        )
        .values_list("key", "counted", "entry", "ivt", "evt")
    )
    counted_entries = defaultdict(list)
    own_values = {}
    for key, counted, entry, ivt, evt in entries:
        row = rows.get(str(key))
        if row is None:
            continue
        row.ivt_cases += (ivt or {}).get("value") or 0
        row.evt_cases += (evt or {}).get("value") or 0
        row.filled += (entry or {}).get("filled") or 0
        row.eligible += (entry or {}).get("eligible") or 0
        if counted:
            counted_entries[row.key].append(entry)
        if level == HOSPITALS:
            row.counted, row.cases = counted, (entry or {}).get("n")
            own_values[row.key] = hospital_value(code, entry)

    total = Row(key=node, name="")
    for row in rows.values():
        row.values = _usable(code, counted_entries[row.key])
        if level == HOSPITALS:
            row.median = own_values.get(row.key)
            row.hospitals = len(row.values)
        else:
            group = _group(row.key, row.values)
            row.median, row.hospitals = group.median, group.hospitals
        for name in (
            "registered", "reports", "draft", "submitted", "approved", "returned", "late",
            "ivt_cases", "evt_cases", "filled", "eligible",
        ):  # fmt: skip
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.values.extend(row.values)
    group = _group(node, total.values)
    total.median, total.hospitals = group.median, group.hospitals

    scope = region_prefix(user)
    trail_codes = [_node_code(prefix[:n]) for n in (2, 4, 6) if len(scope) < n <= len(prefix)]
    if scope:
        trail_codes.insert(0, _node_code(scope))
    names = _names([*trail_codes, *(row.drill for row in rows.values() if row.drill)])
    for row in rows.values():
        if row.drill:
            row.name = names.get(row.drill, row.drill)
    trail = [("", str(_("全国")))] if not scope else []
    trail += [(c, names.get(c, c)) for c in dict.fromkeys(trail_codes)]
    total.name = trail[-1][1]

    ordered = sorted(rows.values(), key=lambda row: (row.drill or "", row.name, row.key))
    return Overview(
        filters=filters,
        level=level,
        trail=trail,
        rows=sort_rows(ordered, filters.order),
        total=total,
        years=years_on_offer(filters.year),
        late_possible=past_deadline,
    )


def years_on_offer(selected: int) -> list[int]:
    """The data years that have reports, the current one and ``selected``; newest first."""
    years = set(Report.objects.order_by().values_list("data_year", flat=True).distinct())
    years |= {reports.current_data_year(), selected}
    return sorted(years, reverse=True)


def filters_from(query) -> Filters:
    """``Filters`` from a query string; a value that is not on offer is left out (the
    default), never an error. The region is checked against the scope by ``build``."""
    year = query.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None
    grade = query.get("grade", "")
    advanced = query.get("advanced", "")
    indicator = query.get("indicator", "")
    order = query.get("o", "")
    return Filters(
        year=year or reports.current_data_year(),
        region=query.get("region", "").strip(),
        grade=grade if grade in HospitalGrade.values else "",
        advanced=advanced if advanced in ("1", "0") else "",
        indicator=indicator if indicator in BY_CODE else DEFAULT_INDICATOR,
        order=order if order.removeprefix("-") in COLUMNS else "",
    )


# The table as shown (and exported) ---------------------------------------------------------

YES, NO = _("是"), _("否")


def columns(overview: Overview) -> list[tuple[str | None, str]]:
    """``[(sort key or None, header)]`` of the page's table."""
    indicator = overview.indicator
    unit = f"（{indicator.unit}）" if indicator.unit else ""
    hospitals = overview.level == HOSPITALS
    median = _("本院值") if hospitals else _("医院中位数")
    head = [("name", str(overview.level_name))]
    if hospitals:
        head += [(None, str(_("医院等级"))), (None, str(_("高级卒中中心")))]
    else:
        head += [("registered", str(COLUMNS["registered"]))]
    head += [
        (key, str(COLUMNS[key]))
        for key in ("reports", "submitted", "approved", "returned", "late", "ivt_cases")
    ]
    head += [
        ("evt_cases", str(COLUMNS["evt_cases"])),
        ("hospitals", str(_("计入对比")) if hospitals else str(COLUMNS["hospitals"])),
        ("median", f"{median}{unit}"),
        ("completeness", f"{COLUMNS['completeness']}（%）"),
    ]
    return head


def cells(overview: Overview, row: Row) -> list:
    """The values of ``row`` under ``columns``: numbers as numbers, ``INSUFFICIENT`` for
    样本不足, ``None`` for nothing to show."""
    total = row is overview.total
    hospitals = overview.level == HOSPITALS and not total
    if total and overview.level == HOSPITALS:
        name = _("%(name)s合计（%(count)s家）") % {"name": row.name, "count": row.registered}
    elif total:
        name = _("%(name)s合计") % {"name": row.name}
    values = [str(name) if total else row.name]
    if overview.level == HOSPITALS:
        values += [row.grade, str(YES if row.advanced else NO)] if hospitals else ["", ""]
    else:
        values += [row.registered]
    values += [row.reports, row.submitted, row.approved, row.returned]
    values += [row.late if overview.late_possible else None, row.ivt_cases, row.evt_cases]
    values += [str(YES if row.counted else NO) if hospitals else row.hospitals]
    completeness = row.completeness
    values += [row.median, round(completeness, 1) if completeness is not None else None]
    return values
