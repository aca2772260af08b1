"""Auditors' admin lists at national size (issue 21 item 2): a list of a million rows costs
what one of ten thousand does.

- **Counted up to a cap.** Django's admin counts every row of a list twice per page (the
  paginator's ``COUNT(*)`` and the unfiltered "N total"). Here the paginator counts at most
  ``ADMIN_LIST_MAX_ROWS`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``) and the
  unfiltered count is not taken (``show_full_result_count = False``): a list over the cap
  says "超过10000条" instead of a number nobody reads.
- **Sorted by indexed columns only** (``sortable_by``, enforced for ``?o=`` too).
- **Paged up to the cap.** Pages stop at the cap (200 pages of 50), so no page asks for an
  OFFSET beyond it; a deeper ``?p=`` shows the last page it may, with a message saying to
  narrow the list with the filters (数据年度, 省份) or the search, or to export it.
- ``MonthFilter`` replaces ``date_hierarchy``, whose links are a ``SELECT DISTINCT`` of every
  row's date: the months offered come from the first and last row (two index lookups).

The admin classes use ``NationalListMixin``; ``templates/admin/pagination.html``,
``search_form.html`` and ``actions.html`` show the capped count (and offer no "select all
N" across a capped list).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_ROWS = 10_000


def max_rows() -> int:
    """How many rows an admin list counts and pages through (``ADMIN_LIST_MAX_ROWS``)."""
    return getattr(settings, "ADMIN_LIST_MAX_ROWS", DEFAULT_MAX_ROWS)


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows; pages stop at ``cap`` rows. ``capped`` says whether
    the list holds more; ``clamped_from`` is the page asked for when it was beyond the last
    (the last page is shown instead of an error)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, **kw):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kw)
        self.cap = max_rows()
        self.capped = False
        self.clamped_from = None

    @cached_property
    def count(self):
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # COUNT(*) over a LIMITed subquery, unordered: any cap + 1 rows will do.
            found = rows.order_by()[: self.cap + 1].count()
        else:
            found = len(rows)
        self.capped = found > self.cap
        return min(found, self.cap)

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except PageNotAnInteger:
            return 1
        except EmptyPage:
            try:
                asked = int(number)
            except (TypeError, ValueError):
                asked = 1
            if asked < 1:
                return 1
            self.clamped_from = asked
            return max(1, self.num_pages)


class CappedChangeList(ChangeList):
    """A ChangeList on a ``CappedPaginator``: ``count_capped`` for the templates, and a
    message (not Django's "database error" page) for a page beyond the last. It sorts only
    by the columns of ``sortable_by`` (Django hides the other columns' sort links, but would
    still sort by any column given in ``?o=`` — over a million rows, by a column no index
    serves)."""

    def get_ordering(self, request, queryset):
        asked = self.params.get(ORDER_VAR)
        if asked and self.sortable_by is not None:
            kept = []
            for part in str(asked).split("."):
                index = part.rpartition("-")[2]
                if index.isdigit() and int(index) < len(self.list_display):
                    if self.list_display[int(index)] in self.sortable_by:
                        kept.append(part)
            if kept:
                self.params[ORDER_VAR] = ".".join(kept)
            else:
                del self.params[ORDER_VAR]
        return super().get_ordering(request, queryset)

    def get_results(self, request):
        super().get_results(request)
        paginator = self.paginator
        self.count_capped = getattr(paginator, "capped", False)
        self.max_rows = getattr(paginator, "cap", None)
        if self.count_capped and not self.result_list.query.is_sliced:
            # Django lists every row when the count fits one page or "show all": never for a
            # list whose count stopped at the cap.
            self.multi_page, self.can_show_all = True, False
            self.result_list = paginator.page(self.page_num).object_list
        clamped = getattr(paginator, "clamped_from", None)
        if clamped is not None:
            self.page_num = paginator.num_pages
            if self.count_capped:
                text = gettext(
                    "第%(asked)s页超出可浏览的范围：列表只列出前%(rows)s条（%(pages)s页），"
                    "已显示第%(pages)s页。请用右侧的筛选（如数据年度、省份）或搜索缩小范围；"
                    "需要全部数据请使用导出。"
                )
            else:
                text = gettext("第%(asked)s页不存在，已显示最后一页（第%(pages)s页）。")
            messages.warning(
                request,
                text % {"asked": clamped, "rows": self.max_rows, "pages": paginator.num_pages},
            )


class NationalListMixin:
    """For a ModelAdmin whose list can reach a million rows: capped count, pages up to the
    cap, no unfiltered "N total" count."""

    paginator = CappedPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return CappedChangeList


def _month_start(moment: datetime.datetime) -> datetime.date:
    local = timezone.localtime(moment)
    return datetime.date(local.year, local.month, 1)


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


class MonthFilter(admin.SimpleListFilter):
    """月份 (Beijing time) of a date-time field, newest first: the months between the first
    and the last row, found by two lookups of the field's index (``date_hierarchy`` would
    read the date of every row). Subclass with ``field_name`` set, or use ``month_filter``."""

    title = _("月份")
    field_name = ""
    months_offered = 36

    def lookups(self, request, model_admin):
        rows = model_admin.get_queryset(request).order_by()
        first = rows.order_by(self.field_name).values_list(self.field_name, flat=True).first()
        last = rows.order_by(f"-{self.field_name}").values_list(self.field_name, flat=True)
        last = last.first()
        if first is None or last is None:
            return []
        months, month, stop = [], _month_start(last), _month_start(first)
        while month >= stop and len(months) < self.months_offered:
            months.append((month.strftime("%Y-%m"), f"{month.year}年{month.month}月"))
            month = (month - datetime.timedelta(days=1)).replace(day=1)
        chosen = self.value()
        if chosen and chosen not in dict(months) and self._start(chosen):
            months.append((chosen, chosen))
        return months

    def _start(self, value):
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except (TypeError, ValueError):
            return None

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        start = self._start(self.value())
        if start is None:
            return queryset.none()
        zone = timezone.get_current_timezone()
        begin = datetime.datetime.combine(start, datetime.time(), zone)
        end = datetime.datetime.combine(_next_month(start), datetime.time(), zone)
        return queryset.filter(**{f"{self.field_name}__gte": begin, f"{self.field_name}__lt": end})


def month_filter(field_name: str) -> type[MonthFilter]:
    """A ``MonthFilter`` of ``field_name`` (parameter ``<field_name>_month=YYYY-MM``)."""
    return type(
        f"MonthFilter_{field_name}",
        (MonthFilter,),
        {"field_name": field_name, "parameter_name": f"{field_name}_month"},
    )
