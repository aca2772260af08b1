from django.core.management.base import BaseCommand, CommandError

from binding.importer import import_legacy
from binding.models import LegacyRecord
from binding.sources import SourceError


class Command(BaseCommand):
    help = (
        "导入旧平台的既往数据导出（文件夹或 zip 压缩包，.xls/.xlsx），逐个文件报告导入和拒绝"
        "的内容及原因。某医院的附件2/附件3无法读取时，该医院的总表和其余个案照常导入，"
        "无法读取的文件及原因记在该条既往数据上并列在报告末尾；修复文件后重新导入即补全其个案。"
        "重复导入不会重复添加。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="导出文件夹或 zip 压缩包")
        parser.add_argument(
            "--brief",
            action="store_true",
            help="只列出有拒绝或缺少内容的文件、缺少个案文件的既往数据和合计，不列提示",
        )
        parser.add_argument(
            "--skip-if-loaded",
            action="store_true",
            help="数据库中已有既往数据时不再读取（演示服务器每次启动时用）",
        )

    def handle(self, *args, path, brief, skip_if_loaded, **options):
        if skip_if_loaded:
            count = LegacyRecord.objects.count()
            if count:
                self.stdout.write(f"已有{count}条既往数据，跳过导入。")
                return
        try:
            result = import_legacy(path, name=path)
        except SourceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(result.text(brief=brief))
