# Issue 20 item 4: unguessable public ids for reports and 附件4 scans, filled for existing
# rows before they become unique and required.
import uuid

from django.db import migrations, models

from registry.migration_helpers import fill_public_ids


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_window_message_status_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="公开编号"),
        ),
        migrations.AddField(
            model_name="reportscan",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="公开编号"),
        ),
        migrations.RunPython(
            fill_public_ids("surveys", "Report", "ReportScan"), migrations.RunPython.noop
        ),
        migrations.AlterField(
            model_name="report",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="公开编号"
            ),
        ),
        migrations.AlterField(
            model_name="reportscan",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="公开编号"
            ),
        ),
    ]
