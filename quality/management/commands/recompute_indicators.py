from django.core.management.base import BaseCommand

from quality.services import recompute_all


class Command(BaseCommand):
    help = (
        "重新计算各年度报告的质控指标（ReportIndicators）。报告的病例、总表或状态变化时会自动"
        "重新计算；本命令用于首次上线后的回填（建表的迁移本身不计算），或指标定义修改之后。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="只计算该数据年度的报告")

    def handle(self, *args, year, **options):
        count = recompute_all(data_year=year)
        scope = f"{year}年度" if year is not None else "全部年度"
        self.stdout.write(f"已重新计算{scope}的 {count} 份报告的质控指标。")
