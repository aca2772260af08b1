"""Helpers for data migrations that more than one app needs."""

import uuid


def fill_public_ids(app_label: str, *model_names: str):
    """A ``RunPython`` function that gives every existing row of the models a random
    ``public_id`` (issue 20 item 4). PostgreSQL fills a table in one statement with its own
    ``gen_random_uuid()``; other databases (SQLite, the demo) row by row."""

    def fill(apps, schema_editor):
        connection = schema_editor.connection
        for name in model_names:
            model = apps.get_model(app_label, name)
            table = connection.ops.quote_name(model._meta.db_table)
            if connection.vendor == "postgresql":
                # The table name is the model's own, quoted; nothing comes from outside.
                sql = f"UPDATE {table} SET public_id = gen_random_uuid() WHERE public_id IS NULL"  # nosec B608
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                continue
            for pk in model.objects.filter(public_id__isnull=True).values_list("pk", flat=True):
                model.objects.filter(pk=pk).update(public_id=uuid.uuid4())

    return fill
