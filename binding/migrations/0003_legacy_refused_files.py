"""Issue 17 item 8: a hospital-year whose 附件2/附件3 cannot be read loads with its 总表 and
its other attachment; the refused file and its reason are kept on the record until an import
with the repaired file adds its cases. Import runs count those completions."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("binding", "0002_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="legacyimport",
            name="completed",
            field=models.PositiveIntegerField(
                default=0,
                help_text="此前缺少个案文件、本次用修复的文件补全个案的既往数据",
                verbose_name="补全",
            ),
        ),
        migrations.AddField(
            model_name="legacyrecord",
            name="refused_files",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="无法读取的附件2/附件3文件及原因；修复文件后重新导入即补全其个案",
                verbose_name="未导入的个案文件",
            ),
        ),
    ]
