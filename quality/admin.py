"""数据概览 in 审核后台 (issue 23 item 3): the auditors' page of the stored indicators.

The admin of ``ReportIndicators`` (质控反馈 › 报告质控指标 in the menu) shows, in place of a
list of rows, the 数据概览 of ``quality.overview``: a data year by province, drilled down to
cities and hospitals, sortable, with a bar chart of the chosen indicator and 导出Excel. It is
scoped like every admin (``ScopedAdminMixin``; ``overview.build`` applies the same
``scope_q``): a province auditor starts at their province, and another province answers 404.
A row's own page (the stored JSON, read only) stays reachable by its URL, scoped too.
"""

from __future__ import annotations

import io

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font

import audit
from excel_templates.writing import inert
from institutions.models import HospitalGrade
from registry.admin_review import ReadOnlyAdminMixin
from registry.ratelimit import over_limit, too_many
from registry.scope import ScopedAdminMixin

from . import charts, overview
from .benchmarks import Insufficient
from .indicators import INDICATORS
from .models import ReportIndicators

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_ROWS = 40  # bars beyond these would make the chart taller than the page


def _text(value) -> str:
    """A cell of the page: 样本不足, — for nothing, numbers with one decimal at most (the
    header says the unit)."""
    if isinstance(value, Insufficient):
        return str(value)
    if value is None:
        return "—"
    if isinstance(value, float):
        value = round(value, 1)
        value = int(value) if value.is_integer() else value
    return str(value)


def _chart(page: overview.Overview):
    indicator = page.indicator
    # n: the counted hospitals behind a region's median, the cases behind a hospital's value.
    hospitals = page.level == overview.HOSPITALS
    rows = [
        (
            row.name,
            None if isinstance(row.median, Insufficient) else row.median,
            row.cases if hospitals else row.hospitals,
        )
        for row in page.rows[:CHART_ROWS]
    ]
    target = indicator.target.value if indicator.target else None
    direction = indicator.direction if indicator.direction in ("lower", "higher") else None
    return charts.bars(
        rows,
        label=f"{indicator.name}（{page.level_name}）",
        unit=indicator.unit,
        target=target,
        direction=direction,
        width=720,
        chart_id="overview-bars",
    )


@admin.register(ReportIndicators)
class OverviewAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """数据概览: the changelist is the overview page; ``export/`` its .xlsx."""

    scope_path = "institution__region"
    list_select_related = ("institution",)
    readonly_fields = ("report", "data_year", "institution", "region_code", "counted", "values")
    fields = readonly_fields

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="quality_reportindicators_export",
            ),
            *super().get_urls(),
        ]

    def _overview(self, request) -> overview.Overview:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            return overview.build(request.user, overview.filters_from(request.GET))
        except overview.OutOfScope:
            raise Http404 from None

    def changelist_view(self, request, extra_context=None):
        page = self._overview(request)
        filters = page.filters
        here = reverse("admin:quality_reportindicators_changelist")

        def link(**changes):
            return f"{here}?{urlencode(filters.query(**changes))}"

        headers = []
        for key, label in overview.columns(page):
            current = filters.order.removeprefix("-") == key if key else False
            descending = current and filters.order.startswith("-")
            headers.append(
                {
                    "label": label,
                    "url": link(o=("" if descending else f"-{key}") if current else key)
                    if key
                    else None,
                    "sorted": ("descending" if descending else "ascending") if current else "",
                }
            )
        rows = []
        for row in page.rows:
            texts = [_text(value) for value in overview.cells(page, row)]
            if row.drill:
                url = link(region=row.drill, o="")
            elif row.report_id:
                url = reverse("admin:surveys_report_change", args=[row.report_id])
            else:
                url = None
            rows.append({"url": url, "name": texts[0], "cells": texts[1:]})
        total = [_text(value) for value in overview.cells(page, page.total)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("数据概览"),
            "page": page,
            "headers": headers,
            "rows": rows,
            "total": total,
            "trail": [(name, link(region=code, o="")) for code, name in page.trail],
            "chart": _chart(page),
            "export_url": reverse("admin:quality_reportindicators_export")
            + "?"
            + urlencode(filters.query()),
            "years": page.years,
            "grades": HospitalGrade.choices,
            "indicators": [(i.code, i.name) for i in INDICATORS],
            "chart_rows": CHART_ROWS,
            # The table needs the page's width; the menu stays on the index.
            "is_nav_sidebar_enabled": False,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/quality/overview.html", context)

    def export_view(self, request):
        """导出Excel: the table the page shows (its filters, its order) as .xlsx."""
        page = self._overview(request)
        wait = over_limit(request, "export")
        if wait:
            return too_many(request, wait)
        content = workbook(page)
        audit.record(
            request,
            audit.Action.EXPORT,
            kind="overview",
            rows=len(page.rows),
            format="xlsx",
            filters=page.filters.query(),
        )
        response = HttpResponse(content, content_type=XLSX)
        filename = f"数据概览_{page.filters.year}_{page.trail[-1][1]}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Cache-Control"] = "no-store"
        return response


def workbook(page: overview.Overview) -> bytes:
    """The .xlsx of the page: what it shows (year, region, filters) above the table, then
    the header, the rows in the page's order and the total. Every cell through ``inert``."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("数据概览")
    filters = page.filters
    grade = dict(HospitalGrade.choices).get(filters.grade, gettext("全部"))
    advanced = {"1": gettext("是"), "0": gettext("否")}.get(filters.advanced, gettext("全部"))
    described = [
        (gettext("数据年度"), filters.year),
        (gettext("范围"), " › ".join(name for _code, name in page.trail)),
        (gettext("医院等级"), grade),
        (gettext("高级卒中中心"), advanced),
        (gettext("指标"), page.indicator.name),
        (
            gettext("说明"),
            gettext(
                "中位数为计入对比（已审核或既往数据）医院的指标值的中位数，少于5家为样本不足；"
                "录入完整率为全部有效报告中填写了指标所需项目的病例比例。"
            ),
        ),
    ]
    for number, (label, value) in enumerate(described, start=1):
        inert(sheet.cell(row=number, column=1), label).font = Font(bold=True)
        inert(sheet.cell(row=number, column=2), value)
    header_row = len(described) + 2
    for column, (_key, label) in enumerate(overview.columns(page), start=1):
        inert(sheet.cell(row=header_row, column=column), label).font = Font(bold=True)
    for number, row in enumerate([*page.rows, page.total], start=header_row + 1):
        for column, value in enumerate(overview.cells(page, row), start=1):
            if isinstance(value, Insufficient):
                value = str(value)
            inert(sheet.cell(row=number, column=column), value)
    sheet.column_dimensions["A"].width = 28
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
