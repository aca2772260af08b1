# Issue 20 item 4: unguessable public ids for cases and import batches, filled for existing
# rows before they become unique and required; item 5: the import status is checked.
import uuid

from django.db import migrations, models

from registry.migration_helpers import fill_public_ids

MODELS = ("thrombolysiscase", "interventioncase", "importbatch")


class Migration(migrations.Migration):
    dependencies = [
        ("casesets", "0002_import_batch"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=name,
                name="public_id",
                field=models.UUIDField(editable=False, null=True, verbose_name="公开编号"),
            )
            for name in MODELS
        ],
        migrations.RunPython(
            fill_public_ids("casesets", "ThrombolysisCase", "InterventionCase", "ImportBatch"),
            migrations.RunPython.noop,
        ),
        *[
            migrations.AlterField(
                model_name=name,
                name="public_id",
                field=models.UUIDField(
                    default=uuid.uuid4, editable=False, unique=True, verbose_name="公开编号"
                ),
            )
            for name in MODELS
        ],
        migrations.AddConstraint(
            model_name="importbatch",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["previewed", "refused", "imported"])
                ),
                name="importbatch_status_valid",
            ),
        ),
    ]
