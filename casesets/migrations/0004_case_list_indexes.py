# Issue 21 item 1: a report's live cases in their order from an index that leads with the report
# (a hospital page reads its own report's rows, never an index over every hospital's cases);
# the report's single-column index goes, as the three composite ones all lead with it.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casesets", "0003_public_ids"),
        ("surveys", "0006_public_ids"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="interventioncase",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["report", "id"],
                include=["admission_no"],
                name="evt_report_id_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="thrombolysiscase",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["report", "id"],
                include=["admission_no"],
                name="ivt_report_id_idx",
            ),
        ),
        migrations.AlterField(
            model_name="interventioncase",
            name="report",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="intervention_cases",
                to="surveys.report",
                verbose_name="年度报告",
            ),
        ),
        migrations.AlterField(
            model_name="thrombolysiscase",
            name="report",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="thrombolysis_cases",
                to="surveys.report",
                verbose_name="年度报告",
            ),
        ),
    ]
