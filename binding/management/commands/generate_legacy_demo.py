import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from binding.demo_export import generate_demo_export


class Command(BaseCommand):
    help = (
        "生成旧平台既往数据的演示导出（DATA_DICTIONARY Decision 9 的格式）：数百家医院，"
        "2010、2015、2017、2018年度，.xlsx 与 .xls 混合，含少量格式不规范的数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("target", help="写入的文件夹（不能已存在）")
        parser.add_argument("--hospitals", type=int, default=240, help="医院数（默认240）")
        parser.add_argument("--seed", type=int, default=2019, help="随机种子（默认2019）")
        parser.add_argument(
            "--xls-share",
            type=float,
            default=0.3,
            help="写成 .xls 的个案文件比例（需要 xlwt；默认0.3，0 则全部为 .xlsx）",
        )
        parser.add_argument("--clean", action="store_true", help="不写入格式不规范的数据")
        parser.add_argument(
            "--corrupt", action="store_true", help="另写一个无法读取的文件（用于测试）"
        )
        parser.add_argument("--zip", dest="zip_path", help="另存为 zip 压缩包的路径")

    def handle(self, *args, target, hospitals, seed, xls_share, clean, corrupt, zip_path, **opts):
        folder = Path(target)
        if folder.exists() and any(folder.iterdir()):
            raise CommandError(f"{folder} 已存在且不为空，请换一个文件夹。")
        if hospitals < 20:
            raise CommandError("医院数至少为20。")
        # Written beside the target and renamed at the end: an interrupted run leaves no
        # half export where the run script would take it for a whole one.
        partial = folder.with_name(folder.name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        summary = generate_demo_export(
            partial,
            hospitals=hospitals,
            seed=seed,
            xls_share=xls_share,
            messy=not clean,
            corrupt=corrupt,
            zip_path=zip_path,
        )
        if folder.exists():
            folder.rmdir()
        partial.rename(folder)
        summary.target = folder
        self.stdout.write(summary.text())
