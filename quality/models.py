"""The indicators of each report, stored when its cases or its state change (issue 23 item
4), so that pages and benchmarks read one row per hospital instead of every case.

Which reports count in benchmarks is one rule, ``counts_in_benchmarks``: a live report that
is 已审核, or a bound legacy report (既往数据). A hospital's own page may also show its row
while it does not count, labelled as its current, unapproved figures.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import ReportStatus

# The states whose figures the benchmarks use.
COUNTED_STATUSES = (ReportStatus.APPROVED, ReportStatus.LEGACY)
PROVISIONAL_LABEL = _("本院当前数据（未审核，不计入全国及省级对比）")


def counts_in_benchmarks(report) -> bool:
    """The one rule: a report's figures count in benchmarks when it is not deleted and is
    已审核 (``APPROVED``) or a bound legacy report (``LEGACY``; unbinding deletes it)."""
    return report.deleted_at is None and report.status in COUNTED_STATUSES


def province_code(region_code: str) -> str:
    """GB/T 2260: the province of a code is its first two digits + "0000"."""
    return region_code[:2] + "0000"


def city_code(region_code: str) -> str:
    """The prefecture-level unit: the first four digits + "00" (for a 直辖市 its 市辖区 node,
    e.g. 110100, as ``registry.scope`` reads a city scope by its four-digit prefix)."""
    return region_code[:4] + "00"


class ReportIndicatorsQuerySet(models.QuerySet):
    def counted(self):
        """The rows the benchmarks use (``counts_in_benchmarks`` at compute time)."""
        return self.filter(counted=True)

    def of_year(self, data_year):
        return self.filter(data_year=data_year)

    def in_province(self, code):
        return self.filter(province_code=province_code(code))


class ReportIndicators(models.Model):
    """One report's indicators (``quality.compute``), as computed after the last change of
    its cases, 总表 or state; with the report's year, institution and region at that
    moment."""

    report = models.OneToOneField(
        "surveys.Report",
        verbose_name=_("年度报告"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    data_year = models.PositiveSmallIntegerField(_("数据年度"))
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("医疗机构"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    province_code = models.CharField(_("省级行政区划代码"), max_length=6)
    city_code = models.CharField(_("地级行政区划代码"), max_length=6)
    report_status = models.CharField(_("计算时的报告状态"), max_length=10)
    counted = models.BooleanField(_("计入对比"), default=False)
    values = models.JSONField(_("指标值"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ReportIndicatorsQuerySet.as_manager()

    class Meta:
        verbose_name = _("报告质控指标")
        verbose_name_plural = _("数据概览")
        indexes = [
            models.Index(
                fields=["data_year", "counted", "province_code"],
                name="quality_year_counted_prov_idx",
            ),
            models.Index(fields=["institution", "data_year"], name="quality_institution_year_idx"),
        ]

    def __str__(self):
        return _("%(year)s年度质控指标") % {"year": self.data_year}

    @property
    def is_provisional(self) -> bool:
        """Figures the hospital sees as its own, not yet counted (label: PROVISIONAL_LABEL)."""
        return not self.counted
