from django.core.management.base import BaseCommand, CommandError

from institutions.regions import DEFAULT_FIXTURE, RegionFixtureError, load_regions


class Command(BaseCommand):
    help = "载入（或更新）行政区划数据：新增、更新，并把数据文件中已不存在的区划标记为撤销。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            help=f"行政区划数据文件（默认 {DEFAULT_FIXTURE.name}）",
        )

    def handle(self, *args, path=None, **options):
        try:
            result = load_regions(path)
        except RegionFixtureError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"行政区划 {result.data_version}：新增 {result.created}，更新 {result.updated}，"
            f"未变 {result.unchanged}，撤销 {result.retired}"
        )
